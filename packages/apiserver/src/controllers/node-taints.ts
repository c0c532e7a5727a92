// The taints kube-controller-manager's node lifecycle controller keeps on a node (pure): while its Ready
// condition is False, node.kubernetes.io/not-ready; while Unknown (the kubelet stopped posting),
// node.kubernetes.io/unreachable; each as NoSchedule (TaintNodesByCondition) and NoExecute (what the taint
// eviction controller acts on); and node.kubernetes.io/unschedulable:NoSchedule while the node is cordoned.
// Taints already there keep their timeAdded; other taints are left alone.
import { rfc3339, type Node, type Taint } from '@kubelab/api';
import { notReadyTaintKey, unreachableTaintKey } from '../registry/default-tolerations';

export const unschedulableTaintKey = 'node.kubernetes.io/unschedulable';

const managed = (t: Taint) =>
  ((t.key === notReadyTaintKey || t.key === unreachableTaintKey) && (t.effect === 'NoSchedule' || t.effect === 'NoExecute')) ||
  (t.key === unschedulableTaintKey && t.effect === 'NoSchedule');

/** The node's taints as the controller wants them, or undefined when they are right already. */
export function desiredTaints(node: Node, nowMs: number): Taint[] | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const want: Taint[] = [];
  const readinessKey = ready === 'False' ? notReadyTaintKey : ready === 'Unknown' ? unreachableTaintKey : undefined;
  if (readinessKey) want.push({ key: readinessKey, effect: 'NoSchedule' }, { key: readinessKey, effect: 'NoExecute' });
  if (node.spec?.unschedulable) want.push({ key: unschedulableTaintKey, effect: 'NoSchedule' });
  const current = Array.isArray(node.spec?.taints) ? node.spec.taints : [];
  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  const kept = current.filter((t) => !managed(t) || want.some((w) => same(w, t)));
  const added = want.filter((w) => !kept.some((t) => same(w, t))).map((w) => ({ ...w, timeAdded: rfc3339(new Date(nowMs)) }));
  if (!added.length && kept.length === current.length) return undefined;
  return [...kept, ...added];
}
