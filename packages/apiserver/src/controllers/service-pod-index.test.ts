import { describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Service } from '@kubelab/api';
import type { StoredEvent } from '../storage/store';
import { mirroredSlices } from './endpointslice-mirroring';
import { loadBalancerEvent } from './loadbalancer-events';
import { ServicePodIndex } from './service-pod-index';

const pod = (name: string, labels: Record<string, string>, ip = '10.244.1.5'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: name, labels },
  spec: { containers: [] },
  status: { podIP: ip },
});
const svc = (name: string, selector?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { selector },
});
const ev = (type: StoredEvent['type'], object: Pod | Service, previous?: Pod | Service): StoredEvent => ({
  type,
  resource: object.kind === 'Pod' ? '/pods' : '/services',
  object,
  previous,
  resourceVersion: 1,
});

describe('ServicePodIndex', () => {
  const index = new ServicePodIndex(
    [pod('a', { app: 'web', tier: 'front' }), pod('b', { app: 'web' }), pod('c', { app: 'db' })],
    [svc('web', { app: 'web' }), svc('front', { app: 'web', tier: 'front' }), svc('all', {}), svc('manual')],
  );
  const names = (ps: Pod[]) => ps.map((p) => p.metadata.name).sort();

  it("finds a Service's pods by its selector, everything for {} and nothing without one", () => {
    expect(names(index.podsFor(index.service('default', 'web')!))).toEqual(['a', 'b']);
    expect(names(index.podsFor(index.service('default', 'front')!))).toEqual(['a']);
    expect(names(index.podsFor(index.service('default', 'all')!))).toEqual(['a', 'b', 'c']);
    expect(index.podsFor(index.service('default', 'manual')!)).toEqual([]);
  });

  it('reports the Services a pod change concerns, old and new labels alike', () => {
    const before = pod('b', { app: 'web' });
    const after = pod('b', { app: 'db' });
    expect(index.apply(ev('MODIFIED', after, before)).sort()).toEqual(['default/all', 'default/web']);
    expect(names(index.podsFor(index.service('default', 'web')!))).toEqual(['a']);
  });

  it('reports none for a change endpoints do not depend on', () => {
    const a = pod('a', { app: 'web', tier: 'front' });
    const touched = { ...a, status: { ...a.status, startTime: 'now' } };
    expect(index.apply(ev('MODIFIED', touched, a))).toEqual([]);
  });

  it("follows a Service's selector changes", () => {
    index.apply(ev('MODIFIED', svc('web', { app: 'db' }), svc('web', { app: 'web' })));
    expect(names(index.podsFor(index.service('default', 'web')!))).toEqual(['b', 'c']);
    index.apply(ev('DELETED', svc('web', { app: 'db' })));
    expect(index.service('default', 'web')).toBeUndefined();
  });
});

describe('mirroredSlices', () => {
  it('mirrors each subset into a slice owned by the Endpoints, not-ready addresses as ready: false', () => {
    const ep: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'db', namespace: 'default', uid: 'ep-uid', labels: { team: 'a' } },
      subsets: [
        {
          addresses: [{ ip: '192.168.1.5' }],
          notReadyAddresses: [{ ip: '192.168.1.6' }],
          ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
        },
      ],
    };
    expect(mirroredSlices(ep)).toEqual([
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: 'db-',
          namespace: 'default',
          labels: {
            team: 'a',
            'kubernetes.io/service-name': 'db',
            'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io',
          },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: 'db', uid: 'ep-uid', controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        endpoints: [
          { addresses: ['192.168.1.5'], conditions: { ready: true } },
          { addresses: ['192.168.1.6'], conditions: { ready: false } },
        ],
        ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      },
    ]);
  });
});

describe('loadBalancerEvent', () => {
  const lb = (ips: string[], type: Service['spec']['type'] = 'LoadBalancer'): Service => ({
    ...svc('lb', { app: 'web' }),
    spec: { type, selector: { app: 'web' } },
    status: { loadBalancer: ips.length ? { ingress: ips.map((ip) => ({ ip })) } : {} },
  });

  it('says which IP was assigned, once', () => {
    expect(loadBalancerEvent(lb(['172.30.0.192']), undefined)).toEqual({
      type: 'Normal',
      reason: 'IPAllocated',
      message: 'Assigned IP ["172.30.0.192"]',
    });
    expect(loadBalancerEvent(lb(['172.30.0.192']), lb(['172.30.0.192']))).toBeUndefined();
  });

  it('warns once when the pool is empty, and says nothing for other types', () => {
    expect(loadBalancerEvent(lb([]), lb([], 'ClusterIP'))?.message).toBe('Failed to allocate IP for "default/lb": no available IPs');
    expect(loadBalancerEvent(lb([]), lb([]))).toBeUndefined();
    expect(loadBalancerEvent(lb([], 'NodePort'), undefined)).toBeUndefined();
  });
});
