// ingress-nginx's --update-status-on-shutdown (default true; internal/ingress/status/status.go Shutdown): a
// stopping controller clears status.loadBalancer of its Ingresses, so ADDRESS empties once no router serves
// them, unless other controller pods are still there (one of them is, or becomes, the leader and keeps the
// address). Every stopping replica asks, leader or not; the pods counted are those carrying this pod's labels
// minus the per-revision ones, in any phase (a terminating pod counts until it is gone), as
// isRunningMultiplePods does, so two replicas scaled to 0 together both leave the address (as ingress-nginx).
import type { Pod } from '@kubelab/api';
import { resourceInfo as kind, type KubeClient } from '@kubelab/client';

/** Labels a Deployment, DaemonSet or StatefulSet stamps per revision; left out of the peer selector. */
export const REVISION_LABELS = new Set(['pod-template-hash', 'controller-revision-hash', 'pod-template-generation']);

/** The label selector of this controller's pods (ingress-nginx's podLabel set, as `k=v,...`, sorted). */
export function peerSelector(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .filter(([k]) => !REVISION_LABELS.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export interface PodLister {
  get(name: string, namespace: string): Promise<Pod>;
  count(namespace: string, selector: string): Promise<number>;
}

/**
 * isRunningMultiplePods: more than one pod with this controller's labels. An API error answers false (as
 * ingress-nginx: the address is then cleared); without labels (a router outside a pod) there are no peers.
 */
export async function runningMultiplePods(api: PodLister, podName: string, namespace: string): Promise<boolean> {
  try {
    const self = await api.get(podName, namespace);
    const selector = peerSelector(self.metadata.labels);
    if (!selector) return false;
    return (await api.count(namespace, selector)) > 1;
  } catch {
    return false;
  }
}

export function apiPodLister(client: KubeClient): PodLister {
  const pods = kind('pods');
  return {
    get: (name, namespace) => client.get<Pod>(pods, name, namespace),
    count: async (namespace, selector) => (await client.list<Pod>(pods, namespace, { labelSelector: selector })).items.length,
  };
}
