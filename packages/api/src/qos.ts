// The pod's QoS class, as kubernetes pkg/apis/core/helper/qos GetPodQOS computes it: only cpu and memory
// count, zero quantities count as unset, requests and limits are summed over all containers (init included),
// and Guaranteed needs a cpu and a memory limit on every container with requests equal to limits.
import { parseQuantity } from './quantity';
import type { Container } from './workloads';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const computeResources = ['cpu', 'memory'];

interface PodSpecLike {
  containers?: Container[];
  initContainers?: Container[];
}

export function qosClass(spec: PodSpecLike | undefined): QosClass {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    const lim = c?.resources?.limits ?? {};
    // The API server defaults a missing request to its limit before anything reads the class.
    const req = { ...lim, ...(c?.resources?.requests ?? {}) };
    for (const name of computeResources) {
      const r = parseQuantity(req[name]) ?? 0;
      if (r > 0) requests.set(name, (requests.get(name) ?? 0) + r);
    }
    const found = computeResources.filter((name) => (parseQuantity(lim[name]) ?? 0) > 0);
    for (const name of found) limits.set(name, (limits.get(name) ?? 0) + parseQuantity(lim[name])!);
    if (found.length < computeResources.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) for (const [name, r] of requests) if (limits.get(name) !== r) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
