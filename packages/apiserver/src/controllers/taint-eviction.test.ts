// Taints the node lifecycle controller keeps, the DefaultTolerationSeconds admission, and which pods the
// taint-eviction controller deletes when (tables of cases, as Kubernetes' own tests have them).
import { describe, expect, it } from 'vitest';
import type { Node, Pod, Toleration } from '@kubelab/api';
import { addDefaultTolerations, setDefaultTolerationSeconds } from '../registry/default-tolerations';
import { desiredTaints } from './node-taints';
import { evictionDeadline, noExecuteTaints, podsOnUnhealthyNodes } from './pod-eviction';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

function node(ready: 'True' | 'False' | 'Unknown', extra: Partial<Node['spec']> = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    spec: { ...extra },
    status: { conditions: [{ type: 'Ready', status: ready, lastTransitionTime: iso(t0) }] },
  } as Node;
}

function pod(name: string, tolerations?: Toleration[]): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', creationTimestamp: iso(t0 - 60_000) },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }], tolerations },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  } as Pod;
}

describe('node taints', () => {
  it('adds unreachable NoSchedule and NoExecute with timeAdded when Ready is Unknown', () => {
    expect(desiredTaints(node('Unknown'), t0 + 1000)).toEqual([
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: iso(t0 + 1000) },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(t0 + 1000) },
    ]);
  });

  it('swaps unreachable for not-ready when Ready turns False, keeps other taints, removes them when Ready', () => {
    const other = { key: 'team', value: 'a', effect: 'NoSchedule' as const };
    const tainted = node('False', {
      taints: [other, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(t0) }],
    });
    expect(desiredTaints(tainted, t0 + 5000)?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'team:NoSchedule',
      'node.kubernetes.io/not-ready:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute',
    ]);
    expect(desiredTaints({ ...tainted, status: node('True').status }, t0)).toEqual([other]);
    expect(desiredTaints(node('True', { taints: [other] }), t0)).toBeUndefined();
  });

  it('taints a cordoned node unschedulable:NoSchedule, once', () => {
    const cordoned = node('True', { unschedulable: true });
    const taints = desiredTaints(cordoned, t0)!;
    expect(taints).toEqual([{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: iso(t0) }]);
    expect(desiredTaints(node('True', { unschedulable: true, taints }), t0 + 9000)).toBeUndefined();
  });
});

describe('DefaultTolerationSeconds admission', () => {
  it('adds 300 s NoExecute tolerations for not-ready and unreachable', () => {
    setDefaultTolerationSeconds(300);
    const spec: { tolerations?: Toleration[] } = {};
    addDefaultTolerations(spec);
    expect(spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });

  it.each([
    [
      'its own not-ready toleration',
      [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }],
      1,
    ],
    ['a keyless Exists toleration of every effect', [{ operator: 'Exists' }], 0],
    ['a NoSchedule toleration only', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }], 2],
  ] as [string, Toleration[], number][])('keeps %s and adds what is missing', (_name, tolerations, added) => {
    const spec = { tolerations: [...tolerations] };
    addDefaultTolerations(spec);
    expect(spec.tolerations.length - tolerations.length).toBe(added);
  });

  it('follows KUBELAB_POD_EVICTION_TIMEOUT_MS, rounded up to seconds', () => {
    setDefaultTolerationSeconds(2.5);
    const spec: { tolerations?: Toleration[] } = {};
    addDefaultTolerations(spec);
    expect(spec.tolerations?.[0].tolerationSeconds).toBe(3);
    setDefaultTolerationSeconds(300);
  });
});

describe('taint eviction', () => {
  const unreachable = node('Unknown', {
    taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(t0 + 2000) }],
  });
  const tol = (seconds?: number): Toleration[] => [
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds },
  ];

  it('counts tolerationSeconds from the taint timeAdded; no tolerationSeconds is forever', () => {
    const taints = noExecuteTaints(unreachable, t0);
    expect(evictionDeadline(tol(5), taints, 60_000)).toBe(t0 + 7000);
    expect(evictionDeadline(tol(undefined), taints, 60_000)).toBeUndefined();
    expect(evictionDeadline(tol(-3), taints, 60_000)).toBe(t0 + 2000);
  });

  it('evicts an untolerated NoExecute taint at once, a pod stored without tolerations after the timeout', () => {
    const custom = node('True', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute', timeAdded: iso(t0) }] });
    const plan = podsOnUnhealthyNodes([custom], [pod('a'), pod('b', [{ key: 'dedicated', operator: 'Exists' }])], t0 + 10, 60_000);
    expect(plan.evict.map((e) => [e.pod.metadata.name, e.unhealthy])).toEqual([['a', false]]);
    // Before its taint is written, a NotReady node's condition stands for it.
    const early = podsOnUnhealthyNodes([node('Unknown')], [pod('legacy')], t0 + 59_000, 60_000);
    expect(early.evict).toEqual([]);
    expect(early.notReady.map((p) => p.metadata.name)).toEqual(['legacy']);
    expect(podsOnUnhealthyNodes([node('Unknown')], [pod('legacy')], t0 + 60_000, 60_000).evict).toHaveLength(1);
  });

  it('moves a 5 s pod before a default (300 s) one', () => {
    const pods = [pod('fast', tol(5)), pod('default', tol(300))];
    expect(podsOnUnhealthyNodes([unreachable], pods, t0 + 7000, 60_000).evict.map((e) => e.pod.metadata.name)).toEqual(['fast']);
    expect(podsOnUnhealthyNodes([unreachable], pods, t0 + 302_000, 60_000).evict).toHaveLength(2);
  });
});
