// The networking.k8s.io/v1 NetworkPolicy strategy: defaults (policyTypes, TCP ports) and validation as
// kube-apiserver's networkpolicy strategy applies them (networkpolicy-validation.ts), plus its CIDR warnings.
import { defaultNetworkPolicy, resources, type KubeObject, type ResourceInfo } from '@kubelab/api';
import { registerProtobufKinds } from '../rest/protobuf/kube-protobuf';
import { isObject } from './field-errors';
import { unknownTopLevel } from './ignored-fields';
import { networkPolicyWarnings, validateNetworkPolicySpec } from './networkpolicy-validation';
import type { Strategy } from './strategy';

// Field numbers from k8s.io/api networking/v1 generated.proto: kubectl's typed clients may send protobuf, and
// /openapi/v3 (kubectl explain, apply's server-side validation check) is built from the same table.
registerProtobufKinds(
  { 'networking.k8s.io/v1/NetworkPolicy': 'networking.NetworkPolicy' },
  {
    'networking.NetworkPolicy': 'metadata:1:meta.ObjectMeta spec:2:networking.NetworkPolicySpec',
    'networking.NetworkPolicySpec':
      'podSelector:1:meta.LabelSelector ingress:2:networking.NetworkPolicyIngressRule:repeated egress:3:networking.NetworkPolicyEgressRule:repeated policyTypes:4:string:repeated',
    'networking.NetworkPolicyIngressRule': 'ports:1:networking.NetworkPolicyPort:repeated from:2:networking.NetworkPolicyPeer:repeated',
    'networking.NetworkPolicyEgressRule': 'ports:1:networking.NetworkPolicyPort:repeated to:2:networking.NetworkPolicyPeer:repeated',
    'networking.NetworkPolicyPeer':
      'podSelector:1:meta.LabelSelector:ptr namespaceSelector:2:meta.LabelSelector:ptr ipBlock:3:networking.IPBlock:ptr',
    'networking.NetworkPolicyPort': 'protocol:1:string:ptr port:2:intstr.IntOrString:ptr endPort:3:int32:ptr',
    'networking.IPBlock': 'cidr:1:string except:2:string:repeated',
  },
);

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
