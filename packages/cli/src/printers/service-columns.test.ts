import { describe, expect, it } from 'vitest';
import type { Endpoints, EndpointSlice, Service } from '@kubelab/api';
import { describeObject } from './describe';
import { printTable } from './table';

const now = Date.parse('2024-05-01T12:00:00Z');
const meta = (name: string) => ({ name, namespace: 'default', creationTimestamp: '2024-05-01T11:55:00Z' });
const service = (name: string, spec: Partial<Service['spec']>, status?: Service['status']): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta(name),
  spec: { type: 'ClusterIP', ...spec },
  status,
});

describe('get svc', () => {
  const svcs: Service[] = [
    service('kubernetes', { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
    service('web', {
      type: 'NodePort',
      clusterIP: '10.96.12.7',
      clusterIPs: ['10.96.12.7'],
      selector: { app: 'web', tier: 'front' },
      ports: [
        { port: 80, nodePort: 30080, protocol: 'TCP' },
        { port: 53, nodePort: 31053, protocol: 'UDP' },
      ],
    }),
    service(
      'lb',
      { type: 'LoadBalancer', clusterIP: '10.96.3.3', clusterIPs: ['10.96.3.3'], ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] },
      {
        loadBalancer: { ingress: [{ ip: '172.30.0.192' }] },
      },
    ),
    service('pending', {
      type: 'LoadBalancer',
      clusterIP: '10.96.3.4',
      clusterIPs: ['10.96.3.4'],
      ports: [{ port: 80, nodePort: 31001, protocol: 'TCP' }],
    }),
    service('db', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 5432, protocol: 'TCP' }] }),
    service('ext', { type: 'ExternalName', externalName: 'example.com' }),
  ];

  it('prints kubectl columns', () => {
    expect(printTable(svcs, 'Service', { now })).toBe(
      [
        'NAME         TYPE           CLUSTER-IP   EXTERNAL-IP    PORT(S)                     AGE',
        'kubernetes   ClusterIP      10.96.0.1    <none>         443/TCP                     5m',
        'web          NodePort       10.96.12.7   <none>         80:30080/TCP,53:31053/UDP   5m',
        'lb           LoadBalancer   10.96.3.3    172.30.0.192   80:31000/TCP                5m',
        'pending      LoadBalancer   10.96.3.4    <pending>      80:31001/TCP                5m',
        'db           ClusterIP      None         <none>         5432/TCP                    5m',
        'ext          ExternalName   <none>       example.com    <none>                      5m',
      ].join('\n'),
    );
  });

  it('adds SELECTOR with -o wide', () => {
    const out = printTable(svcs.slice(0, 2), 'Service', { now, wide: true }).split('\n');
    expect(out[0]).toMatch(/AGE\s+SELECTOR$/);
    expect(out[1]).toMatch(/5m\s+<none>$/);
    expect(out[2]).toMatch(/5m\s+app=web,tier=front$/);
  });
});

describe('get endpoints / endpointslices', () => {
  it('prints ready ip:port pairs, three at most, then + N more...', () => {
    const ep = (name: string, subsets?: Endpoints['subsets']): Endpoints => ({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: meta(name),
      subsets,
    });
    const many = ep('web', [
      {
        addresses: ['10.244.1.5', '10.244.1.6', '10.244.2.3', '10.244.2.4'].map((ip) => ({ ip })),
        notReadyAddresses: [{ ip: '10.244.2.9' }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
    const notReady = ep('starting', [{ notReadyAddresses: [{ ip: '10.244.1.9' }], ports: [{ port: 80 }] }]);
    expect(
      printTable(
        [ep('kubernetes', [{ addresses: [{ ip: '172.30.0.2' }], ports: [{ port: 6443 }] }]), many, ep('empty'), notReady],
        'Endpoints',
        { now },
      ),
    ).toBe(
      [
        'NAME         ENDPOINTS                                                     AGE',
        'kubernetes   172.30.0.2:6443                                               5m',
        'web          10.244.1.5:8080,10.244.1.6:8080,10.244.2.3:8080 + 1 more...   5m',
        'empty        <none>                                                        5m',
        'starting                                                                   5m',
      ].join('\n'),
    );
  });

  it('prints slices with ADDRESSTYPE, PORTS and ENDPOINTS, <unset> when empty', () => {
    const slice = (name: string, endpoints: string[], ports: number[]): EndpointSlice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: meta(name),
      addressType: 'IPv4',
      endpoints: endpoints.map((a) => ({ addresses: [a] })),
      ports: ports.map((port) => ({ port })),
    });
    const out = printTable([slice('web-abcde', ['10.244.1.5', '10.244.2.3'], [8080]), slice('web-fghij', [], [])], 'EndpointSlice', {
      now,
    });
    expect(out).toBe(
      [
        'NAME        ADDRESSTYPE   PORTS     ENDPOINTS               AGE',
        'web-abcde   IPv4          8080      10.244.1.5,10.244.2.3   5m',
        'web-fghij   IPv4          <unset>   <unset>                 5m',
      ].join('\n'),
    );
  });
});

describe('describe svc', () => {
  it('follows kubectl describeService', () => {
    const svc = service('web', {
      type: 'NodePort',
      selector: { app: 'web' },
      clusterIP: '10.96.12.7',
      clusterIPs: ['10.96.12.7'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP' }],
      sessionAffinity: 'None',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
    });
    svc.metadata.labels = { app: 'web' };
    const slices: EndpointSlice[] = [
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: meta('web-abcde'),
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        endpoints: [
          { addresses: ['10.244.1.5'], conditions: { ready: true } },
          { addresses: ['10.244.2.3'], conditions: { ready: false } },
        ],
      },
    ];
    expect(describeObject(svc, { endpointSlices: slices, events: [] }, { now, utcOffsetMinutes: 0 })).toBe(
      [
        'Name:                     web',
        'Namespace:                default',
        'Labels:                   app=web',
        'Annotations:              <none>',
        'Selector:                 app=web',
        'Type:                     NodePort',
        'IP Family Policy:         SingleStack',
        'IP Families:              IPv4',
        'IP:                       10.96.12.7',
        'IPs:                      10.96.12.7',
        'Port:                     http  80/TCP',
        'TargetPort:               http/TCP',
        'NodePort:                 http  30080/TCP',
        'Endpoints:                10.244.1.5:8080',
        'Session Affinity:         None',
        'External Traffic Policy:  Cluster',
        'Internal Traffic Policy:  Cluster',
        'Events:                   <none>',
        '',
      ].join('\n'),
    );
  });
});
