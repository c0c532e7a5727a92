/// <reference lib="dom" />
// The `kubelab ui` page: draws the cluster map with cytoscape (compound nodes: pods inside their node's pod
// network) laid out by fcose once (again when the leader presses "tidy layout"), follows the server's Server-Sent Events (vertices that join are placed
// beside their neighbours, nothing drawn moves: grow.ts), filters by namespace (?namespace=NS), and shows
// details on click and the deciding policy on hover of a red edge. window.kubelab exposes the state for the
// browser test and bench/ui.mjs.
import cytoscape, { type EdgeSingular, type LayoutOptions } from 'cytoscape';
import fcose from 'cytoscape-fcose';
import type { Graph, Vertex } from '../../graph/model';
import { applyGraph, batch } from './elements';
import { ALL_NAMESPACES, hiddenVertices, namespacesOf } from './filter';
import { placeAdded } from './grow';
import { Panel } from './panel';
import { stylesheet } from './style';

cytoscape.use(fcose);

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const cy = cytoscape({ container: $('graph'), style: stylesheet });
const panel = new Panel($('panel'));
const tip = $('tip');
const nsSelect = $('ns') as HTMLSelectElement;
const state = {
  cy,
  graph: undefined as Graph | undefined,
  updates: 0,
  /** Full layouts run (only the first drawing has one). */
  layouts: 0,
  mode: '',
  /** Graph messages the page failed to draw (shown in the status line; the next message tries again). */
  errors: [] as string[],
  namespace: new URLSearchParams(location.search).get('namespace') ?? ALL_NAMESPACES,
};
(window as unknown as { kubelab: typeof state }).kubelab = state;

// A full layout for the first drawing, and again only when the leader asks ("tidy layout"). Later vertices
// are placed beside their neighbours (grow.ts): a re-layout would reshuffle the picture everyone is looking
// at, and fcose's incremental mode (randomize: false) starts new vertices at the origin and left pod-network
// boxes overlapping.
function layout(): void {
  state.layouts++;
  const opts = {
    name: 'fcose',
    animate: false,
    randomize: true,
    quality: 'proof',
    fit: true,
    padding: 24,
    nodeDimensionsIncludeLabels: true,
    idealEdgeLength: 80,
    nodeSeparation: 90,
  };
  cy.layout(opts as LayoutOptions).run();
  cy.fit(undefined, 24);
}

function edgeText(e: EdgeSingular): string {
  const d = e.data();
  if (d.kind !== 'flow') return d.label ?? d.kind;
  const ports = d.ports?.length ? ` port ${d.ports.join(',')}` : '';
  if (d.dropped)
    return `DROPPED ${d.count}× ${d.protocols?.join('/') ?? ''}${ports} by ${d.policies?.length ? `NetworkPolicy ${d.policies.join(', ')}` : 'default deny'} (${d.isolation}: no policy allowed it)`;
  return `${d.count} connection${d.count === 1 ? '' : 's'} ${d.protocols?.join('/') ?? ''}${ports}${d.via?.length ? ` via ${d.via.join(', ')}` : ''}`;
}

cy.on('mouseover', 'edge', (ev) => {
  tip.textContent = edgeText(ev.target as EdgeSingular);
  tip.dataset.edge = ev.target.id();
  const p = ev.renderedPosition ?? { x: 0, y: 0 };
  const box = $('graph').getBoundingClientRect();
  tip.style.left = `${box.left + p.x + 12}px`;
  tip.style.top = `${box.top + p.y + 12}px`;
  tip.hidden = false;
});
cy.on('mouseout', 'edge', () => {
  tip.hidden = true;
});
cy.on('tap', 'node', (ev) => panel.show(ev.target.data() as Vertex));
cy.on('tap', (ev) => {
  if (ev.target === cy) panel.show(undefined);
});

function showNamespaces(g: Graph): void {
  const want = [ALL_NAMESPACES, ...new Set([...namespacesOf(g), ...(state.namespace ? [state.namespace] : [])])];
  const have = Array.from(nsSelect.options, (o) => o.value);
  if (want.join('\n') !== have.join('\n'))
    nsSelect.replaceChildren(...want.map((ns) => new Option(ns || 'all namespaces', ns, false, ns === state.namespace)));
  nsSelect.value = state.namespace;
}

function applyFilter(): void {
  if (!state.graph) return;
  const hidden = hiddenVertices(state.graph, state.namespace);
  batch(cy, () => cy.nodes().forEach((n) => void n.toggleClass('filtered', hidden.has(n.id()))));
  // A tooltip whose edge went away (filtered out, or gone from the cluster) gets no mouseout.
  const shown = tip.dataset.edge ? cy.getElementById(tip.dataset.edge) : undefined;
  if (!tip.hidden && (!shown || shown.empty() || !shown.visible())) tip.hidden = true;
}

/** Zooms out only when a placed vertex fell outside the view (the layout itself stays). */
function keepInView(ids: string[]): void {
  const ext = cy.extent();
  const out = ids.some((id) => {
    const p = cy.getElementById(id).position();
    return p.x < ext.x1 || p.x > ext.x2 || p.y < ext.y1 || p.y > ext.y2;
  });
  if (out) cy.fit(undefined, 24);
}

function render(g: Graph): void {
  const first = cy.nodes().empty();
  state.graph = g;
  const added = applyGraph(cy, g);
  if (first && added.length) layout();
  else if (added.length) {
    placeAdded(cy, added);
    keepInView(added);
  }
  showNamespaces(g);
  applyFilter();
  state.updates++;
}

// Vertices that leave take their place with them; the leader decides when the picture may move.
$('tidy').addEventListener('click', () => {
  if (cy.nodes().nonempty()) layout();
});

nsSelect.addEventListener('change', () => {
  state.namespace = nsSelect.value;
  const u = new URL(location.href);
  if (state.namespace) u.searchParams.set('namespace', state.namespace);
  else u.searchParams.delete('namespace');
  history.replaceState(null, '', u);
  applyFilter();
});

async function start(): Promise<void> {
  const info = (await (await fetch('/api/info')).json()) as { mode: string; cluster: string };
  state.mode = info.mode;
  $('cluster').textContent = `cluster ${info.cluster}`;
  if (info.mode !== 'live') $('mode').textContent = info.mode;
  const status = $('status');
  const es = new EventSource('/events');
  es.addEventListener('graph', (ev) => {
    try {
      render(JSON.parse((ev as MessageEvent).data) as Graph);
    } catch (err) {
      // One bad message must not stop the map: the next graph is whole and is drawn over it.
      state.errors.push(String((err as Error)?.stack ?? err));
      console.error('kubelab ui: could not draw a graph update', err);
    }
  });
  es.onopen = () => {
    status.textContent = 'live';
    status.className = 'live';
  };
  es.onerror = () => {
    status.textContent = 'disconnected (retrying)';
    status.className = 'down';
  };
}

void start();
