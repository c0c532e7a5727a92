// Builds the cluster map from API objects and flows (issue 15 item 1). Pure: the same input gives the same
// graph, in a stable order, so `graph -o json` diffs cleanly and the page can patch what it drew. The
// topology (networks, nodes, pods, Services, Ingresses, policies) comes from the objects; traffic edges
// come from flows (flow-edges.ts).
import {
  formatSelector,
  type EndpointSlice,
  type Ingress,
  matchesSelector,
  type NetworkPolicy,
  type Node,
  type Pod,
  type Service,
  serviceNameLabel,
} from '@kubelab/api';
import type { Flow } from '../flows/flows';
import { netemOf, partitionsOf } from '../netem/faults';
import { specText } from '../netem/netem-spec';
import { flowEdges } from './flow-edges';
import { vertexId } from './ids';
import type { ContainerInfo, Edge, Graph, Vertex } from './model';

export interface GraphInput {
  cluster: string;
  /** The node network (a Docker bridge) and its subnet. */
  nodeSubnet?: string;
  nodes: Node[];
  pods: Pod[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  ingresses: Ingress[];
  networkPolicies: NetworkPolicy[];
  flows: Flow[];
}

const nsName = (o: { metadata: { namespace?: string; name?: string } }): string =>
  `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
const byName = <T extends { metadata: { namespace?: string; name?: string } }>(a: T, b: T): number => nsName(a).localeCompare(nsName(b));

function nodeIp(n: Node): string | undefined {
  return n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

function netemLines(o: Pod | Node): string[] {
  return netemOf(o).map((e) => `${specText(e.spec)}${e.peer ? ` to ${e.peer}` : ''}`);
}

function podVertex(p: Pod): Vertex {
  const statuses = p.status?.containerStatuses ?? [];
  const containers: ContainerInfo[] = (p.spec?.containers ?? []).map((c) => {
    const s = statuses.find((x) => x.name === c.name);
    const state = s?.state ? Object.keys(s.state)[0] : undefined;
    return { name: c.name, image: c.image ?? '', ready: !!s?.ready, restarts: s?.restartCount ?? 0, state };
  });
  const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return {
    id: vertexId.pod(nsName(p)),
    kind: 'pod',
    label: p.metadata.name!,
    parent: p.spec?.nodeName ? vertexId.podnet(p.spec.nodeName) : undefined,
    namespace: p.metadata.namespace ?? 'default',
    name: p.metadata.name,
    ip: p.status?.podIP,
    node: p.spec?.nodeName,
    status: p.metadata.deletionTimestamp ? 'Terminating' : p.status?.phase,
    ready,
    containers,
    netem: netemLines(p),
    partitions: partitionsOf(p).map((x) => x.ref),
  };
}

function servicePorts(s: Service): string[] {
  return (s.spec.ports ?? []).map(
    (p) =>
      `${p.port}/${p.protocol ?? 'TCP'}${p.targetPort !== undefined ? ` -> ${p.targetPort}` : ''}${p.nodePort ? ` (node ${p.nodePort})` : ''}`,
  );
}

export function buildGraph(input: GraphInput): Graph {
  const vertices: Vertex[] = [];
  const edges: Edge[] = [];
  const has = (id: string): boolean => vertices.some((v) => v.id === id);
  const nodes = [...input.nodes].sort(byName);
  const pods = [...input.pods].filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').sort(byName);

  vertices.push({ id: vertexId.network(), kind: 'network', label: `node network ${input.nodeSubnet ?? ''}`.trim(), ip: input.nodeSubnet });
  for (const n of nodes) {
    const name = n.metadata.name!;
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    const ip = nodeIp(n);
    vertices.push({
      id: vertexId.node(name),
      kind: 'node',
      label: name,
      name,
      ip,
      cidr: n.spec?.podCIDR,
      status: ready ? 'Ready' : 'NotReady',
      ready,
      netem: netemLines(n),
      partitions: partitionsOf(n).map((x) => x.ref),
    });
    edges.push({ id: `link:${name}`, kind: 'link', source: vertexId.network(), target: vertexId.node(name), label: ip });
    vertices.push({
      id: vertexId.podnet(name),
      kind: 'podnet',
      label: `pods on ${name} ${n.spec?.podCIDR ?? ''}`.trim(),
      node: name,
      cidr: n.spec?.podCIDR,
    });
    edges.push({ id: `link:podnet:${name}`, kind: 'link', source: vertexId.node(name), target: vertexId.podnet(name) });
  }
  for (const p of pods) {
    const v = podVertex(p);
    if (v.parent && !has(v.parent)) v.parent = undefined;
    vertices.push(v);
  }
  const podByIp = new Map(pods.filter((p) => p.status?.podIP).map((p) => [p.status!.podIP!, nsName(p)]));

  for (const s of [...input.services].sort(byName)) {
    const key = nsName(s);
    const slices = input.endpointSlices.filter(
      (e) =>
        (e.metadata.namespace ?? 'default') === (s.metadata.namespace ?? 'default') &&
        e.metadata.labels?.[serviceNameLabel] === s.metadata.name,
    );
    const endpoints = slices.flatMap((sl) =>
      (sl.endpoints ?? []).flatMap((ep) =>
        ep.addresses.map((ip) => ({
          ip,
          pod: ep.targetRef?.kind === 'Pod' ? `${ep.targetRef.namespace ?? s.metadata.namespace}/${ep.targetRef.name}` : podByIp.get(ip),
          ready: ep.conditions?.ready !== false,
        })),
      ),
    );
    endpoints.sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }));
    vertices.push({
      id: vertexId.service(key),
      kind: 'service',
      label: s.metadata.name!,
      namespace: s.metadata.namespace ?? 'default',
      name: s.metadata.name,
      ip: s.spec.clusterIP,
      serviceType: s.spec.type ?? 'ClusterIP',
      ports: servicePorts(s),
      endpoints,
    });
    for (const ep of endpoints) {
      if (ep.pod && has(vertexId.pod(ep.pod)))
        edges.push({
          id: `endpoint:${key}:${ep.ip}`,
          kind: 'endpoint',
          source: vertexId.service(key),
          target: vertexId.pod(ep.pod),
          label: ep.ready ? undefined : 'not ready',
        });
    }
  }

  for (const ing of [...input.ingresses].sort(byName)) {
    const key = nsName(ing);
    const ns = ing.metadata.namespace ?? 'default';
    const routes: NonNullable<Vertex['routes']> = [];
    const def = ing.spec.defaultBackend?.service;
    if (def)
      routes.push({ host: '*', path: '(default backend)', service: def.name, port: String(def.port?.number ?? def.port?.name ?? '') });
    for (const r of ing.spec.rules ?? [])
      for (const p of r.http?.paths ?? []) {
        const svc = p.backend.service;
        if (svc)
          routes.push({
            host: r.host ?? '*',
            path: p.path ?? '/',
            service: svc.name,
            port: String(svc.port?.number ?? svc.port?.name ?? ''),
          });
      }
    vertices.push({
      id: vertexId.ingress(key),
      kind: 'ingress',
      label: ing.metadata.name!,
      namespace: ns,
      name: ing.metadata.name,
      routes,
    });
    for (const r of routes) {
      const target = vertexId.service(`${ns}/${r.service}`);
      if (!has(target)) continue;
      edges.push({
        id: `route:${key}:${r.host}${r.path}`,
        kind: 'route',
        source: vertexId.ingress(key),
        target,
        label: `${r.host === '*' ? '' : r.host}${r.path}`,
      });
    }
  }

  for (const np of [...input.networkPolicies].sort(byName)) {
    const key = nsName(np);
    const ns = np.metadata.namespace ?? 'default';
    const types = np.spec.policyTypes ?? (np.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    vertices.push({
      id: vertexId.policy(key),
      kind: 'policy',
      label: np.metadata.name!,
      namespace: ns,
      name: np.metadata.name,
      selector: formatSelector(np.spec.podSelector) || '<none> (all pods)',
      policyTypes: types,
    });
    for (const p of pods)
      if ((p.metadata.namespace ?? 'default') === ns && matchesSelector(np.spec.podSelector, p.metadata.labels ?? {}))
        edges.push({ id: `selects:${key}:${nsName(p)}`, kind: 'selects', source: vertexId.policy(key), target: vertexId.pod(nsName(p)) });
  }

  const nodeByIp = new Map(nodes.filter((n) => nodeIp(n)).map((n) => [nodeIp(n)!, n.metadata.name!]));
  const flow = flowEdges(input.flows, {
    has,
    nodeByIp: (ip) => nodeByIp.get(ip),
  });
  vertices.push(...flow.externals);
  edges.push(...flow.edges);
  return { cluster: input.cluster, vertices, edges };
}
