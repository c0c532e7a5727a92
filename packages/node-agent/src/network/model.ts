// One network model per node (DESIGN.md §3): everything this node's iptables and routes must say, built by a
// pure function from the objects the network role watches (Nodes, Services, EndpointSlices, this node's
// Pods) and the node's own facts. Rendering (render.ts) and applying (node-network.ts) are separate steps, so
// the same model can later feed NetworkPolicy (filter table), `node iptables` and packet tracing.
import {
  cidrContains,
  headlessLabel,
  isIPv4,
  serviceNameLabel,
  serviceProxyNameLabel,
  type EndpointSlice,
  type Namespace,
  type NetworkPolicy,
  type Node,
  type Pod,
  type Service,
} from '@kubelab/api';
import { endpointChain, servicePortChains, servicePortName } from './chain-names';
import { buildPolicyModel, type PolicyModel } from './policy-model';
import { desiredRoutes, type PodRoute } from './routes';

/** The object a rule was made for: what `node iptables` and a packet trace name. */
export interface RuleSource {
  kind: 'Service' | 'Pod' | 'Node' | 'NetworkPolicy';
  namespace?: string;
  name: string;
  /** Service port name ("" for an unnamed port) or the pod's host port. */
  port?: string;
}

export interface NodeFacts {
  name: string;
  /** InternalIP on the node network. */
  ip: string;
  /** Interface holding `ip` (found at start; Docker names interfaces). */
  nodeInterface: string;
  podCidr: string;
  clusterPodCidr: string;
  serviceCidr: string;
  /** The kernel takes NFLOG (drops are logged); false: policy chains drop without logging. Default true. */
  nflog?: boolean;
}

export interface ProxyEndpoint {
  ip: string;
  port: number;
  /** "ip:port", kube-proxy's endpoint string (also part of the KUBE-SEP hash). */
  address: string;
  chain: string;
  local: boolean;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** "ns/name" of the pod behind it, when the slice says. */
  target?: string;
}

export interface ServicePortModel {
  source: RuleSource;
  /** kube-proxy's ServicePortName string: "ns/svc:port" or "ns/svc". */
  name: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  clusterIP: string;
  port: number;
  nodePort: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** sessionAffinity ClientIP: seconds a client sticks to its endpoint; 0 = no affinity. */
  affinitySeconds: number;
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
  chains: { cluster: string; local: string; external: string };
  /** Every endpoint the slices list for this port, sorted by address (kube-proxy sorts too). */
  endpoints: ProxyEndpoint[];
}

export interface HostPortModel {
  source: RuleSource;
  podIP: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostPort: number;
  /** Only this node address, when the pod asks for one (hostIP); else every local address. */
  hostIP?: string;
  containerPort: number;
}

export interface NetworkModel {
  node: NodeFacts;
  routes: PodRoute[];
  servicePorts: ServicePortModel[];
  hostPorts: HostPortModel[];
  /** LoadBalancer IPs this node answers ARP for (one owner per IP across the cluster). */
  ownedLoadBalancerIPs: string[];
  /** NetworkPolicy: this node's isolated pods and what may reach them or leave them (policy-model.ts). */
  policy: PolicyModel;
}

export interface ModelInput {
  node: NodeFacts;
  nodes: Node[];
  services: Service[];
  slices: EndpointSlice[];
  /** Every pod of the cluster (policy peers); this node's own have spec.nodeName = node.name. */
  pods: Pod[];
  policies?: NetworkPolicy[];
  namespaces?: Namespace[];
  /** Pod IPs this node's kubelet handed out before the pod's status says so, by "ns/name". */
  localIPs?: Map<string, string>;
}

const DEFAULT_AFFINITY_SECONDS = 10800;

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * kube-proxy's ShouldSkipService plus its informers' label filter: no ClusterIP (headless), ExternalName,
 * or a label handing the Service to another proxy.
 */
export function isProxied(svc: Service): boolean {
  const labels = svc.metadata.labels ?? {};
  if (serviceProxyNameLabel in labels || headlessLabel in labels) return false;
  const ip = svc.spec?.clusterIP;
  if (!ip || ip === 'None' || !isIPv4(ip)) return false;
  return svc.spec.type !== 'ExternalName';
}

function isNodeReady(n: Node): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Nodes with this label carry no LoadBalancer traffic (the service controller and MetalLB's speakers skip them). */
export const excludeFromLoadBalancersLabel = 'node.kubernetes.io/exclude-from-external-load-balancers';

/**
 * Who answers ARP for a LoadBalancer IP on the node network: the first Ready node by name that is not
 * labelled exclude-from-external-load-balancers (any value, as Kubernetes reads it). Every node computes the
 * same answer from the same Node list; all of them have the DNAT rules, one must own the IP. A new owner
 * announces it with a gratuitous ARP (node-network.ts), so neighbours switch at once.
 */
export function loadBalancerOwner(nodes: Node[]): string | undefined {
  return nodes
    .filter((n) => isNodeReady(n) && !(excludeFromLoadBalancersLabel in (n.metadata.labels ?? {})))
    .map((n) => n.metadata.name ?? '')
    .sort(byString)[0];
}

/** Endpoints per "ns/svc" then per port name and protocol, merged over all the Service's slices. */
function indexSlices(slices: EndpointSlice[], nodeName: string): Map<string, Map<string, ProxyEndpoint[]>> {
  const out = new Map<string, Map<string, ProxyEndpoint[]>>();
  for (const slice of slices) {
    const svcName = slice.metadata.labels?.[serviceNameLabel];
    if (!svcName || slice.addressType !== 'IPv4') continue;
    if (headlessLabel in (slice.metadata.labels ?? {})) continue;
    const key = `${slice.metadata.namespace ?? 'default'}/${svcName}`;
    let ports = out.get(key);
    if (!ports) out.set(key, (ports = new Map()));
    for (const p of slice.ports ?? []) {
      if (!p.port) continue;
      const portKey = `${p.name ?? ''}/${p.protocol ?? 'TCP'}`;
      let list = ports.get(portKey);
      if (!list) ports.set(portKey, (list = []));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses?.[0];
        if (!ip || !isIPv4(ip)) continue;
        // EndpointConditions: a nil ready means ready; serving defaults to ready (discovery/v1 types.go).
        const ready = ep.conditions?.ready ?? true;
        const ref = ep.targetRef;
        list.push({
          ip,
          port: p.port,
          address: `${ip}:${p.port}`,
          chain: '',
          local: ep.nodeName === nodeName,
          ready,
          serving: ep.conditions?.serving ?? ready,
          terminating: ep.conditions?.terminating ?? false,
          target: ref?.kind === 'Pod' && ref.name ? `${ref.namespace ?? slice.metadata.namespace}/${ref.name}` : undefined,
        });
      }
    }
  }
  return out;
}

function servicePorts(svc: Service, endpoints: Map<string, ProxyEndpoint[]> | undefined): ServicePortModel[] {
  const ns = svc.metadata.namespace ?? 'default';
  const svcName = svc.metadata.name ?? '';
  const spec = svc.spec;
  const lbIPs = (svc.status?.loadBalancer?.ingress ?? [])
    .filter((i) => i.ip && isIPv4(i.ip) && i.ipMode !== 'Proxy')
    .map((i) => i.ip as string);
  const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
  const affinity =
    spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : 0;
  const out: ServicePortModel[] = [];
  for (const p of spec.ports ?? []) {
    const protocolName = p.protocol ?? 'TCP';
    const protocol = protocolName.toLowerCase() as ServicePortModel['protocol'];
    const name = servicePortName(ns, svcName, p.name);
    const nodePort = p.nodePort ?? 0;
    const externallyAccessible = nodePort !== 0 || lbIPs.length > 0 || externalIPs.length > 0;
    const seen = new Set<string>();
    const eps: ProxyEndpoint[] = [];
    for (const ep of endpoints?.get(`${p.name ?? ''}/${protocolName}`) ?? []) {
      if (seen.has(ep.address)) continue;
      seen.add(ep.address);
      eps.push({ ...ep, chain: endpointChain(name, protocol, ep.address) });
    }
    eps.sort((a, b) => byString(a.address, b.address));
    out.push({
      source: { kind: 'Service', namespace: ns, name: svcName, port: p.name ?? '' },
      name,
      protocol,
      clusterIP: spec.clusterIP as string,
      port: p.port,
      nodePort,
      externalIPs,
      loadBalancerIPs: lbIPs,
      affinitySeconds: affinity,
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      externalPolicyLocal: externallyAccessible && spec.externalTrafficPolicy === 'Local',
      chains: servicePortChains(name, protocol),
      endpoints: eps,
    });
  }
  return out;
}

/** hostPort mappings of this node's running pods that have an IP (kind's portmap CNI does the same). */
function hostPorts(pods: Pod[], nodeName: string): HostPortModel[] {
  const out: HostPortModel[] = [];
  for (const pod of pods) {
    if (pod.spec?.nodeName !== nodeName) continue;
    const podIP = pod.status?.podIP;
    if (!podIP || pod.metadata.deletionTimestamp) continue;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      for (const port of c.ports ?? []) {
        if (!port.hostPort) continue;
        out.push({
          source: {
            kind: 'Pod',
            namespace: pod.metadata.namespace ?? 'default',
            name: pod.metadata.name ?? '',
            port: String(port.hostPort),
          },
          podIP,
          protocol: (port.protocol ?? 'TCP').toLowerCase() as HostPortModel['protocol'],
          hostPort: port.hostPort,
          hostIP: port.hostIP && port.hostIP !== '0.0.0.0' ? port.hostIP : undefined,
          containerPort: port.containerPort,
        });
      }
    }
  }
  const key = (h: HostPortModel): string => `${h.protocol}/${String(h.hostPort).padStart(5, '0')}/${h.hostIP ?? ''}/${h.podIP}`;
  return out.sort((a, b) => byString(key(a), key(b)));
}

export function buildNetworkModel(input: ModelInput): NetworkModel {
  const { node } = input;
  const endpoints = indexSlices(input.slices, node.name);
  const proxied = input.services
    .filter(isProxied)
    .sort((a, b) =>
      byString(`${a.metadata.namespace ?? 'default'}/${a.metadata.name}`, `${b.metadata.namespace ?? 'default'}/${b.metadata.name}`),
    );
  const ports: ServicePortModel[] = [];
  for (const svc of proxied) ports.push(...servicePorts(svc, endpoints.get(`${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`)));
  ports.sort((a, b) => byString(`${a.name}/${a.protocol}`, `${b.name}/${b.protocol}`));
  const owner = loadBalancerOwner(input.nodes);
  const lbIPs = new Set<string>();
  if (owner === node.name) for (const p of ports) for (const ip of p.loadBalancerIPs) lbIPs.add(ip);
  return {
    node,
    routes: desiredRoutes(input.nodes, node.name, node.podCidr),
    servicePorts: ports,
    hostPorts: hostPorts(input.pods, node.name),
    ownedLoadBalancerIPs: [...lbIPs].filter((ip) => !cidrContains(node.serviceCidr, ip)).sort(byString),
    policy: buildPolicyModel({
      nodeName: node.name,
      policies: input.policies ?? [],
      namespaces: input.namespaces ?? [],
      pods: input.pods,
      localIPs: input.localIPs,
    }),
  };
}
