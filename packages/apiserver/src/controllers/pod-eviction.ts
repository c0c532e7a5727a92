// Which pods the node lifecycle controller takes off nodes (pure), as Kubernetes' taint-eviction controller
// does (pkg/controller/tainteviction): a pod on a node with NoExecute taints it does not tolerate goes at
// once; one that tolerates them all goes when the shortest tolerationSeconds among the tolerations used runs
// out, counted from the taint's timeAdded (never, for a toleration without tolerationSeconds). A node that is
// not Ready carries node.kubernetes.io/not-ready or /unreachable:NoExecute (node-taints.ts adds them; until
// then the condition stands for the taint). Pods stored before the DefaultTolerationSeconds admission gave
// every pod its 300 s tolerations get the configured timeout for those two taints instead. Pods bound to a
// node that no longer exists are deleted after that timeout too (PodGC).
import type { Node, Pod, Taint, Toleration } from '@kubelab/api';
import { notReadyTaintKey, unreachableTaintKey } from '../registry/default-tolerations';
import { readinessTaint, tolerates } from '../scheduler/schedule';
import { isPodActive, isPodReady } from './pod-util';

export interface Eviction {
  pod: Pod;
  node: string;
  /** The node object is gone (PodGC's orphan rule) rather than not Ready. */
  orphan?: boolean;
  /** The node is not Ready: its kubelet cannot finish a graceful deletion. */
  unhealthy?: boolean;
}

/** Since when a node has not been Ready, or undefined when it is Ready (or never reported). */
export function notReadySince(node: Node): number | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'True') return undefined;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  return Number.isFinite(since) ? since : undefined;
}

interface TimedTaint extends Taint {
  since: number;
}

/** The node's NoExecute taints, with the readiness one stood in for by the condition until it is written. */
export function noExecuteTaints(node: Node, nowMs: number): TimedTaint[] {
  const out: TimedTaint[] = [];
  for (const t of node.spec?.taints ?? []) {
    if (t.effect !== 'NoExecute') continue;
    const added = Date.parse(t.timeAdded ?? '');
    out.push({ ...t, since: Number.isFinite(added) ? added : nowMs });
  }
  const since = notReadySince(node);
  const readiness = readinessTaint(node);
  if (since !== undefined && readiness && !out.some((t) => t.key === readiness.key))
    out.push({ key: readiness.key, effect: 'NoExecute', since });
  return out;
}

/** When the pod must go because of these taints (ms since the epoch); undefined = never. */
export function evictionDeadline(tolerations: Toleration[] | undefined, taints: TimedTaint[], legacyTimeoutMs: number): number | undefined {
  let deadline: number | undefined;
  const earlier = (t: number) => {
    deadline = deadline === undefined ? t : Math.min(deadline, t);
  };
  for (const taint of taints) {
    const used = (tolerations ?? []).filter((t) => tolerates([t], taint));
    if (!used.length) {
      const readiness = taint.key === notReadyTaintKey || taint.key === unreachableTaintKey;
      earlier(readiness ? taint.since + legacyTimeoutMs : taint.since);
      continue;
    }
    // getMinTolerationTime: the shortest tolerationSeconds among those used; none set = forever.
    const seconds = used.map((t) => t.tolerationSeconds).filter((x): x is number => typeof x === 'number');
    if (seconds.length) earlier(taint.since + Math.max(0, Math.min(...seconds)) * 1000);
  }
  return deadline;
}

export function podsOnUnhealthyNodes(
  nodes: Node[],
  pods: Pod[],
  nowMs: number,
  evictionTimeoutMs: number,
): { notReady: Pod[]; evict: Eviction[] } {
  const taintsByNode = new Map<string, TimedTaint[]>();
  const unhealthy = new Set<string>();
  for (const n of nodes) {
    const taints = noExecuteTaints(n, nowMs);
    if (taints.length) taintsByNode.set(n.metadata.name!, taints);
    if (notReadySince(n) !== undefined) unhealthy.add(n.metadata.name!);
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
    const taints = taintsByNode.get(node);
    const deadline = taints ? evictionDeadline(p.spec.tolerations, taints, evictionTimeoutMs) : undefined;
    if (deadline !== undefined && nowMs >= deadline) out.evict.push({ pod: p, node, unhealthy: unhealthy.has(node) });
    else if (unhealthy.has(node) && isPodReady(p)) out.notReady.push(p);
  }
  return out;
}
