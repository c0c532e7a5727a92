// Reads a cluster back from what Docker lists (labels, networks, published ports). Pure over dockerode's
// list shapes, so a restarted CLI knows everything without any state file.
import type Docker from 'dockerode';
import { API_PORT, LABEL, NODE_ROLES, SERVICE_CIDR, nodeNetworkName, type NodeRole } from './names';
import type { ClusterInfo, ClusterNode, ClusterSummary } from './types';

type Listed = Pick<Docker.ContainerInfo, 'Id' | 'Labels' | 'State' | 'Ports' | 'Image' | 'NetworkSettings'>;

export function isNodeContainer(c: Pick<Docker.ContainerInfo, 'Labels'>): boolean {
  return NODE_ROLES.includes(c.Labels?.[LABEL.role] ?? '');
}

function nodeIndex(c: Listed): number {
  const n = Number(c.Labels[LABEL.nodeIndex]);
  return Number.isFinite(n) ? n : c.Labels[LABEL.role] === 'control-plane' ? 0 : 1000;
}

/** The host port Docker published for the API server, if the container runs. */
export function publishedApiPort(c: Pick<Docker.ContainerInfo, 'Ports'>): number | undefined {
  const p = (c.Ports ?? []).find((x) => x.PrivatePort === API_PORT && x.Type === 'tcp' && x.PublicPort && x.IP !== '::');
  return p?.PublicPort;
}

export function infoFromContainers(cluster: string, listed: Listed[]): ClusterInfo | undefined {
  const nodes = listed.filter(isNodeContainer).sort((a, b) => nodeIndex(a) - nodeIndex(b));
  if (nodes.length === 0) return undefined;
  const net = nodeNetworkName(cluster);
  const out: ClusterNode[] = nodes.map((c) => ({
    name: c.Labels[LABEL.node],
    role: c.Labels[LABEL.role] as NodeRole,
    ip: c.NetworkSettings?.Networks?.[net]?.IPAddress || c.Labels[LABEL.nodeIp],
    podCIDR: c.Labels[LABEL.podCidr],
    containerId: c.Id,
    state: c.State,
  }));
  const cp = nodes.find((c) => c.Labels[LABEL.role] === 'control-plane');
  const cpIp = cp ? cp.Labels[LABEL.nodeIp] : '';
  const port = cp ? publishedApiPort(cp) : undefined;
  // HTTPS with tokens and RBAC, unless the cluster was made before kubelab had them.
  const scheme = cp?.Labels[LABEL.auth] ? 'https' : 'http';
  const published = (p: number): number | undefined =>
    cp?.Ports?.find((x) => x.PrivatePort === p && x.Type === 'tcp' && x.PublicPort && x.IP !== '::')?.PublicPort;
  const [ingressHttp, ingressHttps] = [published(80), published(443)];
  const first = nodes[0].Labels;
  return {
    name: cluster,
    apiUrl: port ? `${scheme}://127.0.0.1:${port}` : '',
    internalApiUrl: cpIp ? `${scheme}://${cpIp}:${API_PORT}` : '',
    nodeSubnet: first[LABEL.nodeSubnet],
    podSubnet: first[LABEL.podSubnet],
    serviceCidr: SERVICE_CIDR,
    nodes: out,
    image: (cp ?? nodes[0]).Image,
    ...(ingressHttp && ingressHttps ? { ingress: { httpPort: ingressHttp, httpsPort: ingressHttps } } : {}),
  };
}

export interface Health {
  healthy: boolean;
  /** Why not, in words (for `cluster list`). */
  reason: string;
}

/** Healthy = every node the cluster was created with exists and runs. */
export function clusterHealth(listed: Array<Pick<Docker.ContainerInfo, 'Labels' | 'State'>>): Health {
  const nodes = listed.filter(isNodeContainer);
  if (nodes.length === 0) return { healthy: false, reason: 'no node containers, only leftovers' };
  const expected = Math.max(...nodes.map((c) => Number(c.Labels[LABEL.nodeCount]) || 0));
  if (!nodes.some((c) => c.Labels[LABEL.role] === 'control-plane')) return { healthy: false, reason: 'control plane missing' };
  if (nodes.length < expected) return { healthy: false, reason: `${expected - nodes.length} of ${expected} nodes missing` };
  const down = nodes.filter((c) => c.State !== 'running');
  if (down.length) {
    const what = down.map((c) => `${c.Labels[LABEL.node]} ${c.State}`).join(', ');
    return { healthy: false, reason: what };
  }
  return { healthy: true, reason: 'running' };
}

/** One summary per cluster name found on containers or networks. */
export function summarize(containers: Listed[], networks: Array<Pick<Docker.NetworkInspectInfo, 'Labels'>>): ClusterSummary[] {
  const names = new Set<string>();
  for (const o of [...containers, ...networks]) {
    const name = o.Labels?.[LABEL.cluster];
    if (name) names.add(name);
  }
  return [...names].sort().map((name) => {
    const mine = containers.filter((c) => c.Labels?.[LABEL.cluster] === name);
    const nodes = mine.filter(isNodeContainer);
    const running = nodes.filter((c) => c.State === 'running').length;
    const health = clusterHealth(mine);
    const info = infoFromContainers(name, mine);
    const halted = nodes.length > 0 && nodes.every((c) => ['exited', 'created', 'dead'].includes(c.State));
    const status = health.healthy ? 'running' : halted ? 'stopped' : 'degraded';
    return { name, nodes: nodes.length, running, status, ...(info?.apiUrl ? { apiUrl: info.apiUrl } : {}) };
  });
}
