// Where flows come from (shared by `kubelab flows`, `graph`, `ui` and `record`): each node's conntrack table
// and drop log, read through Docker exec in the node container, named with the pods and Services of the
// moment. One listing is a snapshot: forwarded connections still in conntrack, drops from the log's tail.
import type Docker from 'dockerode';
import { type Node, type Pod, resolveResource, type Service } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { execIn, nodeContainer } from '../inspect/node-docker';
import { type Flow, type FlowFilter, flowOfConntrack, flowOfDrop, keep, type Names } from './flows';

export const DROP_LOG = '/var/log/kubelab/netpol-drops.jsonl';

export interface NodeRef {
  name: string;
  /** The node container's id. */
  id: string;
}

export interface FlowContext {
  names: Names;
  /** Node address filter and home-node rule for `keep` (flows.ts). */
  base: Pick<FlowFilter, 'nodeAddresses' | 'nodeOfPod'>;
  nodes: NodeRef[];
}

export function flowNames(pods: Pod[], services: Service[]): { names: Names; nodeOfPod: (ip: string) => string | undefined } {
  const podIps = new Map(pods.filter((p) => p.status?.podIP).map((p) => [p.status!.podIP!, `${p.metadata.namespace}/${p.metadata.name}`]));
  const svcIps = new Map(
    services
      .filter((s) => s.spec.clusterIP && s.spec.clusterIP !== 'None')
      .map((s) => [s.spec.clusterIP!, `${s.metadata.namespace}/${s.metadata.name}`]),
  );
  const podNodes = new Map(pods.filter((p) => p.status?.podIP).map((p) => [p.status!.podIP!, p.spec?.nodeName]));
  return {
    names: { podByIp: (ip) => podIps.get(ip), serviceByClusterIp: (ip) => svcIps.get(ip) },
    nodeOfPod: (ip) => podNodes.get(ip),
  };
}

/** The node containers of `nodes` and every address they hold (flows they start are left out). */
export async function nodeRefs(docker: Docker, cluster: string, nodes: Node[]): Promise<{ nodes: NodeRef[]; addresses: Set<string> }> {
  const refs = await Promise.all(
    nodes.map(async (n) => ({ name: n.metadata.name!, id: await nodeContainer(docker, cluster, n.metadata.name!) })),
  );
  const addresses = new Set<string>();
  for (const n of refs)
    for (const m of (await execIn(docker, n.id, ['ip', '-4', '-o', 'addr'])).out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g))
      addresses.add(m[1]);
  return { nodes: refs, addresses };
}

/** Lists pods, Services and nodes, and finds the node containers: what every flow reader needs. */
export async function flowContext(client: KubeClient, docker: Docker, cluster: string): Promise<FlowContext> {
  const [pods, services, nodes] = await Promise.all([
    client.list<Pod>(resolveResource('pods')!, undefined),
    client.list<Service>(resolveResource('services')!, undefined),
    client.list<Node>(resolveResource('nodes')!, undefined),
  ]);
  const { names, nodeOfPod } = flowNames(pods.items, services.items);
  const refs = await nodeRefs(docker, cluster, nodes.items);
  return { names, nodes: refs.nodes, base: { nodeAddresses: refs.addresses, nodeOfPod } };
}

/** One listing of every node: conntrack entries and the drop log's last `dropLines` lines, in time order. */
export async function readFlows(docker: Docker, nodes: NodeRef[], names: Names, dropLines = 2000): Promise<Flow[]> {
  const found: Flow[] = [];
  await Promise.all(
    nodes.map(async (n) => {
      const [ct, drops] = await Promise.all([
        // conntrack's summary goes to stderr, which execIn interleaves with the entries: drop it.
        execIn(docker, n.id, ['sh', '-c', 'conntrack -L 2>/dev/null']),
        execIn(docker, n.id, ['sh', '-c', `tail -n ${dropLines} ${DROP_LOG} 2>/dev/null || true`]),
      ]);
      for (const l of ct.out.split('\n')) {
        const f = flowOfConntrack(l, n.name, names);
        if (f) found.push(f);
      }
      for (const l of drops.out.split('\n')) {
        const f = flowOfDrop(l, names);
        if (f) found.push(f);
      }
    }),
  );
  // Everything by time, conntrack's timeless entries last.
  found.sort((a, b) => (a.time ?? Number.MAX_SAFE_INTEGER) - (b.time ?? Number.MAX_SAFE_INTEGER));
  return found;
}

/** The flows `kubelab flows` would print with no filter: pod traffic, each connection once. */
export function podFlows(flows: Flow[], base: FlowContext['base']): Flow[] {
  return flows.filter((f) => keep(f, base));
}
