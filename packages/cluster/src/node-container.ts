// Creates one node container on its networks: used by `cluster up` for a new cluster and by the repair
// for a node container that is gone.
import type Docker from 'dockerode';
import type { AddressPlan } from './addressing';
import { docker } from './docker';
import { dockerMessage } from './docker-util';
import { nodeNetworkName } from './names';
import { nodeContainerSpec, podNetworkConnect, podNetworkSpec, type NodePlan, type SpecOptions } from './spec';

/** Per-node variables: never copied from a sibling node's recorded environment. */
const PER_NODE_ENV = new Set(['NODE_NAME', 'NODE_IP', 'POD_CIDR', 'KUBELAB_NODE_ROLE', 'KUBELAB_STATE_DIR', 'KUBELAB_TOKEN']);

/** What an existing container of the same role was created with, so a recreated node matches its siblings. */
export interface RecordedNode {
  env?: string[];
  cmd?: string[];
  /** The host port the control plane published, when it was chosen explicitly. */
  apiPort?: number;
  /** The host ports the control plane published for the ingress router's 80/443. */
  ingressPorts?: { http: number; https: number };
}

/** The spec's environment with the recorded one laid over it (recorded flags win, per-node values do not). */
export function mergeEnv(spec: string[], recorded: string[] | undefined): string[] {
  const out = new Map(spec.map((e) => [e.slice(0, e.indexOf('=')), e] as const));
  for (const e of recorded ?? []) {
    const key = e.slice(0, e.indexOf('='));
    if (key && !PER_NODE_ENV.has(key)) out.set(key, e);
  }
  return [...out.values()];
}

export async function createNode(
  spec: SpecOptions,
  plan: AddressPlan,
  node: NodePlan,
  recorded: RecordedNode = {},
): Promise<Docker.Container> {
  const request = nodeContainerSpec(
    { ...spec, apiPort: spec.apiPort ?? recorded.apiPort, ingressPorts: spec.ingressPorts ?? recorded.ingressPorts },
    plan,
    node,
  );
  if (recorded.env) request.Env = mergeEnv(request.Env ?? [], recorded.env);
  if (recorded.cmd?.length) request.Cmd = recorded.cmd;
  let container: Docker.Container;
  try {
    container = await docker().createContainer(request);
  } catch (err) {
    throw new Error(
      `creating node container ${node.name} on ${nodeNetworkName(spec.cluster)} (${node.addresses.ip}): ${dockerMessage(err)}`,
    );
  }
  const podNet = podNetworkSpec(spec.cluster, node).Name;
  try {
    await docker().getNetwork(podNet).connect(podNetworkConnect(container.id, node));
  } catch (err) {
    throw new Error(`connecting ${node.name} to ${podNet} as ${node.addresses.agentPodIp}: ${dockerMessage(err)}`);
  }
  return container;
}
