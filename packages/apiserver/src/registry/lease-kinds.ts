// coordination.k8s.io/v1 Leases: node heartbeats in kube-node-lease (one per node, named after it, owned by
// the Node), as the kubelet's node lease controller keeps them; any other Lease (leader election) is served too.
import { field, qualifiedName, resources, type FieldError, type KubeObject, type ResourceInfo } from '@kubelab/api';
import type { Strategy } from './strategy';

function info(): ResourceInfo {
  const r = resources.find((x) => x.plural === 'leases' && x.group === 'coordination.k8s.io');
  if (!r) throw new Error('resource leases is not described in @kubelab/api');
  return r;
}

interface LeaseSpec {
  holderIdentity?: unknown;
  leaseDurationSeconds?: unknown;
  leaseTransitions?: unknown;
  acquireTime?: unknown;
  renewTime?: unknown;
  strategy?: unknown;
  preferredHolder?: unknown;
}

/** coordination.k8s.io's known CoordinatedLeaseStrategy values (validLeaseStrategies). */
const validLeaseStrategies = ['OldestEmulationVersion'];

/** ValidateCoordinatedLeaseStrategy: a Kubernetes strategy by name, or any qualified name with a prefix. */
export function validateCoordinatedLeaseStrategy(strategy: string, path: string): FieldError[] {
  if (!strategy.includes('/'))
    return validLeaseStrategies.includes(strategy) ? [] : [field.notSupported(path, strategy, validLeaseStrategies)];
  return qualifiedName(strategy).map((m) => field.invalid(path, strategy, m));
}

/** ValidateLeaseSpec: durations and transitions are non-negative (durations positive), times parse. */
export function validateLeaseSpec(spec: LeaseSpec | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (spec === undefined || spec === null) return errs;
  const d = spec.leaseDurationSeconds;
  if (d !== undefined && d !== null && (!Number.isInteger(d) || (d as number) <= 0)) {
    errs.push(field.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  }
  const t = spec.leaseTransitions;
  if (t !== undefined && t !== null && (!Number.isInteger(t) || (t as number) < 0)) {
    errs.push(field.invalid('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
  }
  if (typeof spec.strategy === 'string') errs.push(...validateCoordinatedLeaseStrategy(spec.strategy, 'spec.strategy'));
  if (typeof spec.preferredHolder === 'string' && spec.preferredHolder !== '' && !spec.strategy)
    errs.push(field.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  for (const k of ['acquireTime', 'renewTime'] as const) {
    const v = spec[k];
    if (v !== undefined && v !== null && (typeof v !== 'string' || Number.isNaN(Date.parse(v)))) {
      errs.push(field.invalid(`spec.${k}`, v, 'must be an RFC 3339 time with microseconds'));
    }
  }
  return errs;
}

export const leaseStrategy: Strategy = {
  info: info(),
  nameRule: 'dns1123-subdomain',
  validate: (obj: KubeObject) => validateLeaseSpec(obj.spec as LeaseSpec | undefined),
};
