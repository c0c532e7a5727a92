import { describe, expect, it } from 'vitest';
import { maxPodsFromEnv } from './identity';
import { nodeObject, readyConditions, type NodeIdentity } from './node-object';

const id: NodeIdentity = {
  name: 'lab-control-plane',
  ip: '172.30.0.2',
  podCIDR: '10.244.0.0/24',
  role: 'control-plane',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  kernelVersion: '6.1.0',
  containerRuntimeVersion: 'docker://20.10.24',
  architecture: 'amd64',
  cpus: 2,
  memoryKi: 1024,
};

describe('nodeObject', () => {
  it('registers the control plane with its role label, taint, pod CIDR and addresses', () => {
    const n = nodeObject(id, new Date('2026-01-01T00:00:00Z'));
    expect(n.metadata.labels).toMatchObject({ 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'lab-control-plane' });
    expect(n.spec).toEqual({
      podCIDR: '10.244.0.0/24',
      podCIDRs: ['10.244.0.0/24'],
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    });
    expect(n.status?.addresses).toEqual([
      { type: 'InternalIP', address: '172.30.0.2' },
      { type: 'Hostname', address: 'lab-control-plane' },
    ]);
    expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
  it('reports max-pods as capacity and allocatable pods (110 unless configured)', () => {
    expect(nodeObject(id, new Date()).status?.allocatable?.pods).toBe('110');
    const small = nodeObject({ ...id, maxPods: 5 }, new Date());
    expect(small.status?.capacity?.pods).toBe('5');
    expect(small.status?.allocatable?.pods).toBe('5');
    expect(maxPodsFromEnv({ KUBELAB_MAX_PODS: '5' })).toBe(5);
    expect(maxPodsFromEnv({})).toBe(110);
    expect(() => maxPodsFromEnv({ KUBELAB_MAX_PODS: '0' })).toThrow('KUBELAB_MAX_PODS');
  });
  it('workers carry no role label and no taint', () => {
    const n = nodeObject({ ...id, name: 'lab-worker', role: 'worker' }, new Date());
    expect(Object.keys(n.metadata.labels ?? {}).some((k) => k.startsWith('node-role'))).toBe(false);
    expect(n.spec.taints).toBeUndefined();
  });
});

describe('readyConditions', () => {
  it('moves the heartbeat but keeps lastTransitionTime while the status holds', () => {
    const first = readyConditions(new Date('2026-01-01T00:00:00Z'));
    const next = readyConditions(new Date('2026-01-01T00:00:10Z'), first);
    const ready = next.find((c) => c.type === 'Ready')!;
    expect(ready.lastHeartbeatTime).toBe('2026-01-01T00:00:10Z');
    expect(ready.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });
});
