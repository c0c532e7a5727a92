// One reading of everything the cluster map shows: the API objects (one list each) and the nodes' flows.
// `kubelab graph` prints it; `kubelab ui` keeps the objects current with informers instead (ui/live-graph.ts).
import type Docker from 'dockerode';
import { type EndpointSlice, type Ingress, type NetworkPolicy, type Node, type Pod, resolveResource, type Service } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { flowNames, nodeRefs, podFlows, readFlows } from '../flows/collect';
import type { GraphInput } from './build';

/** The kinds the map draws, by plural (the informers of `kubelab ui` watch the same). */
export const GRAPH_RESOURCES = ['nodes', 'pods', 'services', 'endpointslices', 'ingresses', 'networkpolicies'] as const;

export async function graphSnapshot(client: KubeClient, docker: Docker, cluster: string, nodeSubnet?: string): Promise<GraphInput> {
  const [nodes, pods, services, endpointSlices, ingresses, networkPolicies] = await Promise.all(
    GRAPH_RESOURCES.map(async (r) => (await client.list(resolveResource(r)!, undefined)).items),
  );
  const { names, nodeOfPod } = flowNames(pods as Pod[], services as Service[]);
  const refs = await nodeRefs(docker, cluster, nodes as Node[]);
  const flows = podFlows(await readFlows(docker, refs.nodes, names), { nodeAddresses: refs.addresses, nodeOfPod });
  return {
    cluster,
    nodeSubnet,
    nodes: nodes as Node[],
    pods: pods as Pod[],
    services: services as Service[],
    endpointSlices: endpointSlices as EndpointSlice[],
    ingresses: ingresses as Ingress[],
    networkPolicies: networkPolicies as NetworkPolicy[],
    flows,
  };
}
