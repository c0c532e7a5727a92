// The page's namespace filter: which vertices a leader sees when one namespace is picked (say the lab's),
// so kube-system's DNS pods and the ingress controller do not crowd an exercise's map. The cluster's own
// shape (node network, nodes, pod networks) always stays; an outside address stays while a shown vertex
// talks to it. Pure, on the model.
import type { Graph } from '../../graph/model';

export const ALL_NAMESPACES = '';

/** The namespaces with something drawn, sorted. */
export function namespacesOf(g: Graph): string[] {
  return [...new Set(g.vertices.flatMap((v) => (v.namespace ? [v.namespace] : [])))].sort();
}

/** Ids of the vertices hidden when only `namespace` is shown (none for ALL_NAMESPACES). */
export function hiddenVertices(g: Graph, namespace: string): Set<string> {
  const hidden = new Set<string>();
  if (namespace === ALL_NAMESPACES) return hidden;
  for (const v of g.vertices) if (v.namespace !== undefined && v.namespace !== namespace) hidden.add(v.id);
  const talking = new Set<string>();
  for (const e of g.edges) {
    if (!hidden.has(e.source)) talking.add(e.target);
    if (!hidden.has(e.target)) talking.add(e.source);
  }
  for (const v of g.vertices) if (v.kind === 'external' && !talking.has(v.id)) hidden.add(v.id);
  return hidden;
}
