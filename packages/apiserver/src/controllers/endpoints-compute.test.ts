import { describe, expect, it } from 'vitest';
import type { EndpointSubset, Pod, Service } from '@kubelab/api';
import { desiredSlices, endpointsSubsets, findPort, truncateSubsets } from './endpoints-compute';

interface PodOpts {
  ip?: string;
  ready?: boolean;
  phase?: 'Running' | 'Succeeded' | 'Failed' | 'Pending';
  deleting?: boolean;
  node?: string;
  ports?: { name: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[];
  hostname?: string;
  subdomain?: string;
}

function pod(name: string, o: PodOpts = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: 'x' } : {}) },
    spec: {
      nodeName: o.node ?? 'kubelab-worker',
      hostname: o.hostname,
      subdomain: o.subdomain,
      containers: [{ name: 'c', image: 'i', ports: o.ports }],
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip === '' ? {} : { podIP: o.ip ?? '10.244.1.5' }),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

function service(spec: Partial<Service['spec']> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', uid: 'svc-uid' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], clusterIP: '10.96.1.1', ...spec },
  };
}

const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` });

describe('endpointsSubsets', () => {
  it('lists ready pods as addresses and the rest as notReadyAddresses, sorted by IP, with node and targetRef', () => {
    const subsets = endpointsSubsets(service(), [
      pod('b', { ip: '10.244.2.9' }),
      pod('a', { ip: '10.244.1.10' }),
      pod('c', { ip: '10.244.1.9', ready: false }),
    ]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: '10.244.1.10', nodeName: 'kubelab-worker', targetRef: ref('a') },
          { ip: '10.244.2.9', nodeName: 'kubelab-worker', targetRef: ref('b') },
        ],
        notReadyAddresses: [{ ip: '10.244.1.9', nodeName: 'kubelab-worker', targetRef: ref('c') }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('never lists terminal, address-less or terminating pods; publishNotReadyAddresses lists every live one as ready', () => {
    const pods = [
      pod('done', { phase: 'Succeeded', ip: '10.244.1.1' }),
      pod('failed', { phase: 'Failed', ip: '10.244.1.2' }),
      pod('pending', { ip: '' }),
      pod('going', { ip: '10.244.1.3', deleting: true }),
      pod('starting', { ip: '10.244.1.4', ready: false }),
    ];
    expect(endpointsSubsets(service(), pods)).toEqual([
      {
        notReadyAddresses: [{ ip: '10.244.1.4', nodeName: 'kubelab-worker', targetRef: ref('starting') }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
    const published = endpointsSubsets(service({ publishNotReadyAddresses: true }), pods);
    expect(published[0].addresses?.map((a) => a.ip)).toEqual(['10.244.1.3', '10.244.1.4']);
    expect(published[0].notReadyAddresses).toBeUndefined();
  });

  it('resolves named target ports per pod and protocol; pods without the name are left out of that port', () => {
    const svc = service({
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' },
      ],
    });
    const pods = [
      pod('a', {
        ip: '10.244.1.1',
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'dns', containerPort: 5353, protocol: 'UDP' },
        ],
      }),
      pod('b', {
        ip: '10.244.1.2',
        ports: [
          { name: 'http', containerPort: 9090 },
          { name: 'dns', containerPort: 5353 },
        ],
      }),
    ];
    expect(endpointsSubsets(svc, pods)).toEqual([
      {
        addresses: [{ ip: '10.244.1.1', nodeName: 'kubelab-worker', targetRef: ref('a') }],
        ports: [
          { name: 'dns', port: 5353, protocol: 'UDP' },
          { name: 'http', port: 8080, protocol: 'TCP' },
        ],
      },
      {
        addresses: [{ ip: '10.244.1.2', nodeName: 'kubelab-worker', targetRef: ref('b') }],
        ports: [{ name: 'http', port: 9090, protocol: 'TCP' }],
      },
    ]);
  });

  it('gives pods of a headless Service naming it as subdomain their hostname, and lists them without ports', () => {
    const svc = service({ clusterIP: 'None', ports: [] });
    const subsets = endpointsSubsets(svc, [
      pod('a', { hostname: 'a', subdomain: 'web' }),
      pod('b', { ip: '10.244.1.6', hostname: 'b', subdomain: 'other' }),
    ]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: '10.244.1.5', hostname: 'a', nodeName: 'kubelab-worker', targetRef: ref('a') },
          { ip: '10.244.1.6', nodeName: 'kubelab-worker', targetRef: ref('b') },
        ],
      },
    ]);
  });

  it('is empty without pods', () => {
    expect(endpointsSubsets(service(), [])).toEqual([]);
  });
});

describe('findPort', () => {
  it('uses numbers as they are and matches names only with the same protocol', () => {
    const p = pod('a', { ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }] });
    expect(findPort(p, { port: 80, targetPort: 8080 })).toBe(8080);
    expect(findPort(p, { port: 53, targetPort: 'dns', protocol: 'UDP' })).toBe(53);
    expect(findPort(p, { port: 53, targetPort: 'dns', protocol: 'TCP' })).toBeUndefined();
  });
});

describe('desiredSlices', () => {
  it('writes ready/serving/terminating as the slice controller does, terminating pods included', () => {
    const slices = desiredSlices(service(), [
      pod('a', { ip: '10.244.1.1' }),
      pod('b', { ip: '10.244.1.2', ready: false }),
      pod('c', { ip: '10.244.1.3', deleting: true }),
      pod('d', { ip: '10.244.1.4', phase: 'Failed' }),
    ]);
    expect(slices).toHaveLength(1);
    expect(slices[0].ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
    expect(slices[0].endpoints).toEqual([
      {
        addresses: ['10.244.1.1'],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: ref('a'),
        nodeName: 'kubelab-worker',
      },
      {
        addresses: ['10.244.1.2'],
        conditions: { ready: false, serving: false, terminating: false },
        targetRef: ref('b'),
        nodeName: 'kubelab-worker',
      },
      {
        addresses: ['10.244.1.3'],
        conditions: { ready: false, serving: true, terminating: true },
        targetRef: ref('c'),
        nodeName: 'kubelab-worker',
      },
    ]);
  });

  it('splits by port mapping and by 100 endpoints; leaves out pods on unknown nodes', () => {
    const svc = service({ ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] });
    const pods = Array.from({ length: 150 }, (_, i) =>
      pod(`p${i}`, {
        ip: `10.244.${1 + (i % 2)}.${10 + Math.floor(i / 2)}`,
        ports: [{ name: 'http', containerPort: i % 2 ? 9090 : 8080 }],
      }),
    );
    pods.push(pod('lost', { ip: '10.244.9.9', node: 'gone', ports: [{ name: 'http', containerPort: 8080 }] }));
    const slices = desiredSlices(svc, pods, { nodeExists: (n) => n !== 'gone' }, 50);
    expect(slices.map((s) => [s.ports[0].port, s.endpoints.length])).toEqual([
      [8080, 50],
      [8080, 25],
      [9090, 50],
      [9090, 25],
    ]);
    expect(slices.flatMap((s) => s.endpoints).some((e) => e.addresses[0] === '10.244.9.9')).toBe(false);
  });

  it('sets the hostname for a headless Service subdomain and publishes not-ready pods as ready on request', () => {
    const [s] = desiredSlices(service({ clusterIP: 'None', publishNotReadyAddresses: true }), [
      pod('a', { ready: false, hostname: 'a', subdomain: 'web' }),
    ]);
    expect(s.endpoints[0]).toMatchObject({ hostname: 'a', conditions: { ready: true, serving: false, terminating: false } });
  });
});

describe('truncateSubsets (maxCapacity 1000)', () => {
  const addrs = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.${base}.${Math.floor(i / 250)}.${i % 250}` }));

  it('keeps what fits', () => {
    const subsets = [{ addresses: addrs(3, 1) }];
    expect(truncateSubsets(subsets, 10)).toBe(false);
    expect(subsets[0].addresses).toHaveLength(3);
  });

  it('cuts not-ready addresses first, in proportion across subsets', () => {
    const subsets: EndpointSubset[] = [
      { addresses: addrs(4, 1), notReadyAddresses: addrs(6, 2) },
      { addresses: addrs(2, 3), notReadyAddresses: addrs(2, 4) },
    ];
    expect(truncateSubsets(subsets, 10)).toBe(true);
    // 4 slots for 8 not-ready addresses: ceil(6/8*4) = 3, then the 1 left.
    expect(subsets.map((s) => [s.addresses?.length ?? 0, s.notReadyAddresses?.length ?? 0])).toEqual([
      [4, 3],
      [2, 1],
    ]);
  });

  it('drops every not-ready address when the ready ones alone are too many', () => {
    const subsets: EndpointSubset[] = [{ addresses: addrs(12, 1), notReadyAddresses: addrs(3, 2) }];
    expect(truncateSubsets(subsets, 10)).toBe(true);
    expect(subsets[0].addresses).toHaveLength(10);
    expect(subsets[0].notReadyAddresses).toBeUndefined();
  });
});
