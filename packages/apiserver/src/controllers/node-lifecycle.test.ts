import { describe, expect, it } from 'vitest';
import type { Node } from '@kubelab/api';
import { staleConditions } from './node-lifecycle';

const node = (heartbeat: string, status: 'True' | 'Unknown' = 'True'): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n' },
  spec: {},
  status: { conditions: [{ type: 'Ready', status, lastHeartbeatTime: heartbeat, lastTransitionTime: heartbeat }] },
});

describe('staleConditions', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  it('leaves a node with a fresh heartbeat alone', () => {
    expect(staleConditions(node('2026-01-01T00:00:00Z'), t0 + 30_000, 40_000)).toBeUndefined();
  });
  it('marks a silent node Ready=Unknown with the kubelet message', () => {
    const c = staleConditions(node('2026-01-01T00:00:00Z'), t0 + 41_000, 40_000)!;
    expect(c[0]).toMatchObject({
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    });
  });
  it('does not rewrite a node already Unknown', () => {
    expect(staleConditions(node('2026-01-01T00:00:00Z', 'Unknown'), t0 + 100_000, 40_000)).toBeUndefined();
  });
});
