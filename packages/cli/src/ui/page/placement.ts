// Where a vertex that joins a drawn map goes: next to what it is connected to (its edges' other ends, else
// the siblings in its pod network), on the first free spot of a spiral around them. Vertices already drawn
// never move, so a pod that starts or a Service that is created does not reshuffle the picture a workshop
// is looking at. Pure (no cytoscape): positions and boxes in model coordinates.

export interface Point {
  x: number;
  y: number;
}

/** A drawn vertex's box: centre and size. */
export interface Box extends Point {
  w: number;
  h: number;
}

const GAP = 16;

function overlaps(a: Box, b: Box): boolean {
  return Math.abs(a.x - b.x) * 2 < a.w + b.w + GAP && Math.abs(a.y - b.y) * 2 < a.h + b.h + GAP;
}

/** The middle of the anchors (connected vertices), or undefined when there are none. */
export function anchorOf(anchors: Point[]): Point | undefined {
  if (anchors.length === 0) return undefined;
  return { x: anchors.reduce((s, p) => s + p.x, 0) / anchors.length, y: anchors.reduce((s, p) => s + p.y, 0) / anchors.length };
}

/**
 * The first spot near `anchor` where a `size` box overlaps none of `occupied`: the anchor itself, then rings
 * of candidates around it, each ring one box-size further out. Deterministic, so the same map grows the same
 * way for everyone looking at it.
 */
export function freeSpot(anchor: Point, size: { w: number; h: number }, occupied: Box[], maxRings = 40): Point {
  const fits = (p: Point) => !occupied.some((b) => overlaps({ ...p, ...size }, b));
  if (fits(anchor)) return anchor;
  const step = Math.max(size.w, size.h) / 2 + GAP;
  for (let ring = 1; ring <= maxRings; ring++) {
    const r = ring * step;
    const n = 8 * ring;
    for (let i = 0; i < n; i++) {
      // Start to the right and go round: a new pod lines up beside its siblings first.
      const a = (2 * Math.PI * i) / n;
      const p = { x: anchor.x + r * Math.cos(a), y: anchor.y + r * Math.sin(a) };
      if (fits(p)) return p;
    }
  }
  return { x: anchor.x + (maxRings + 1) * step, y: anchor.y };
}
