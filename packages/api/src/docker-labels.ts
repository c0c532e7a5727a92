// The labels on every Docker object kubelab creates (DESIGN.md §6). One table, shared by the CLI (cluster
// up/down, exec, logs), the kubelet and the tests, so writers and readers can never disagree.
export const DOCKER_LABEL = {
  cluster: 'kubelab.cluster',
  role: 'kubelab.role',
  node: 'kubelab.node',
  managed: 'kubelab.managed',
  /** Number of node containers the cluster was created with: lets `up` tell healthy from half-dead. */
  nodeCount: 'kubelab.node-count',
  /** 0 = control plane, 1..n = workers: orders nodes without parsing names. */
  nodeIndex: 'kubelab.node-index',
  nodeIp: 'kubelab.node-ip',
  podCidr: 'kubelab.pod-cidr',
  nodeSubnet: 'kubelab.node-subnet',
  podSubnet: 'kubelab.pod-subnet',
  /** The host port the API server is published on, chosen once at creation so a restart or repair keeps it. */
  apiPort: 'kubelab.api-port',
  /** Set on the node containers of a cluster whose API serves HTTPS with tokens and RBAC (issue 10). */
  auth: 'kubelab.auth',
  imageSource: 'kubelab.image.source',
  namespace: 'kubelab.namespace',
  pod: 'kubelab.pod',
  podUid: 'kubelab.pod-uid',
  /** The pod's container name; "POD" for the pause container. */
  container: 'kubelab.container',
  kind: 'kubelab.container-kind',
  attempt: 'kubelab.attempt',
  podIp: 'kubelab.pod-ip',
  /** Hash of the container's spec: a changed spec (e.g. a new image) restarts the container, as Kubernetes does. */
  hash: 'kubelab.container-hash',
  volume: 'kubelab.volume',
} as const;
