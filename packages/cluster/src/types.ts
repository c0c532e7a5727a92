// Shapes at the package boundary (what the CLI and the e2e tests consume).
import type { NodeRole } from './names';

export interface ClusterUpOptions {
  name: string;
  /** Worker nodes besides the control plane, 0..10. */
  workers: number;
  /** Node network CIDR; by default 172.30.k.0/24 for the first free slot k. */
  nodeSubnet?: string;
  /** Cluster pod CIDR; by default 10.(244+k).0.0/16. Each node gets a /24 of it. */
  podSubnet?: string;
  /** Node image to run (from ensureImages); when omitted clusterUp calls ensureImages itself. */
  image?: string;
  /** Host port (on 127.0.0.1) for the API server; random when omitted, like kind. */
  apiPort?: number;
  /** LOG_LEVEL for the processes in the node containers (pino levels). */
  logLevel?: string;
  /** The kubelet's max-pods on every node (node capacity `pods`; default 110, or KUBELAB_MAX_PODS). */
  maxPods?: number;
  /** Readiness deadline in ms (default 60 000). */
  readyTimeoutMs?: number;
  /** Leave the objects of a failed `up` in place for debugging instead of removing them. */
  keepOnFailure?: boolean;
  /** kube-apiserver's --allow-privileged for the new cluster (privileged pods can take over the machine). */
  allowPrivileged?: boolean;
  /**
   * Delete an existing cluster of that name first, state volume (every API object) included. Without it an
   * existing cluster is only ever repaired, never replaced.
   */
  recreate?: boolean;
  /** ip[:port] the cluster DNS forwards names outside cluster.local to; unset (default) = REFUSED. */
  dnsUpstream?: string;
  /** Deploy the ingress controller (default true; `--no-ingress` skips it and publishes no ingress ports). */
  ingress?: boolean;
  /** Host ports on 127.0.0.1 for the ingress's 80/443 (default 8080/8443, or free ones when those are taken). */
  ingressHttpPort?: number;
  ingressHttpsPort?: number;
  /** Told before a step that destroys something (what --recreate will delete). */
  announce?: (line: string) => void;
}

export interface ClusterNode {
  name: string;
  role: NodeRole;
  /** Address on the node network. */
  ip: string;
  podCIDR: string;
  containerId: string;
  /** Docker's container state: running, exited, created, restarting, dead, ... */
  state: string;
}

export interface ClusterInfo {
  name: string;
  /** API server as the host reaches it: http://127.0.0.1:<published port>; "" while the port is unpublished. */
  apiUrl: string;
  /** API server as containers reach it: http://<control-plane node IP>:6443. */
  internalApiUrl: string;
  nodeSubnet: string;
  podSubnet: string;
  serviceCidr: string;
  /** Control plane first, then workers in order. */
  nodes: ClusterNode[];
  /** The node image the containers run. */
  image: string;
  /** The ingress router as the host reaches it (ports published on the control plane), when published. */
  ingress?: { httpPort: number; httpsPort: number };
  /** Set by clusterUp when the cluster was already running and nothing was changed. */
  alreadyUp?: boolean;
  /** Set by clusterUp when it repaired the cluster: what it did ("started kl-worker2 (exited)"). */
  repaired?: string;
  /** Set by clusterUp when --recreate deleted an existing cluster first. */
  recreated?: boolean;
}

export interface ClusterSummary {
  name: string;
  /** Node containers present. */
  nodes: number;
  running: number;
  /** running: every expected node runs; stopped: every node exited/created/dead; degraded: anything else (restarting, missing nodes, leftovers only). */
  status: 'running' | 'stopped' | 'degraded';
  apiUrl?: string;
}

export interface RemovedCounts {
  containers: number;
  networks: number;
  volumes: number;
}
