// One options object for the node agent's roles, read from the environment the cluster tooling sets and
// validated up front: a bad value fails at start naming the variable, never deep inside a pod sync.
import { cidrContains, nthAddress, parseCidr } from '@kubelab/api';

export interface AgentConfig {
  cluster: string;
  nodeName: string;
  nodeIp: string;
  /** This node's pod CIDR (a /24): the agent is .1, Docker's bridge gateway the second-to-last address. */
  podCidr: string;
  clusterPodCidr: string;
  nodeSubnet: string;
  serviceCidr: string;
  /** ClusterIP of the cluster DNS service: the 10th address of the service CIDR (10.96.0.10). */
  clusterDns: string;
  clusterDomain: string;
  /** The agent's own address on its pod network: every pod's next hop (DESIGN.md §3). */
  agentPodIp: string;
  /** Pod network (Docker bridge) the cluster tooling created for this node. */
  podNetwork: string;
  /** Image for pause containers; when unset the agent uses the image of its own node container. */
  nodeImage?: string;
  dockerSocket: string;
  /** First container restart back-off; doubles up to backoffMaxMs (Kubernetes: 10 s and 300 s). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Full pod resync and orphan sweep period. */
  resyncMs: number;
  /** A pull that has not finished by then is abandoned as failed: no registry here, never hang. */
  pullTimeoutMs: number;
  /** How many pods sync at once (two cores, one Docker engine). */
  syncConcurrency: number;
  /**
   * The cluster was created with --allow-privileged: privileged containers and every capability go to
   * Docker as asked, and hostPath is the Docker host's path. Otherwise the kubelet refuses them too.
   */
  allowPrivileged: boolean;
}

export class ConfigError extends Error {
  readonly code = 'KUBELAB_AGENT_CONFIG';
  constructor(variable: string, detail: string) {
    super(`node agent: ${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new ConfigError(name, 'is not set (the cluster tooling sets it when it creates the node container)');
  return v;
}

function cidr(env: NodeJS.ProcessEnv, name: string, fallback?: string): string {
  const v = fallback === undefined ? required(env, name) : env[name] || fallback;
  try {
    parseCidr(v);
  } catch {
    throw new ConfigError(name, `"${v}" is not an IPv4 CIDR`);
  }
  return v;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(name, `must be a whole number >= ${min}, got "${raw}"`);
  return n;
}

export function agentConfigFromEnv(env: NodeJS.ProcessEnv): AgentConfig {
  const cluster = required(env, 'KUBELAB_CLUSTER');
  const nodeName = required(env, 'NODE_NAME');
  const podCidr = cidr(env, 'POD_CIDR');
  const clusterPodCidr = cidr(env, 'CLUSTER_POD_CIDR', '10.244.0.0/16');
  const serviceCidr = cidr(env, 'SERVICE_CIDR', '10.96.0.0/12');
  const agentPodIp = nthAddress(podCidr, 1);
  if (!cidrContains(clusterPodCidr, agentPodIp))
    throw new ConfigError('POD_CIDR', `${podCidr} is not inside CLUSTER_POD_CIDR ${clusterPodCidr}`);
  const backoffBaseMs = int(env, 'KUBELAB_BACKOFF_BASE_MS', 10_000, 1);
  return {
    cluster,
    nodeName,
    nodeIp: required(env, 'NODE_IP'),
    podCidr,
    clusterPodCidr,
    nodeSubnet: cidr(env, 'NODE_SUBNET', '0.0.0.0/32'),
    serviceCidr,
    clusterDns: env.KUBELAB_CLUSTER_DNS || nthAddress(serviceCidr, 10),
    clusterDomain: env.KUBELAB_CLUSTER_DOMAIN || 'cluster.local',
    agentPodIp,
    podNetwork: env.KUBELAB_POD_NETWORK || `${cluster}-pods-${nodeName}`,
    nodeImage: env.KUBELAB_NODE_IMAGE || undefined,
    dockerSocket: env.DOCKER_SOCKET || '/var/run/docker.sock',
    backoffBaseMs,
    // Kubernetes caps at 300 s = 30 × the 10 s base; a shortened base shortens the cap alike.
    backoffMaxMs: int(env, 'KUBELAB_BACKOFF_MAX_MS', backoffBaseMs * 30, backoffBaseMs),
    resyncMs: int(env, 'KUBELAB_RESYNC_MS', 10_000, 100),
    pullTimeoutMs: int(env, 'KUBELAB_PULL_TIMEOUT_MS', 60_000, 100),
    syncConcurrency: int(env, 'KUBELAB_SYNC_CONCURRENCY', 4, 1),
    allowPrivileged: env.KUBELAB_ALLOW_PRIVILEGED === 'true',
  };
}
