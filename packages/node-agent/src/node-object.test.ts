import { describe, expect, it } from 'vitest';
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
