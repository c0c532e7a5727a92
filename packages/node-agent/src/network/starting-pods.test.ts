// The IPs of starting pods: used until the status shows them, dropped for a new pod of the same name, and
// forgotten when the informer never sees the pod (deleted before its status was written).
import { describe, expect, it } from 'vitest';
import type { Pod } from '@kubelab/api';
import { StartingPods } from './starting-pods';

const pod = (uid: string, podIP?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'x', uid },
  spec: { containers: [] },
  status: podIP ? { podIP } : {},
});

describe('StartingPods', () => {
  it('lends the sandbox IP until the status carries it', () => {
    const s = new StartingPods();
    expect(s.add(pod('u1'), '10.244.1.9')).toBeUndefined();
    expect(s.merge([pod('u1')]).localIPs.get('x/web')).toBe('10.244.1.9');
    expect(s.merge([pod('u1', '10.244.1.9')]).localIPs.size).toBe(0);
    expect(s.merge([pod('u1')]).localIPs.size).toBe(0);
  });

  it('adds a pod the informer has not seen yet, and forgets it after a minute unseen', () => {
    let now = 0;
    const s = new StartingPods(() => now);
    s.add(pod('u1'), '10.244.1.9');
    const first = s.merge([]);
    expect(first.pods.map((p) => p.metadata.uid)).toEqual(['u1']);
    now = 61_000;
    expect(s.merge([]).pods).toEqual([]);
  });

  it('drops the entry when a new pod of the same name shows up', () => {
    const s = new StartingPods();
    s.add(pod('u1'), '10.244.1.9');
    expect(s.merge([pod('u2')]).localIPs.size).toBe(0);
  });
});
