// networking.k8s.io/v1 NetworkPolicy, with Kubernetes' field names (k8s.io/api networking/v1 types.go), and
// the rules every reader shares: defaulting (pkg/apis/networking/v1 defaults.go) and which directions a
// policy isolates. The API server, the node agents' renderer and the CLI's printers all read these.
import type { LabelSelector } from './selectors';
import type { KubeObject } from './types';

export type PolicyType = 'Ingress' | 'Egress';
export type PolicyProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface NetworkPolicyPort {
  protocol?: PolicyProtocol;
  /** A number or an IANA_SVC_NAME (a named container port); absent: every port of the protocol. */
  port?: number | string;
  endPort?: number;
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyIngressRule {
  ports?: NetworkPolicyPort[];
  from?: NetworkPolicyPeer[];
}

export interface NetworkPolicyEgressRule {
  ports?: NetworkPolicyPort[];
  to?: NetworkPolicyPeer[];
}

export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
  policyTypes?: PolicyType[];
}

export interface NetworkPolicy extends KubeObject {
  spec: NetworkPolicySpec;
}

/** The label every Namespace carries with its own name (NamespaceDefaultLabelName). */
export const namespaceNameLabel = 'kubernetes.io/metadata.name';

/**
 * SetDefaults_NetworkPolicy / SetDefaults_NetworkPolicyPort: ports default to TCP; without policyTypes a
 * policy is an Ingress policy, and an Egress one too when it has egress rules.
 */
export function defaultNetworkPolicy(obj: KubeObject): void {
  const spec = obj.spec as Partial<NetworkPolicySpec> | undefined;
  if (!spec || typeof spec !== 'object') return;
  for (const list of [spec.ingress, spec.egress])
    for (const rule of Array.isArray(list) ? list : [])
      for (const p of Array.isArray(rule?.ports) ? rule.ports : []) if (p && typeof p === 'object' && !p.protocol) p.protocol = 'TCP';
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

/** The directions a (defaulted) policy isolates the pods it selects in. */
export function policyDirections(np: NetworkPolicy): { ingress: boolean; egress: boolean } {
  const types = np.spec.policyTypes?.length
    ? np.spec.policyTypes
    : np.spec.egress?.length
      ? (['Ingress', 'Egress'] as PolicyType[])
      : (['Ingress'] as PolicyType[]);
  return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
}
