// The cluster map's model (issue 15 item 1): what `kubelab graph -o dot|json` prints and `kubelab ui` draws.
// Plain data, so the browser page, the DOT writer and record/replay bundles share one shape. Vertex ids
// are stable across rebuilds ("pod:ns/name"), so the page can update a drawn graph in place.

export type VertexKind = 'network' | 'node' | 'podnet' | 'pod' | 'service' | 'ingress' | 'policy' | 'external';

export interface ContainerInfo {
  name: string;
  image: string;
  ready: boolean;
  restarts: number;
  state?: string;
}

export interface Vertex {
  id: string;
  kind: VertexKind;
  label: string;
  /** Compound parent: a pod sits in its node's pod network. */
  parent?: string;
  namespace?: string;
  name?: string;
  /** The node network's subnet, a node's InternalIP, a pod's IP, a Service's ClusterIP. */
  ip?: string;
  /** A pod network's CIDR, a node's pod CIDR. */
  cidr?: string;
  /** A pod's node. */
  node?: string;
  /** Pod phase or node Ready status. */
  status?: string;
  ready?: boolean;
  containers?: ContainerInfo[];
  /** Impairments recorded by `kubelab netem` / `partition` (kubelab.io/netem, kubelab.io/partition). */
  netem?: string[];
  partitions?: string[];
  /** A Service's type and ports ("80/TCP -> 8080"). */
  serviceType?: string;
  ports?: string[];
  /** A Service's endpoints. */
  endpoints?: Array<{ ip: string; pod?: string; ready: boolean }>;
  /** An Ingress's routes. */
  routes?: Array<{ host: string; path: string; service: string; port: string }>;
  /** A NetworkPolicy's pod selector and the directions it isolates. */
  selector?: string;
  policyTypes?: string[];
}

export type EdgeKind = 'link' | 'endpoint' | 'route' | 'selects' | 'flow';

export interface Edge {
  id: string;
  kind: EdgeKind;
  source: string;
  target: string;
  label?: string;
  /** Flow edges: distinct connections seen (forwarded) or dropped packets' connections (dropped). */
  count?: number;
  /** Flow edges: NetworkPolicy dropped these. */
  dropped?: boolean;
  /** Dropped flow edges: the policies selecting the isolated pod (none allowed it); [] = default deny. */
  policies?: string[];
  /** Dropped flow edges: whose isolation ("ingress of ns/web"). */
  isolation?: string;
  protocols?: string[];
  /** Destination ports seen. */
  ports?: number[];
  /** Flow edges via a Service: the endpoint pods reached. */
  via?: string[];
  /** ms since the epoch: the newest flow on this edge, when known. */
  lastSeen?: number;
}

export interface Graph {
  cluster: string;
  vertices: Vertex[];
  edges: Edge[];
}
