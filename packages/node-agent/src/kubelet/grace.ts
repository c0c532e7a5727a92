// How long a stop waits between SIGTERM and SIGKILL. Always a bounded, non-negative whole number of seconds:
// `docker stop -t -1` waits forever, and a pod with terminationGracePeriodSeconds: -1 once held a sync
// worker per deletion until the node agent could not even shut down (issue 6).
import type { Pod } from '@kubelab/api';

/** kuberuntime's minimumGracePeriodInSeconds: a killed container always gets this long to exit. */
export const minimumGraceSeconds = 2;

/** Docker's stop timeout is an int in seconds; nothing the kubelet asks for comes near this. */
export const maxStopSeconds = 600;

/**
 * The grace period for stopping `pod`'s containers, as the kubelet's killPod takes it: the deletion's
 * (metadata.deletionGracePeriodSeconds, set by a graceful DELETE or an eviction), else the pod's
 * terminationGracePeriodSeconds (default 30), at least the kubelet's minimum. Honoured in full, as in
 * Kubernetes (issue 9: a hidden 3 s cap cut short every drain); bounded only by maxStopSeconds.
 */
export function podGraceSeconds(pod: Pod | undefined): number {
  const asked = pod?.metadata.deletionGracePeriodSeconds ?? pod?.spec.terminationGracePeriodSeconds;
  const seconds = typeof asked === 'number' && Number.isFinite(asked) ? asked : 30;
  return stopTimeoutSeconds(Math.max(seconds, minimumGraceSeconds));
}

/** What is handed to Docker: a whole number from 0 to maxStopSeconds, whatever the caller computed. */
export function stopTimeoutSeconds(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  return Math.min(Math.ceil(seconds), maxStopSeconds);
}
