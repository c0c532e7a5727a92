// What a Service's endpoints are, as pure functions of the Service and its selected pods: the core/v1
// Endpoints subsets of pkg/controller/endpoint (repacked as endpoints.RepackSubsets does) and the
// discovery.k8s.io/v1 EndpointSlices of pkg/controller/endpointslice (one slice per distinct port
// mapping, at most 100 endpoints each). Named target ports are resolved per pod and protocol; a pod
// without the named port is left out of that port's subset or slice, as podutil.FindPort decides.
import type { Endpoint, EndpointAddress, EndpointPort, EndpointSlicePort, EndpointSubset, Pod, Service, ServicePort } from '@kubelab/api';
import { isPodReady } from './pod-util';

/** endpointsliceutil's maxEndpointsPerSlice default (--max-endpoints-per-slice). */
export const maxEndpointsPerSlice = 100;

const isTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** endpointutil.ShouldPodBeInEndpoints: never terminal or address-less pods; terminating ones on request. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isTerminal(pod)) return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** podutil.FindPort: a number is used as it is; a name must match a container port of the same protocol. */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  const protocol = sp.protocol ?? 'TCP';
  // Regular containers, then restartable init containers (native sidecars), as Kubernetes 1.29+ looks.
  const containers = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers)
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  return undefined;
}

/** endpointutil.ShouldSetHostname: pods naming this headless Service as their subdomain get DNS names. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return !!pod.spec.hostname && pod.spec.subdomain === svc.metadata.name && svc.spec.clusterIP === 'None';
}

const podIP = (pod: Pod): string => pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip ?? '';

function targetRef(pod: Pod) {
  return { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

function address(pod: Pod, svc: Service): EndpointAddress {
  const a: EndpointAddress = { ip: podIP(pod) };
  if (shouldSetHostname(pod, svc)) a.hostname = pod.spec.hostname;
  if (pod.spec.nodeName) a.nodeName = pod.spec.nodeName;
  a.targetRef = targetRef(pod);
  return a;
}

const byIP = (a: { ip: string; targetRef?: { uid?: string } }, b: { ip: string; targetRef?: { uid?: string } }): number =>
  ipCompare(a.ip, b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');

function ipCompare(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

const portKey = (p: EndpointPort | EndpointSlicePort): string =>
  `${p.name ?? ''}/${p.port ?? ''}/${p.protocol ?? ''}/${p.appProtocol ?? ''}`;

/**
 * The Endpoints subsets of a Service with a selector (pkg/controller/endpoint syncService + RepackSubsets):
 * ready pods under `addresses`, others under `notReadyAddresses` (all under `addresses` with
 * publishNotReadyAddresses), addresses sharing the same ports packed into one subset.
 */
export function endpointsSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const publish = !!svc.spec.publishNotReadyAddresses;
  // port key -> (address key -> [address, ready])
  const byPort = new Map<string, { port?: EndpointPort; addrs: Map<string, [EndpointAddress, boolean]> }>();
  const add = (pkey: string, port: EndpointPort | undefined, a: EndpointAddress, ready: boolean): void => {
    let entry = byPort.get(pkey);
    if (!entry) byPort.set(pkey, (entry = { port, addrs: new Map() }));
    entry.addrs.set(`${a.ip}/${a.targetRef?.uid ?? ''}`, [a, ready]);
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publish)) continue;
    const a = address(pod, svc);
    const ready = publish || isPodReady(pod);
    const ports = svc.spec.ports ?? [];
    if (!ports.length) {
      // A headless Service without ports still lists its pods (the sentinel port of RepackSubsets).
      if (svc.spec.clusterIP === 'None') add('', undefined, a, ready);
      continue;
    }
    for (const sp of ports) {
      const n = findPort(pod, sp);
      if (n === undefined) continue;
      const port: EndpointPort = { name: sp.name || undefined, port: n, protocol: sp.protocol ?? 'TCP' };
      if (!port.name) delete port.name;
      if (sp.appProtocol) port.appProtocol = sp.appProtocol;
      add(portKey(port), port, a, ready);
    }
  }
  // Ports offered by exactly the same set of (address, readiness) form one subset.
  const groups = new Map<string, EndpointSubset>();
  for (const { port, addrs } of byPort.values()) {
    const sorted = [...addrs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = sorted.map(([k, [, r]]) => `${k}:${r}`).join(',');
    let subset = groups.get(key);
    if (!subset) {
      const ready = sorted
        .filter(([, [, r]]) => r)
        .map(([, [a]]) => a)
        .sort(byIP);
      const notReady = sorted
        .filter(([, [, r]]) => !r)
        .map(([, [a]]) => a)
        .sort(byIP);
      subset = {};
      if (ready.length) subset.addresses = ready;
      if (notReady.length) subset.notReadyAddresses = notReady;
      groups.set(key, subset);
    }
    if (port) subset.ports = [...(subset.ports ?? []), port];
  }
  const out = [...groups.values()];
  for (const s of out) s.ports?.sort((a, b) => portKey(a).localeCompare(portKey(b)));
  const first = (s: EndpointSubset): string => (s.addresses ?? s.notReadyAddresses ?? [])[0]?.ip ?? '';
  return out.sort(
    (a, b) => ipCompare(first(a), first(b)) || portKey(a.ports?.[0] ?? { port: 0 }).localeCompare(portKey(b.ports?.[0] ?? { port: 0 })),
  );
}

/** getEndpointPorts: every port the pod serves, names always set ("" when unnamed), as the slice controller writes them. */
export function slicePorts(svc: Service, pod: Pod): EndpointSlicePort[] {
  const out: EndpointSlicePort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const n = findPort(pod, sp);
    if (n === undefined) continue;
    const p: EndpointSlicePort = { name: sp.name ?? '', port: n, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

/** podToEndpoint: ready means serving and not terminating, unless publishNotReadyAddresses says every pod is. */
export function podToEndpoint(pod: Pod, svc: Service, zone?: string): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = !!svc.spec.publishNotReadyAddresses || (serving && !terminating);
  const ep: Endpoint = { addresses: [podIP(pod)], conditions: { ready, serving, terminating } };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname;
  ep.targetRef = targetRef(pod);
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  if (zone) ep.zone = zone;
  return ep;
}

export interface DesiredSlice {
  /** The port mapping shared by the slice's endpoints (its identity for reuse). */
  portsKey: string;
  ports: EndpointSlicePort[];
  endpoints: Endpoint[];
}

export interface SliceInputs {
  /** Whether a node exists (pods on unknown nodes are left out unless publishNotReadyAddresses). */
  nodeExists?: (name: string) => boolean;
  /** topology.kubernetes.io/zone of a node, if any. */
  zoneOf?: (name: string) => string | undefined;
}

/**
 * The slices a Service with a selector should have: pods (terminating ones included, terminal ones never)
 * grouped by their resolved ports, sorted by address, cut into slices of `maxEndpointsPerSlice`.
 */
export function desiredSlices(svc: Service, pods: Pod[], inputs: SliceInputs = {}, max = maxEndpointsPerSlice): DesiredSlice[] {
  const groups = new Map<string, { ports: EndpointSlicePort[]; endpoints: Endpoint[] }>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const node = pod.spec.nodeName;
    if (node && inputs.nodeExists && !inputs.nodeExists(node) && !svc.spec.publishNotReadyAddresses) continue;
    const ports = slicePorts(svc, pod);
    const key = ports.map(portKey).join(',');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(podToEndpoint(pod, svc, node ? inputs.zoneOf?.(node) : undefined));
  }
  const out: DesiredSlice[] = [];
  for (const [key, g] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    g.endpoints.sort((a, b) => ipCompare(a.addresses[0], b.addresses[0]) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? ''));
    for (let i = 0; i < g.endpoints.length; i += max) out.push({ portsKey: key, ports: g.ports, endpoints: g.endpoints.slice(i, i + max) });
  }
  return out;
}

export const slicePortsKey = (ports: EndpointSlicePort[] | undefined): string => (ports ?? []).map(portKey).join(',');

/** The Endpoints controller's maxCapacity: more addresses are cut (EndpointSlices carry them all). */
export const maxEndpointsCapacity = 1000;

/**
 * truncateEndpoints: at most `max` addresses, spread over the subsets in proportion, ready addresses
 * first (not-ready ones go entirely when the ready ones alone are too many). True when something was cut.
 */
export function truncateSubsets(subsets: EndpointSubset[], max = maxEndpointsCapacity): boolean {
  let ready = 0;
  let notReady = 0;
  for (const s of subsets) {
    ready += s.addresses?.length ?? 0;
    notReady += s.notReadyAddresses?.length ?? 0;
  }
  if (ready + notReady <= max) return false;
  const truncateReady = ready > max;
  const budget = truncateReady ? max : max - ready;
  const total = truncateReady ? ready : notReady;
  let left = budget;
  for (const s of subsets) {
    const inSubset = (truncateReady ? s.addresses?.length : s.notReadyAddresses?.length) ?? 0;
    const take = Math.min(Math.ceil((inSubset / total) * budget), left);
    if (truncateReady) {
      s.addresses = s.addresses?.slice(0, take);
      delete s.notReadyAddresses;
      left -= s.addresses?.length ?? 0;
    } else {
      s.notReadyAddresses = s.notReadyAddresses?.slice(0, take);
      left -= s.notReadyAddresses?.length ?? 0;
    }
    if (!s.addresses?.length) delete s.addresses;
    if (!s.notReadyAddresses?.length) delete s.notReadyAddresses;
  }
  return true;
}
