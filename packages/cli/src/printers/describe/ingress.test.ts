import type { EndpointSlice, Ingress, Service } from '@kubelab/api';
import { describe, expect, it } from 'vitest';
import { ingressColumns, ingressHosts } from '@kubelab/api';
import { describeObject } from './index';

const ctx = { now: Date.parse('2024-05-01T12:00:00Z'), utcOffsetMinutes: 0 };
const ing: Ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {
    name: 'apps',
    namespace: 'default',
    creationTimestamp: '2024-05-01T11:00:00Z',
    annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/' },
  },
  spec: {
    ingressClassName: 'nginx',
    tls: [{ hosts: ['app.localhost'], secretName: 'app-tls' }],
    rules: [
      {
        host: 'app.localhost',
        http: {
          paths: [
            { path: '/app1', pathType: 'Prefix', backend: { service: { name: 'app1', port: { number: 80 } } } },
            { path: '/gone', pathType: 'Prefix', backend: { service: { name: 'gone', port: { name: 'http' } } } },
          ],
        },
      },
    ],
  },
  status: { loadBalancer: { ingress: [{ hostname: 'localhost' }] } },
};
const services: Service[] = [
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app1', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }] } },
];
const endpointSlices: EndpointSlice[] = [
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'app1-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'app1' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080 }],
    endpoints: [
      { addresses: ['10.244.1.2'], conditions: { ready: true } },
      { addresses: ['10.244.2.3'], conditions: { ready: true } },
    ],
  },
];

describe('describe ingress (kubectl describeIngressV1)', () => {
  it('address, class, TLS, rules with endpoints, annotations', () => {
    expect(describeObject(ing, { services, endpointSlices, events: [] }, ctx)).toBe(
      [
        'Name:             apps',
        'Labels:           <none>',
        'Namespace:        default',
        'Address:          localhost',
        'Ingress Class:    nginx',
        'Default backend:  <default>',
        'TLS:',
        '  app-tls terminates app.localhost',
        'Rules:',
        '  Host           Path  Backends',
        '  ----           ----  --------',
        '  app.localhost  ',
        '                 /app1   app1:80 (10.244.1.2:8080,10.244.2.3:8080)',
        '                 /gone   gone:http (<error: services "gone" not found>)',
        'Annotations:     nginx.ingress.kubernetes.io/rewrite-target: /',
        'Events:          <none>',
        '',
      ].join('\n'),
    );
  });
  it('get columns: hosts, address, ports', () => {
    const row = ingressColumns.map((c) => c.value(ing, ctx.now));
    expect(row).toEqual(['apps', 'nginx', 'app.localhost', 'localhost', '80, 443', '60m']);
    const many = { ...ing, spec: { rules: ['a', 'b', 'c', 'd', 'e'].map((h) => ({ host: `${h}.x` })) } } as Ingress;
    expect(ingressHosts(many)).toBe('a.x,b.x,c.x + 2 more...');
  });
});
