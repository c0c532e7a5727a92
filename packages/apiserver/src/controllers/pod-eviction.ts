// Which pods the node lifecycle controller takes off unhealthy nodes (pure). Kubernetes taints a node that
// is not Ready with node.kubernetes.io/not-ready or /unreachable:NoExecute and the taint-eviction
// controller deletes its pods once their toleration runs out (300 s by default, added to every pod by the
// DefaultTolerationSeconds admission plugin); kubelab applies one configurable timeout to pods without
// such a toleration, and honours the ones that have it.
import type { Node, Pod, Toleration } from '@kubelab/api';
import { readinessTaint } from '../scheduler/schedule';
import { isPodActive, isPodReady } from './pod-util';

export interface Eviction {
  pod: Pod;
  node: string;
  /** The node object is gone (PodGC's orphan rule) rather than not Ready. */
  orphan?: boolean;
}

/** Seconds a pod tolerates the NoExecute form of the node's readiness taint; undefined = forever. */
function toleratedMs(tolerations: Toleration[] | undefined, key: string, defaultMs: number): number | undefined {
  const t = (tolerations ?? []).find(
    (x) =>
      (!x.effect || x.effect === 'NoExecute') && (x.key ? x.key === key : x.operator === 'Exists') && (x.operator === 'Exists' || !x.value),
  );
  if (!t) return defaultMs;
  return t.tolerationSeconds === undefined || t.tolerationSeconds === null ? undefined : Math.max(0, t.tolerationSeconds) * 1000;
}

/** Since when a node has not been Ready, or undefined when it is Ready (or never reported). */
export function notReadySince(node: Node): number | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'True') return undefined;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  return Number.isFinite(since) ? since : undefined;
}

export function podsOnUnhealthyNodes(
  nodes: Node[],
  pods: Pod[],
  nowMs: number,
  evictionTimeoutMs: number,
): { notReady: Pod[]; evict: Eviction[] } {
  const unhealthy = new Map<string, { since: number; key: string }>();
  for (const n of nodes) {
    const since = notReadySince(n);
    if (since !== undefined) unhealthy.set(n.metadata.name!, { since, key: readinessTaint(n)!.key });
  }
  const known = new Set(nodes.map((n) => n.metadata.name));
  const out = { notReady: [] as Pod[], evict: [] as Eviction[] };
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (!node || !isPodActive(p)) continue;
    if (!known.has(node)) {
      // Pods may be bound before their node registers; only long-orphaned ones go.
      const created = Date.parse(p.metadata.creationTimestamp ?? '');
      if (Number.isFinite(created) && nowMs - created >= evictionTimeoutMs) out.evict.push({ pod: p, node, orphan: true });
      continue;
    }
    const state = unhealthy.get(node);
    if (!state) continue;
    const limit = toleratedMs(p.spec.tolerations, state.key, evictionTimeoutMs);
    if (limit !== undefined && nowMs - state.since >= limit) out.evict.push({ pod: p, node });
    else if (isPodReady(p)) out.notReady.push(p);
  }
  return out;
}
