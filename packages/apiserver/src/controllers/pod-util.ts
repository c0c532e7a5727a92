// Pure helpers about pods shared by the scheduler and the controllers (k8s.io/kubernetes/pkg/api/v1/pod and
// pkg/controller's ActivePods ordering).
import { rfc3339, type KubeObject, type OwnerReference, type Pod, type PodCondition } from '@kubelab/api';

export function getCondition(pod: Pod, type: PodCondition['type']): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/**
 * The conditions with `cond` set. lastTransitionTime moves only when the status flips, as in Kubernetes;
 * `changed` is false when nothing but timestamps would differ, so callers can skip the write.
 */
export function withCondition(
  conditions: PodCondition[] | undefined,
  cond: PodCondition,
  now: Date,
): { conditions: PodCondition[]; changed: boolean } {
  const list = conditions ?? [];
  const prev = list.find((c) => c.type === cond.type);
  const changed = !prev || prev.status !== cond.status || prev.reason !== cond.reason || prev.message !== cond.message;
  if (!changed) return { conditions: list, changed };
  const next: PodCondition = {
    lastProbeTime: null,
    ...cond,
    lastTransitionTime: prev && prev.status === cond.status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
  };
  return { conditions: prev ? list.map((c) => (c.type === cond.type ? next : c)) : [...list, next], changed };
}

export function isPodReady(pod: Pod): boolean {
  return getCondition(pod, 'Ready')?.status === 'True';
}

/** Ready for at least minReadySeconds (podutil.IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const ready = getCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** Milliseconds until a ready pod becomes available, or undefined when that is not pending. */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, nowMs: number): number | undefined {
  const ready = getCondition(pod, 'Ready');
  if (ready?.status !== 'True' || !minReadySeconds) return undefined;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  const at = (Number.isFinite(since) ? since : nowMs) + minReadySeconds * 1000;
  return at > nowMs ? at - nowMs : undefined;
}

/** Pods a controller counts: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => Math.max(n, c.restartCount ?? 0), 0);
}

/**
 * Order in which a ReplicaSet gives up pods when scaling down (controller.ActivePods): unscheduled before
 * scheduled, pending before running, not ready before ready, recently ready before long ready, more
 * restarts before fewer, newer before older. Cheap pods go first; the service keeps its settled ones.
 */
export function deletionOrder(a: Pod, b: Pod): number {
  const assigned = Number(!!a.spec?.nodeName) - Number(!!b.spec?.nodeName);
  if (assigned) return assigned;
  const phase = (phaseRank[a.status?.phase ?? 'Pending'] ?? 0) - (phaseRank[b.status?.phase ?? 'Pending'] ?? 0);
  if (phase) return phase;
  const ready = Number(isPodReady(a)) - Number(isPodReady(b));
  if (ready) return ready;
  if (isPodReady(a) && isPodReady(b)) {
    const since = (p: Pod): string => getCondition(p, 'Ready')?.lastTransitionTime ?? '';
    if (since(a) !== since(b)) return since(a) > since(b) ? -1 : 1;
  }
  const r = restarts(b) - restarts(a);
  if (r) return r;
  const ca = a.metadata.creationTimestamp ?? '';
  const cb = b.metadata.creationTimestamp ?? '';
  if (ca !== cb) return ca > cb ? -1 : 1;
  // Same second: the later resourceVersion is the newer pod.
  return Number(b.metadata.resourceVersion ?? 0) - Number(a.metadata.resourceVersion ?? 0);
}

/**
 * Whether a change to a pod can concern a controller (the informer handlers of kube-controller-manager
 * enqueue a pod's controller, or for an orphan the controllers that may adopt it): not when the pod's
 * controller is gone, as for every pod the garbage collector deletes after its ReplicaSet.
 */
export function podChangeConcernsController(pod: KubeObject, ownerExists: (uid: string) => boolean): boolean {
  const ref = controllerOf(pod);
  return !ref || ownerExists(ref.uid);
}

/**
 * What of a pod a ReplicaSet looks at (selector match, ownership, activity, readiness and availability):
 * a change elsewhere (the scheduler's PodScheduled=False on thousands of Pending pods) is not worth a sync.
 */
export function podControllerView(pod: KubeObject): string {
  const p = pod as Pod;
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  return JSON.stringify([
    p.metadata.labels,
    p.metadata.ownerReferences,
    p.metadata.deletionTimestamp,
    p.status?.phase,
    ready?.status,
    ready?.lastTransitionTime,
  ]);
}
