import { describe, expect, it } from 'vitest';
import { describeVerdict, judgeNodes } from './readiness';

const node = (name: string, ready?: string, reason?: string) => ({
  metadata: { name },
  status: {
    conditions: ready
      ? [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: ready, reason },
        ]
      : [],
  },
});

describe('judgeNodes', () => {
  it('is satisfied when every expected node is Ready', () => {
    expect(judgeNodes({ items: [node('a', 'True'), node('b', 'True'), node('extra')] }, ['a', 'b'])).toEqual({ missing: [], notReady: [] });
  });

  it('lists missing and not-ready nodes', () => {
    const v = judgeNodes({ items: [node('a', 'False', 'KubeletNotReady'), node('b')] }, ['a', 'b', 'c']);
    expect(v).toEqual({ missing: ['c'], notReady: ['a (Ready=False, KubeletNotReady)', 'b (no Ready condition)'] });
    expect(describeVerdict(v)).toBe('not registered: c; not Ready: a (Ready=False, KubeletNotReady), b (no Ready condition)');
  });

  it('wants a heartbeat since the repair from repaired nodes (a stopped node keeps its old Ready=True for a while)', () => {
    const beat = (name: string, at: string) => ({
      metadata: { name },
      status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: at }] },
    });
    const list = { items: [beat('a', '2026-01-01T00:00:05Z'), beat('b', '2026-01-01T00:00:09Z')] };
    const fresh = { nodes: ['b'], sinceMs: Date.parse('2026-01-01T00:00:09.700Z') };
    expect(judgeNodes(list, ['a', 'b'], fresh)).toEqual({ missing: [], notReady: [] });
    expect(judgeNodes(list, ['a', 'b'], { nodes: ['a', 'b'], sinceMs: fresh.sinceMs })).toEqual({
      missing: [],
      notReady: ['a (no heartbeat since 2026-01-01T00:00:09.700Z)'],
    });
  });

  it('survives junk bodies', () => {
    expect(judgeNodes('<html>', ['a']).missing).toEqual(['a']);
    expect(judgeNodes(null, ['a']).missing).toEqual(['a']);
  });
});
