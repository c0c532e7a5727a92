// The create requests for a cluster's networks, volume and node containers. Pure: everything comes from the
// address plan and options, so the wiring (labels, env, sysctls, ports) is unit-tested.
import type Docker from 'dockerode';
import type { AddressPlan, NodeAddresses } from './addressing';
import {
  API_PORT,
  LABEL,
  NODE_ENTRY,
  STATE_DIR,
  nodeNames,
  nodeNetworkName,
  podNetworkName,
  stateVolumeName,
  type NodeRole,
} from './names';

export interface NodePlan {
  name: string;
  role: NodeRole;
  addresses: NodeAddresses;
}

export interface SpecOptions {
  cluster: string;
  image: string;
  apiPort?: number;
  logLevel?: string;
  /** Timing knobs passed through to the processes in the node containers (see TUNABLES). */
  tunables?: Record<string, string>;
  /**
   * kube-apiserver's --allow-privileged, for the API server and every kubelet: privileged containers, host
   * namespaces, every capability and hostPath as the Docker host's own path. Off by default.
   */
  allowPrivileged?: boolean;
  /**
   * The cluster's CA and node tokens (pki.ts): the API is HTTPS and each node agent authenticates as
   * system:node:NAME. Absent only for clusters made before kubelab had authentication.
   */
  credentials?: { caCert: string; nodeTokens: Record<string, string> };
  /** Host ports (127.0.0.1) the control plane publishes for the ingress router's 80/443 (ingress-addon.ts). */
  ingressPorts?: { http: number; https: number };
}

/**
 * Timing knobs a workshop (or a test) may shorten, read from the environment of `cluster up`: how often
 * nodes heartbeat, how soon a silent node turns NotReady and its pods move, the crash-loop back-off base.
 */
export const TUNABLES = [
  'KUBELAB_HEARTBEAT_MS',
  'KUBELAB_NODE_GRACE_PERIOD_MS',
  'KUBELAB_POD_EVICTION_TIMEOUT_MS',
  'KUBELAB_BACKOFF_BASE_MS',
  // The kubelet's max-pods on every node (also `cluster up --max-pods N`).
  'KUBELAB_MAX_PODS',
] as const;

export function tunablesFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of TUNABLES) {
    const v = env[k];
    if (v === undefined || v === '') continue;
    if (!/^\d+$/.test(v)) throw new Error(`${k}=${v}: must be a whole number${k.endsWith('_MS') ? ' of milliseconds' : ''}`);
    out[k] = v;
  }
  return out;
}

export function nodePlans(cluster: string, plan: AddressPlan): NodePlan[] {
  const names = nodeNames(cluster, plan.nodes.length - 1);
  return plan.nodes.map((addresses, i) => ({ name: names[i], role: i === 0 ? 'control-plane' : 'worker', addresses }));
}

export function nodeNetworkSpec(cluster: string, plan: AddressPlan, apiPort?: number): Docker.NetworkCreateOptions {
  return {
    Name: nodeNetworkName(cluster),
    CheckDuplicate: true,
    Driver: 'bridge',
    IPAM: { Driver: 'default', Config: [{ Subnet: plan.nodeSubnet, Gateway: plan.nodeGateway }] },
    // The cluster's shape, so `cluster up` can recreate node containers that are gone (cluster-repair.ts).
    Labels: {
      [LABEL.cluster]: cluster,
      [LABEL.role]: 'node-network',
      [LABEL.nodeCount]: String(plan.nodes.length),
      [LABEL.nodeSubnet]: plan.nodeSubnet,
      [LABEL.podSubnet]: plan.podSubnet,
      ...(apiPort ? { [LABEL.apiPort]: String(apiPort) } : {}),
    },
  };
}

/**
 * One bridge per node for its pods. Masquerade off: pod traffic leaves through the node agent, not Docker's
 * NAT. Not internal: Docker's isolation rules for internal networks would drop routed pod traffic (DESIGN §2).
 */
export function podNetworkSpec(cluster: string, node: NodePlan): Docker.NetworkCreateOptions {
  return {
    Name: podNetworkName(cluster, node.name),
    CheckDuplicate: true,
    Driver: 'bridge',
    Internal: false,
    IPAM: { Driver: 'default', Config: [{ Subnet: node.addresses.podCIDR, Gateway: node.addresses.podGateway }] },
    Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
    Labels: { [LABEL.cluster]: cluster, [LABEL.role]: 'pod-network', [LABEL.node]: node.name },
  };
}

export function stateVolumeSpec(cluster: string): Docker.VolumeCreateOptions {
  return { Name: stateVolumeName(cluster), Labels: { [LABEL.cluster]: cluster, [LABEL.role]: 'state' } };
}

export function nodeContainerSpec(opts: SpecOptions, plan: AddressPlan, node: NodePlan): Docker.ContainerCreateOptions {
  const { cluster } = opts;
  const controlPlane = node.role === 'control-plane';
  const cpIp = plan.nodes[0].ip;
  const net = nodeNetworkName(cluster);
  const env: Record<string, string> = {
    KUBELAB_CLUSTER: cluster,
    NODE_NAME: node.name,
    NODE_IP: node.addresses.ip,
    POD_CIDR: node.addresses.podCIDR,
    CLUSTER_POD_CIDR: plan.podSubnet,
    NODE_SUBNET: plan.nodeSubnet,
    SERVICE_CIDR: plan.serviceCidr,
    KUBELAB_API_URL: `${opts.credentials ? 'https' : 'http'}://${cpIp}:${API_PORT}`,
    ...(opts.credentials
      ? {
          KUBELAB_CA_DATA: Buffer.from(opts.credentials.caCert).toString('base64'),
          KUBELAB_TOKEN: opts.credentials.nodeTokens[node.name] ?? '',
        }
      : {}),
    KUBELAB_NODE_ROLE: node.role,
    LOG_LEVEL: opts.logLevel ?? 'info',
    ...(controlPlane ? { KUBELAB_STATE_DIR: STATE_DIR } : {}),
    ...opts.tunables,
    ...(opts.allowPrivileged ? { KUBELAB_ALLOW_PRIVILEGED: 'true' } : {}),
  };
  const port = `${API_PORT}/tcp`;
  // The ingress router's ports: Docker forwards them to the control plane's node IP, where the
  // ingress-nginx-controller Service's external IP rules carry them on to the router pod (kind's
  // extraPortMappings, with a Service instead of a hostPort so the pod may run on any node).
  const ingress = controlPlane ? opts.ingressPorts : undefined;
  const exposed = { [port]: {}, ...(ingress ? { '80/tcp': {}, '443/tcp': {} } : {}) };
  const bindings = {
    [port]: [{ HostIp: '127.0.0.1', HostPort: opts.apiPort ? String(opts.apiPort) : '' }],
    ...(ingress
      ? {
          '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(ingress.http) }],
          '443/tcp': [{ HostIp: '127.0.0.1', HostPort: String(ingress.https) }],
        }
      : {}),
  };
  return {
    name: node.name,
    Hostname: node.name,
    Image: opts.image,
    Cmd: controlPlane ? ['node', NODE_ENTRY, 'apiserver', 'node-agent'] : ['node', NODE_ENTRY, 'node-agent'],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [LABEL.cluster]: cluster,
      [LABEL.role]: node.role,
      [LABEL.node]: node.name,
      [LABEL.nodeIndex]: String(node.addresses.index),
      [LABEL.nodeCount]: String(plan.nodes.length),
      [LABEL.nodeIp]: node.addresses.ip,
      [LABEL.podCidr]: node.addresses.podCIDR,
      [LABEL.nodeSubnet]: plan.nodeSubnet,
      [LABEL.podSubnet]: plan.podSubnet,
      ...(controlPlane && opts.apiPort ? { [LABEL.apiPort]: String(opts.apiPort) } : {}),
      ...(opts.credentials ? { [LABEL.auth]: 'rbac' } : {}),
    },
    ...(controlPlane ? { ExposedPorts: exposed } : {}),
    HostConfig: {
      CapAdd: ['NET_ADMIN', 'NET_RAW'],
      // A router, not a host: forward, accept asymmetric paths, never tell pods to bypass the agent.
      Sysctls: {
        'net.ipv4.ip_forward': '1',
        'net.ipv4.conf.all.rp_filter': '0',
        'net.ipv4.conf.default.rp_filter': '0',
        'net.ipv4.conf.all.send_redirects': '0',
      },
      Binds: ['/var/run/docker.sock:/var/run/docker.sock', ...(controlPlane ? [`${stateVolumeName(cluster)}:${STATE_DIR}`] : [])],
      ...(controlPlane ? { PortBindings: bindings } : {}),
      RestartPolicy: { Name: 'unless-stopped' },
      // The API server keeps answering when pods, node agents or other clusters on the machine want the CPU
      // too, as on a dedicated control-plane node (4x the default cgroup CPU weight).
      ...(controlPlane ? { CpuShares: 4096 } : {}),
      NetworkMode: net,
    },
    NetworkingConfig: { EndpointsConfig: { [net]: { IPAMConfig: { IPv4Address: node.addresses.ip } } } },
  };
}

/** Second interface of a node: its pod network, where the agent is the pods' next hop (.1). */
export function podNetworkConnect(containerId: string, node: NodePlan): Docker.NetworkConnectOptions {
  return { Container: containerId, EndpointConfig: { IPAMConfig: { IPv4Address: node.addresses.agentPodIp } } };
}
