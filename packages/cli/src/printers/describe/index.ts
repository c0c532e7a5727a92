// One entry point for describe output: picks the kind's layout. Related objects (events, pods, replica sets)
// are fetched by the command and passed in, so every layout is a pure function of its inputs.
import type {
  ConfigMap,
  Deployment,
  EndpointSlice,
  Event,
  Ingress,
  KubeObject,
  NetworkPolicy,
  Namespace,
  Node,
  Pod,
  ReplicaSet,
  Secret,
  Service,
} from '@kubelab/api';
import { describeIngress } from './ingress';
import { describeNetworkPolicy, type PolicyCounts } from './networkpolicy';
import type { DescribeContext } from './common';
import { describeConfigMap, describeSecret } from './config';
import { describeGeneric, describeNamespace, describeNode } from './node';
import { describePod } from './pod';
import { describeService } from './service';
import { describeDeployment, describeReplicaSet } from './workloads';

export type { DescribeContext } from './common';

export interface Related {
  events?: Event[];
  /** Pods of a ReplicaSet, or on a Node. */
  pods?: Pod[];
  /** ReplicaSets in a Deployment's namespace (the describer picks the ones it owns). */
  replicaSets?: ReplicaSet[];
  /** A Service's EndpointSlices (kubernetes.io/service-name=NAME). */
  endpointSlices?: EndpointSlice[];
  /** A Node's Lease in kube-node-lease (null: looked up, none there). */
  lease?: KubeObject | null;
  /** The Services of an Ingress's namespace (its backends); endpointSlices then holds the namespace's slices. */
  services?: Service[];
  /** A NetworkPolicy's connection counts from the nodes' rule counters (undefined: not read). */
  policyCounts?: PolicyCounts;
}

/** What describe needs fetched besides the object itself. */
export function relatedNeeds(kind: string): {
  events: boolean;
  pods: 'selector' | 'node' | false;
  replicaSets: boolean;
  endpointSlices: boolean;
  services: boolean;
} {
  return {
    endpointSlices: kind === 'Service',
    services: kind === 'Ingress',
    events: kind !== 'Namespace' && kind !== 'Secret' && kind !== 'NetworkPolicy',
    pods: kind === 'ReplicaSet' ? 'selector' : kind === 'Node' ? 'node' : false,
    replicaSets: kind === 'Deployment',
  };
}

export function describeObject(obj: KubeObject, related: Related, ctx: DescribeContext): string {
  switch (obj.kind) {
    case 'Pod':
      return describePod(obj as Pod, related.events, ctx);
    case 'Deployment':
      return describeDeployment(obj as Deployment, related.replicaSets, related.events, ctx);
    case 'ReplicaSet':
      return describeReplicaSet(obj as ReplicaSet, related.pods, related.events, ctx);
    case 'Node':
      return describeNode(obj as Node, related.pods, related.events, ctx, related.lease);
    case 'Namespace':
      return describeNamespace(obj as Namespace);
    case 'ConfigMap':
      return describeConfigMap(obj as ConfigMap, related.events, ctx);
    case 'Secret':
      return describeSecret(obj as Secret);
    case 'Service':
      return describeService(obj as Service, related.endpointSlices, related.events, ctx);
    case 'NetworkPolicy':
      return describeNetworkPolicy(obj as NetworkPolicy, related.policyCounts, ctx);
    case 'Ingress':
      return describeIngress(obj as Ingress, related, related.events, ctx);
    default:
      return describeGeneric(obj, related.events, ctx);
  }
}
