import { describe, expect, it } from 'vitest';
import type { Service } from '@kubelab/api';
import { Store } from '../storage/store';
import { defaultLoadBalancerPool, defaultServiceNetwork, ServiceAllocations } from './service-allocations';

const svc = (name: string, spec: Partial<Service['spec']>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }], ...spec },
});

const flush = () => new Promise<void>((r) => queueMicrotask(r));

describe('ServiceAllocations', () => {
  it('allocates dynamic ClusterIPs above the static band (10.96.0.1-10.96.1.0 for a /12)', () => {
    const store = new Store();
    const a = new ServiceAllocations(store, defaultServiceNetwork, () => 0);
    const s = svc('web', {});
    expect(a.allocate(s)).toEqual([]);
    expect(s.spec.clusterIP).toBe('10.96.1.1');
    expect(a.firstIP).toBe('10.96.0.1');
  });

  it('keeps what the store confirms and gives back what a failed write took', async () => {
    const store = new Store();
    const a = new ServiceAllocations(store, defaultServiceNetwork);
    const kept = svc('kept', { clusterIP: '10.96.0.10' });
    expect(a.allocate(kept)).toEqual([]);
    store.put('/services', kept, 'ADDED');
    const lost = svc('lost', { clusterIP: '10.96.0.11', type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    expect(a.allocate(lost)).toEqual([]);
    expect(a.ipOwner('10.96.0.11')).toBe('default/lost');
    await flush();
    expect(a.ipOwner('10.96.0.10')).toBe('default/kept');
    expect(a.ipOwner('10.96.0.11')).toBeUndefined();
    expect(a.portOwner(30080)).toBeUndefined();
  });

  it('refuses a value another Service holds, with Kubernetes wording, and lets the holder keep it', () => {
    const store = new Store();
    const a = new ServiceAllocations(store, defaultServiceNetwork);
    const one = svc('one', { clusterIP: '10.96.0.5', type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    a.allocate(one);
    store.put('/services', one, 'ADDED');
    expect(a.allocate(svc('two', { clusterIP: '10.96.0.5' }))).toEqual([
      {
        field: 'spec.clusterIPs',
        type: 'FieldValueInvalid',
        message: 'Invalid value: ["10.96.0.5"]: failed to allocate IP 10.96.0.5: provided IP is already allocated',
      },
    ]);
    expect(a.allocate(svc('three', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }))[0].message).toBe(
      'Invalid value: 30080: provided port is already allocated',
    );
    expect(a.allocate(svc('four', { type: 'NodePort', ports: [{ port: 80, nodePort: 29999 }] }))[0].message).toBe(
      'Invalid value: 29999: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    expect(a.allocate(svc('five', { clusterIP: '10.112.0.1' }))[0].message).toContain(
      'provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
    // The broadcast address is not in the range either.
    expect(a.allocate(svc('six', { clusterIP: '10.111.255.255' }))[0].message).toContain('not in the valid range');
    expect(a.allocate({ ...one, spec: { ...one.spec } })).toEqual([]);
  });

  it('releases on delete and when a type change drops the values', () => {
    const store = new Store();
    const a = new ServiceAllocations(store, defaultServiceNetwork);
    const s = svc('np', { type: 'NodePort', ports: [{ port: 80 }] });
    a.allocate(s);
    const stored = store.put('/services', s, 'ADDED') as Service;
    const port = s.spec.ports![0].nodePort!;
    expect(a.portOwner(port)).toBe('default/np');
    store.put('/services', { ...stored, spec: { ...stored.spec, type: 'ClusterIP', ports: [{ port: 80 }] } }, 'MODIFIED');
    expect(a.portOwner(port)).toBeUndefined();
    expect(a.ipOwner(s.spec.clusterIP!)).toBe('default/np');
    store.remove('/services', 'default', 'np');
    expect(a.ipOwner(s.spec.clusterIP!)).toBeUndefined();
  });

  it('rebuilds from the stored Services at start: no double allocation after a restart', () => {
    const store = new Store();
    const first = new ServiceAllocations(store, defaultServiceNetwork);
    const s = svc('web', { clusterIP: '10.96.0.10', type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    first.allocate(s);
    store.put('/services', s, 'ADDED');
    first.close();
    const restored = new Store();
    restored.load(store.snapshot());
    const again = new ServiceAllocations(restored, defaultServiceNetwork);
    expect(again.ipOwner('10.96.0.10')).toBe('default/web');
    expect(again.portOwner(30080)).toBe('default/web');
    expect(again.allocate(svc('other', { clusterIP: '10.96.0.10' }))[0].message).toContain('provided IP is already allocated');
  });

  it('hands LoadBalancer IPs from the pool, lowest first, and none when it is empty', () => {
    const store = new Store();
    const a = new ServiceAllocations(store, { ...defaultServiceNetwork, loadBalancerPool: '172.30.0.200-172.30.0.200' });
    const one = svc('one', { type: 'LoadBalancer', ports: [{ port: 80 }] });
    a.allocate(one);
    expect(one.status?.loadBalancer?.ingress).toEqual([{ ip: '172.30.0.200', ipMode: 'VIP' }]);
    store.put('/services', one, 'ADDED');
    const two = svc('two', { type: 'LoadBalancer', ports: [{ port: 80 }] });
    a.allocate(two);
    expect(two.status?.loadBalancer).toEqual({});
  });

  it('leaves Services of another load-balancer class, and ingress another controller wrote, alone', () => {
    const store = new Store();
    const a = new ServiceAllocations(store, { ...defaultServiceNetwork, loadBalancerPool: '172.30.0.200-172.30.0.201' });
    const classed = svc('classed', { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb', ports: [{ port: 80 }] });
    a.allocate(classed);
    expect(classed.status).toBeUndefined();
    const written = svc('written', { type: 'LoadBalancer', ports: [{ port: 80 }] });
    written.status = { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } };
    a.allocate(written);
    expect(written.status.loadBalancer?.ingress).toEqual([{ ip: '203.0.113.9' }]);
  });

  it('derives the default LoadBalancer pool from the node subnet: its top quarter', () => {
    expect(defaultLoadBalancerPool('172.30.0.0/24')).toBe('172.30.0.192-172.30.0.254');
    expect(defaultLoadBalancerPool('172.30.4.0/23')).toBe('172.30.5.128-172.30.5.254');
  });
});
