// The addressing plan (DESIGN.md §2). Pure: Docker's existing networks come in as data, so slot choice and
// clash messages are unit-tested without an engine.
import {
  cidrSize,
  cidrsOverlap,
  formatCidr,
  nthAddress,
  nthSubnet,
  parseCidr,
  parseCidrStrict,
  tryParseCidr,
  type Cidr,
} from '@kubelab/api';
import { SERVICE_CIDR } from './names';

export interface ExistingNetwork {
  name: string;
  /** IPAM subnets as Docker reports them; IPv6 entries are ignored. */
  subnets: string[];
}

export interface AddressingOptions {
  /** Number of worker nodes (the control plane is node 0). */
  workers: number;
  nodeSubnet?: string;
  podSubnet?: string;
}

export interface NodeAddresses {
  /** 0 = control plane, 1..n = workers. */
  index: number;
  /** Fixed address on the node network. */
  ip: string;
  /** This node's pod CIDR, a /24 of the cluster pod subnet. */
  podCIDR: string;
  /** Where the node container sits on its pod network (the pods' next hop). */
  agentPodIp: string;
  /** Docker's bridge on the pod network: a high address so it never collides with pods. */
  podGateway: string;
}

export interface AddressPlan {
  /** The default slot used, or undefined when both subnets were given explicitly. */
  slot?: number;
  nodeSubnet: string;
  nodeGateway: string;
  podSubnet: string;
  serviceCidr: string;
  nodes: NodeAddresses[];
}

/** Slots 0..11: 10.(244+k) must stay a valid octet. */
export const MAX_SLOT = 255 - 244;

export const defaultNodeSubnet = (slot: number): string => `172.30.${slot}.0/24`;
export const defaultPodSubnet = (slot: number): string => `10.${244 + slot}.0.0/16`;

interface Clash {
  network: string;
  subnet: string;
}

function findClash(c: Cidr, existing: ExistingNetwork[]): Clash | undefined {
  for (const net of existing) {
    for (const s of net.subnets) {
      const other = tryParseCidr(s);
      if (other && cidrsOverlap(c, other)) return { network: net.name, subnet: s };
    }
  }
  return undefined;
}

/** Checks one explicitly requested subnet against Docker's networks; the message names the culprit. */
function assertNoClash(what: 'node' | 'pod', c: Cidr, existing: ExistingNetwork[]): void {
  const clash = findClash(c, existing);
  if (clash) {
    throw new Error(
      `${what} subnet ${formatCidr(c)} overlaps Docker network "${clash.network}" (${clash.subnet}); ` +
        `pass --${what}-subnet to choose another`,
    );
  }
}

/** Shape checks that do not depend on Docker: sizes and mutual overlap. */
function checkShape(node: Cidr, pod: Cidr, nodeCount: number): string | undefined {
  const service = parseCidr(SERVICE_CIDR);
  // network address, gateway (.1), one address per node from .2, broadcast
  if (cidrSize(node) < nodeCount + 3) {
    return `node subnet ${formatCidr(node)} is too small for ${nodeCount} nodes (need ${nodeCount + 3} addresses)`;
  }
  if (pod.prefix > 24) return `pod subnet ${formatCidr(pod)} must be a /24 or larger (each node gets a /24)`;
  if (2 ** (24 - pod.prefix) < nodeCount) {
    return `pod subnet ${formatCidr(pod)} holds only ${2 ** (24 - pod.prefix)} node /24s, ${nodeCount} needed`;
  }
  if (cidrsOverlap(node, pod)) return `node subnet ${formatCidr(node)} overlaps pod subnet ${formatCidr(pod)}`;
  if (cidrsOverlap(node, service)) return `node subnet ${formatCidr(node)} overlaps the service CIDR ${SERVICE_CIDR}`;
  if (cidrsOverlap(pod, service)) return `pod subnet ${formatCidr(pod)} overlaps the service CIDR ${SERVICE_CIDR}`;
  return undefined;
}

/**
 * Chooses the node and pod subnets: explicit ones are checked and kept, the rest come from the first slot k
 * whose defaults (172.30.k.0/24, 10.(244+k).0.0/16) clash with no existing Docker network.
 */
export function planAddresses(opts: AddressingOptions, existing: ExistingNetwork[]): AddressPlan {
  const nodeCount = opts.workers + 1;
  const explicitNode = opts.nodeSubnet !== undefined ? parseCidrStrict(opts.nodeSubnet) : undefined;
  const explicitPod = opts.podSubnet !== undefined ? parseCidrStrict(opts.podSubnet) : undefined;
  if (explicitNode) assertNoClash('node', explicitNode, existing);
  if (explicitPod) assertNoClash('pod', explicitPod, existing);

  if (explicitNode && explicitPod) {
    const problem = checkShape(explicitNode, explicitPod, nodeCount);
    if (problem) throw new Error(problem);
    return buildPlan(undefined, explicitNode, explicitPod, nodeCount);
  }

  let firstProblem: string | undefined;
  for (let slot = 0; slot <= MAX_SLOT; slot++) {
    const node = explicitNode ?? parseCidr(defaultNodeSubnet(slot));
    const pod = explicitPod ?? parseCidr(defaultPodSubnet(slot));
    if (!explicitNode && findClash(node, existing)) continue;
    if (!explicitPod && findClash(pod, existing)) continue;
    const problem = checkShape(node, pod, nodeCount);
    if (problem) {
      firstProblem ??= problem;
      continue;
    }
    return buildPlan(slot, node, pod, nodeCount);
  }
  const flags = [!explicitNode && '--node-subnet', !explicitPod && '--pod-subnet'].filter(Boolean).join(' / ');
  throw new Error(
    `no free address slot: the defaults (node subnet 172.30.k.0/24, pod subnet 10.(244+k).0.0/16, k = 0..${MAX_SLOT}) ` +
      `all overlap existing Docker networks${firstProblem ? ` or are unusable (${firstProblem})` : ''}; pass ${flags}`,
  );
}

function buildPlan(slot: number | undefined, node: Cidr, pod: Cidr, nodeCount: number): AddressPlan {
  const nodes: NodeAddresses[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const podCidr = parseCidr(nthSubnet(pod, 24, i));
    nodes.push({
      index: i,
      ip: nthAddress(node, 2 + i),
      podCIDR: formatCidr(podCidr),
      agentPodIp: nthAddress(podCidr, 1),
      podGateway: nthAddress(podCidr, 254),
    });
  }
  return {
    slot,
    nodeSubnet: formatCidr(node),
    nodeGateway: nthAddress(node, 1),
    podSubnet: formatCidr(pod),
    serviceCidr: SERVICE_CIDR,
    nodes,
  };
}

/** Docker's network list reduced to what the planner needs. */
export function toExistingNetworks(list: Array<{ Name: string; IPAM?: { Config?: Array<{ Subnet?: string }> } }>): ExistingNetwork[] {
  return list.map((n) => ({
    name: n.Name,
    subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string'),
  }));
}
