// The networking.k8s.io/v1 NetworkPolicy strategy: defaults (policyTypes, TCP ports) and validation as
// kube-apiserver's networkpolicy strategy applies them (networkpolicy-validation.ts), plus its CIDR warnings.
import { defaultNetworkPolicy, resources, type KubeObject, type ResourceInfo } from '@kubelab/api';
import { isObject } from './field-errors';
import { unknownTopLevel } from './ignored-fields';
import { networkPolicyWarnings, validateNetworkPolicySpec } from './networkpolicy-validation';
import type { Strategy } from './strategy';

function info(): ResourceInfo {
  const r = resources.find((x) => x.plural === 'networkpolicies' && x.group === 'networking.k8s.io');
  if (!r) throw new Error('resource networkpolicies is not described in @kubelab/api');
  return r;
}

/** The Go struct always serializes spec.podSelector (not omitempty): an absent one is the empty selector. */
function prepare(obj: KubeObject): void {
  if (obj.spec === undefined || obj.spec === null) obj.spec = {};
  if (isObject(obj.spec) && (obj.spec.podSelector === undefined || obj.spec.podSelector === null)) obj.spec.podSelector = {};
  defaultNetworkPolicy(obj);
}

export const networkPolicyStrategy: Strategy = {
  info: info(),
  nameRule: 'dns1123-subdomain',
  prepareForCreate: prepare,
  prepareForUpdate: prepare,
  validate: (obj) => validateNetworkPolicySpec(obj.spec),
  warnings: (obj) => networkPolicyWarnings(obj.spec),
  ignoredFields: (obj) => unknownTopLevel(obj, ['spec']),
};
