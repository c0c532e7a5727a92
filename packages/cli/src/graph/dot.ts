// `kubelab graph -o dot`: the cluster map as Graphviz DOT. Pods sit in a cluster box per node pod network
// (DOT's subgraph cluster_*), Services, Ingresses and policies around them; dropped flows are red and name
// the deciding policy, forwarded flows carry their connection count.
import type { Edge, Graph, Vertex } from './model';

const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

const SHAPES: Record<Vertex['kind'], string> = {
  network: 'shape=hexagon, style=filled, fillcolor="#e8eef7"',
  node: 'shape=box3d, style=filled, fillcolor="#dfe8f5"',
  podnet: 'shape=box',
  pod: 'shape=box, style="rounded,filled", fillcolor="#e6f4ea"',
  service: 'shape=ellipse, style=filled, fillcolor="#fff4d6"',
  ingress: 'shape=cds, style=filled, fillcolor="#f3e8fd"',
  policy: 'shape=octagon, style=filled, fillcolor="#fde8e8"',
  external: 'shape=plaintext',
};

function vertexLabel(v: Vertex): string {
  const lines = [
    v.kind === 'pod' || v.kind === 'service' || v.kind === 'ingress' || v.kind === 'policy' ? `${v.namespace}/${v.label}` : v.label,
  ];
  if (v.kind === 'service') lines.push(`${v.serviceType} ${v.ip ?? ''}`.trim());
  else if (v.ip && v.kind !== 'network') lines.push(v.ip);
  if (v.kind === 'policy') lines.push(`selects ${v.selector}`);
  for (const n of v.netem ?? []) lines.push(`netem: ${n}`);
  for (const p of v.partitions ?? []) lines.push(`partitioned from ${p}`);
  return lines.join('\n');
}

function vertexLine(v: Vertex, indent: string): string {
  return `${indent}${q(v.id)} [label=${q(vertexLabel(v))}, ${SHAPES[v.kind]}];`;
}

function edgeLine(e: Edge): string {
  const attrs: string[] = [];
  if (e.label) attrs.push(`label=${q(e.label)}`);
  if (e.kind === 'flow' && e.dropped) attrs.push('color=red', 'fontcolor=red', 'penwidth=2');
  else if (e.kind === 'flow') attrs.push('color="#1a73e8"', 'penwidth=2');
  else if (e.kind === 'selects') attrs.push('style=dashed', 'color="#c5221f"', 'arrowhead=odot');
  else if (e.kind === 'endpoint') attrs.push('color="#b58a00"');
  else if (e.kind === 'link') attrs.push('arrowhead=none', 'color=gray');
  if (e.dropped && e.isolation) attrs.push(`tooltip=${q(`${e.isolation}: no policy allowed it`)}`);
  return `  ${q(e.source)} -> ${q(e.target)} [${attrs.join(', ')}];`;
}

export function toDot(g: Graph): string {
  const out = [
    `digraph ${q(`kubelab ${g.cluster}`)} {`,
    '  rankdir=LR;',
    '  compound=true;',
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  const children = new Map<string, Vertex[]>();
  for (const v of g.vertices) if (v.parent) children.set(v.parent, [...(children.get(v.parent) ?? []), v]);
  for (const v of g.vertices) {
    if (v.parent) continue;
    if (v.kind === 'podnet') {
      out.push(`  subgraph ${q(`cluster_${v.id}`)} {`, `    label=${q(v.label)};`, '    style=rounded;', '    color="#5f9e6e";');
      // The box itself is drawn as the cluster; an invisible point keeps the node -> pod network link drawable.
      out.push(`    ${q(v.id)} [shape=point, style=invis];`);
      for (const c of children.get(v.id) ?? []) out.push(vertexLine(c, '    '));
      out.push('  }');
    } else out.push(vertexLine(v, '  '));
  }
  for (const e of g.edges) out.push(edgeLine(e));
  out.push('}');
  return `${out.join('\n')}\n`;
}
