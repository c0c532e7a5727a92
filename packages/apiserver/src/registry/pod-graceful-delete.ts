// Graceful deletion of pods, as kube-apiserver's pod strategy decides it (pkg/registry/core/pod/strategy.go
// CheckGracefulDelete, k8s.io/apiserver rest.BeforeDelete): the grace period is DeleteOptions'
// gracePeriodSeconds, else the pod's terminationGracePeriodSeconds, else 30; a pod never scheduled, or one
// that already finished, goes at once. A positive period marks the pod (deletionTimestamp = now + period,
// deletionGracePeriodSeconds) and leaves it to its kubelet, which stops the containers within that period
// and then deletes the object with grace 0 and the pod's uid as precondition. Pure.
import type { KubeObject, Pod } from '@kubelab/api';
import type { DeleteOptions } from './delete-options';

export const defaultTerminationGracePeriodSeconds = 30;

/** The grace period this delete asks for; 0 means remove the object now. */
export function podDeleteGraceSeconds(obj: KubeObject, opts: DeleteOptions): number {
  const pod = obj as Pod;
  let grace = opts.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? defaultTerminationGracePeriodSeconds;
  if (!Number.isFinite(grace)) grace = defaultTerminationGracePeriodSeconds;
  if (grace < 0) grace = 1;
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  return Math.floor(grace);
}

export type GracefulDecision =
  /** Remove the object now. */
  | { kind: 'delete' }
  /** Already terminating with a period this delete does not shorten: answer with the object as it is. */
  | { kind: 'unchanged' }
  /** Mark (or re-mark with a shorter period) the object. */
  | { kind: 'mark'; deletionTimestamp: string; deletionGracePeriodSeconds: number };

/**
 * What a delete does with a pod, given its current deletion marks: a second delete may only shorten the
 * period (rest.BeforeDelete's "only a shorter grace period may be set").
 */
export function gracefulDecision(obj: KubeObject, opts: DeleteOptions, nowMs: number): GracefulDecision {
  const grace = podDeleteGraceSeconds(obj, opts);
  if (grace === 0) return { kind: 'delete' };
  const m = obj.metadata;
  if (m.deletionTimestamp) {
    const current = m.deletionGracePeriodSeconds ?? 0;
    if (current <= grace) return { kind: 'unchanged' };
  }
  const at = new Date(nowMs + grace * 1000);
  at.setMilliseconds(0);
  return { kind: 'mark', deletionTimestamp: at.toISOString().replace('.000Z', 'Z'), deletionGracePeriodSeconds: grace };
}
