// Traffic on the cluster map: flows (forwarded connections from the nodes' conntrack, NetworkPolicy drops
// from their drop logs) folded into one edge per source, destination and verdict. A connection addressed to
// a Service's ClusterIP is drawn to the Service (the endpoint it reached is listed in `via`), as a learner
// addressed it; a drop is drawn to the pod whose isolation refused it, red, naming the deciding policies.
import { flowKey, type Flow, type FlowEnd } from '../flows/flows';
import { vertexId } from './ids';
import type { Edge, Vertex } from './model';

export interface FlowEdgeContext {
  has(id: string): boolean;
  nodeByIp(ip: string): string | undefined;
}

function endVertex(e: FlowEnd, ctx: FlowEdgeContext): string {
  if (e.pod && ctx.has(vertexId.pod(e.pod))) return vertexId.pod(e.pod);
  const node = ctx.nodeByIp(e.ip);
  if (node && ctx.has(vertexId.node(node))) return vertexId.node(node);
  return vertexId.external(e.ip);
}

const add = <T>(list: T[] | undefined, v: T | undefined): T[] | undefined =>
  v === undefined || list?.includes(v) ? list : [...(list ?? []), v];

export function flowEdges(flows: Flow[], ctx: FlowEdgeContext): { edges: Edge[]; externals: Vertex[] } {
  const edges = new Map<string, Edge>();
  const counted = new Set<string>();
  const externals = new Map<string, Vertex>();
  for (const f of flows) {
    const key = flowKey(f);
    if (counted.has(key)) continue;
    counted.add(key);
    const source = endVertex(f.src, ctx);
    const viaService = f.service && ctx.has(vertexId.service(f.service));
    const target = viaService ? vertexId.service(f.service!) : endVertex(f.dst, ctx);
    for (const [id, end] of [
      [source, f.src],
      [target, f.dst],
    ] as const)
      if (id.startsWith('ip:') && !externals.has(id)) externals.set(id, { id, kind: 'external', label: end.ip, ip: end.ip });
    const dropped = f.verdict === 'DROPPED';
    const id = `flow:${dropped ? 'dropped' : 'forwarded'}:${source}->${target}`;
    const e = edges.get(id) ?? { id, kind: 'flow', source, target, count: 0, dropped };
    e.count = (e.count ?? 0) + 1;
    e.protocols = add(e.protocols, f.protocol);
    e.ports = add(e.ports, f.dst.port);
    if (viaService) e.via = add(e.via, f.dst.pod ?? f.dst.ip);
    if (f.time !== undefined && (e.lastSeen === undefined || f.time > e.lastSeen)) e.lastSeen = f.time;
    if (dropped) {
      for (const p of f.policies ?? []) e.policies = add(e.policies, p);
      e.policies ??= [];
      e.isolation = f.isolation;
    }
    edges.set(id, e);
  }
  for (const e of edges.values()) {
    e.protocols?.sort();
    e.ports?.sort((a, b) => a - b);
    e.via?.sort();
    e.policies?.sort();
    e.label = e.dropped
      ? `${e.count} dropped by ${e.policies?.length ? e.policies.join(', ') : 'default deny'}`
      : `${e.count} conn${e.count === 1 ? '' : 's'}`;
  }
  const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
  return { edges: [...edges.values()].sort(byId), externals: [...externals.values()].sort(byId) };
}
