// Placing the vertices that join a drawn map (placement.ts says where): each new leaf goes next to its
// drawn siblings in the same pod network, else next to what its edges connect it to, else beside the map;
// a new pod network box follows its pods. Drawn vertices keep their places.
import type { Core, NodeSingular } from 'cytoscape';
import { anchorOf, type Box, freeSpot, type Point } from './placement';

function box(n: NodeSingular): Box {
  const b = n.boundingBox({ includeLabels: false });
  return { x: (b.x1 + b.x2) / 2, y: (b.y1 + b.y2) / 2, w: b.w, h: b.h };
}

/** Positions the vertices `ids` (just added to `cy`) without moving any other. */
export function placeAdded(cy: Core, ids: string[]): void {
  const fresh = new Set(ids);
  const placed = (n: NodeSingular) => !fresh.has(n.id());
  // Leaves only: a compound's box is its children's.
  const leaves = ids.map((id) => cy.getElementById(id) as NodeSingular).filter((n) => n.nonempty() && n.isChildless());
  for (const n of leaves) {
    const parent = n.parent().first() as NodeSingular;
    const siblings = parent.nonempty() ? parent.children().filter((s) => s.id() !== n.id() && placed(s as NodeSingular)) : cy.collection();
    const connected = n
      .connectedEdges()
      .connectedNodes()
      .filter((m) => m.id() !== n.id() && placed(m as NodeSingular) && m.isChildless());
    let anchor: Point | undefined;
    if (siblings.nonempty()) anchor = anchorOf(siblings.map((s) => (s as NodeSingular).position()));
    else if (parent.nonempty() && placed(parent)) anchor = parent.position();
    else anchor = anchorOf(connected.map((m) => (m as NodeSingular).position()));
    const all = cy.nodes().filter((m) => placed(m as NodeSingular));
    if (!anchor) {
      const bb = all.boundingBox({});
      anchor = all.nonempty() ? { x: bb.x2 + 80, y: (bb.y1 + bb.y2) / 2 } : { x: 0, y: 0 };
    }
    // Everything drawn is in the way, except the boxes this vertex sits inside.
    const ancestors = new Set(n.ancestors().map((a) => a.id()));
    const occupied = all.filter((m) => !ancestors.has(m.id())).map((m) => box(m as NodeSingular));
    const size = box(n);
    n.position(freeSpot(anchor, { w: size.w, h: size.h }, occupied));
    fresh.delete(n.id());
  }
}
