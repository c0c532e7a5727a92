// The DefaultTolerationSeconds admission plugin (plugin/pkg/admission/defaulttolerationseconds): every pod
// that does not already tolerate them gets NoExecute tolerations of node.kubernetes.io/not-ready and
// node.kubernetes.io/unreachable for 300 s (kube-apiserver's --default-not-ready-toleration-seconds and
// --default-unreachable-toleration-seconds), so the taint manager moves its pods that long after their node
// fails. kubelab's KUBELAB_POD_EVICTION_TIMEOUT_MS sets both (rounded up to whole seconds).
import type { Toleration } from '@kubelab/api';

export const notReadyTaintKey = 'node.kubernetes.io/not-ready';
export const unreachableTaintKey = 'node.kubernetes.io/unreachable';

let defaultSeconds = 300;

export function setDefaultTolerationSeconds(seconds: number): void {
  defaultSeconds = Math.max(0, Math.ceil(seconds));
}

export function defaultTolerationSeconds(): number {
  return defaultSeconds;
}

/** Adds the two default tolerations to a pod spec that lacks them (a toleration with no key covers both). */
export function addDefaultTolerations(spec: unknown): void {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return;
  const s = spec as { tolerations?: unknown };
  if (s.tolerations !== undefined && !Array.isArray(s.tolerations)) return; // validation names it
  const tolerations = (s.tolerations ?? []) as Toleration[];
  const covers = (key: string) =>
    tolerations.some((t) => t && typeof t === 'object' && (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
  const added: Toleration[] = [];
  for (const key of [notReadyTaintKey, unreachableTaintKey])
    if (!covers(key)) added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: defaultSeconds });
  if (added.length) s.tolerations = [...tolerations, ...added];
}
