// Events for kubelab's built-in load-balancer pool (the allocation itself happens in the API server, see
// services/service-allocations.ts), worded as MetalLB's controller words them, so `describe svc` tells a
// learner why EXTERNAL-IP is an address or stays <pending>.
import type { Service } from '@kubelab/api';
import type { StoredEvent } from '../storage/store';
import type { EventRecorder } from './events';

const component = 'loadbalancer-controller';

const ingressIPs = (s: Service | undefined): string[] => (s?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean);

/** What to report for a change of a Service, if anything (pure). */
export function loadBalancerEvent(
  now: Service | undefined,
  before: Service | undefined,
): { type: 'Normal' | 'Warning'; reason: string; message: string } | undefined {
  if (now?.spec?.type !== 'LoadBalancer' || now.spec.loadBalancerClass) return undefined;
  const ips = ingressIPs(now);
  const was = before?.spec?.type === 'LoadBalancer' ? ingressIPs(before) : undefined;
  if (ips.length) {
    if (was && JSON.stringify(was) === JSON.stringify(ips)) return undefined;
    return { type: 'Normal', reason: 'IPAllocated', message: `Assigned IP ${JSON.stringify(ips)}` };
  }
  // Pending: said once, when the Service became a LoadBalancer (or lost its address), not on every write.
  if (was && !was.length) return undefined;
  return {
    type: 'Warning',
    reason: 'AllocationFailed',
    message: `Failed to allocate IP for "${now.metadata.namespace}/${now.metadata.name}": no available IPs`,
  };
}

/** Records loadBalancerEvent for each Service change, after the write that caused it. */
export function loadBalancerEventsHandler(recorder: EventRecorder): (e: StoredEvent) => void {
  return (e) => {
    if (e.resource !== '/services' || e.type === 'DELETED') return;
    const ev = loadBalancerEvent(e.object as Service, e.previous as Service | undefined);
    if (!ev) return;
    const svc = e.object;
    setImmediate(() => recorder.record(svc, ev.type, ev.reason, ev.message, component));
  };
}
