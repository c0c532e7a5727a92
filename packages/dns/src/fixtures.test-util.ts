// Cluster objects for the DNS unit tests: a small zone with every kind of Service the specification names.
import type { EndpointSlice, Pod, Service } from '@kubelab/api';
import { ZoneIndex } from './zone-index';

export function svc(ns: string, name: string, spec: Service['spec'], annotations?: Record<string, string>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name, annotations }, spec };
}

export function slice(
  ns: string,
  service: string,
  name: string,
  endpoints: EndpointSlice['endpoints'],
  ports: EndpointSlice['ports'],
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

export function pod(ns: string, name: string, ip: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name }, spec: { containers: [] }, status: { podIP: ip } } as Pod;
}

export function sampleZone(): ZoneIndex {
  const z = new ZoneIndex(() => 1_700_000_000_000);
  z.upsertService(svc('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }));
  z.upsertService(
    svc('default', 'web', {
      clusterIP: '10.96.0.20',
      ports: [
        { name: 'http', port: 80, protocol: 'TCP' },
        { port: 81, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    }),
  );
  z.upsertService(svc('other', 'web', { clusterIP: '10.96.0.21', ports: [{ name: 'http', port: 80 }] }));
  z.upsertService(svc('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }));
  z.upsertSlice(
    slice(
      'default',
      'db',
      'db-abc',
      [
        { addresses: ['10.244.1.5'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.244.2.7'], conditions: { ready: true } },
        { addresses: ['10.244.2.8'], conditions: { ready: false } },
        { addresses: ['10.244.1.6'] },
      ],
      [{ name: 'pg', port: 5433, protocol: 'TCP' }],
    ),
  );
  z.upsertService(svc('default', 'empty', { clusterIP: 'None' }));
  z.upsertService(svc('default', 'unready', { clusterIP: 'None', publishNotReadyAddresses: true }));
  z.upsertSlice(slice('default', 'unready', 'unready-1', [{ addresses: ['10.244.3.3'], conditions: { ready: false } }], []));
  z.upsertService(svc('default', 'ext', { type: 'ExternalName', externalName: 'www.example.com.', ports: [{ name: 'http', port: 80 }] }));
  z.upsertPod(pod('default', 'client', '10.244.1.9'));
  return z;
}
