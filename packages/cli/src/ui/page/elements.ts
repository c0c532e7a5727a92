// The map's model (graph/model.ts) as cytoscape elements, and the diff that updates a drawn graph in place:
// new ids added (parents first), gone ids removed, changed data replaced. Positions of what stayed are kept.
import type { Core, ElementDefinition } from 'cytoscape';
import type { Edge, Graph, Vertex } from '../../graph/model';

function display(v: Vertex): string {
  const lines = [v.label];
  if (v.kind === 'pod' && v.namespace !== 'default') lines[0] = `${v.namespace}/${v.label}`;
  if (v.kind === 'service') lines.push(`${v.serviceType} ${v.ip ?? ''}`.trim());
  else if ((v.kind === 'pod' || v.kind === 'node') && v.ip) lines.push(v.ip);
  if (v.kind === 'policy') lines.push(`selects ${v.selector}`);
  for (const n of v.netem ?? []) lines.push(`⚠ netem ${n}`);
  for (const p of v.partitions ?? []) lines.push(`⚠ cut from ${p}`);
  return lines.join('\n');
}

export function vertexElement(v: Vertex): ElementDefinition {
  return {
    group: 'nodes',
    data: {
      ...v,
      display: display(v),
      notReady: v.kind === 'pod' && !v.ready,
      impaired: (v.netem?.length ?? 0) + (v.partitions?.length ?? 0) > 0,
    },
  };
}

export function edgeElement(e: Edge): ElementDefinition {
  return { group: 'edges', data: { ...e } };
}

/**
 * Applies `g` to `cy`; answers the ids of the vertices added (re-added after a parent change included), for
 * the caller to place (grow.ts). Nothing that stays moves: gone vertices just leave a gap, and new or gone
 * edges (flows come and go every second) change nothing else.
 */
/**
 * cy.batch() with an end that always runs: cytoscape's own leaves the batch open when the callback throws,
 * and every later style change (the namespace filter, a pod turning ready) then waits for an end that never
 * comes, so the map silently stops following the cluster.
 */
export function batch(cy: Core, fn: () => void): void {
  cy.startBatch();
  try {
    fn();
  } finally {
    cy.endBatch();
  }
}

export function applyGraph(cy: Core, g: Graph): string[] {
  const want = new Map<string, ElementDefinition>();
  for (const v of g.vertices) want.set(v.id, vertexElement(v));
  for (const e of g.edges) want.set(e.id, edgeElement(e));
  const added: string[] = [];
  batch(cy, () => {
    cy.elements().forEach((el) => {
      const next = want.get(el.id());
      // A vertex whose parent changed must be re-added: cytoscape moves compound children only by move().
      if (!next || (el.isNode() && (el.data('parent') ?? null) !== (next.data.parent ?? null))) el.remove();
    });
    const add: ElementDefinition[] = [];
    for (const [id, def] of want) {
      const el = cy.getElementById(id);
      if (el.empty()) add.push(def);
      else if (JSON.stringify(el.data()) !== JSON.stringify(def.data)) {
        // id, parent, source and target cannot change through data(); a changed parent was re-added above.
        const { id: _id, parent: _parent, source: _source, target: _target, ...rest } = def.data;
        for (const k of Object.keys(el.data())) if (!(k in def.data)) el.removeData(k);
        el.data(rest);
      }
    }
    if (add.length) cy.add(add);
    for (const d of add) if (d.group === 'nodes') added.push(String(d.data.id));
  });
  return added;
}
