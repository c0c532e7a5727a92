/// <reference lib="dom" />
// The `kubelab ui` page: draws the cluster map with cytoscape (compound nodes: pods inside their node's pod
// network) laid out by fcose, follows the server's Server-Sent Events, and shows details on click and the
// deciding policy on hover of a red edge. window.kubelab exposes the state for the browser test.
import cytoscape, { type EdgeSingular, type LayoutOptions } from 'cytoscape';
import fcose from 'cytoscape-fcose';
import type { Graph, Vertex } from '../../graph/model';
import { applyGraph } from './elements';
import { Panel } from './panel';
import { stylesheet } from './style';

cytoscape.use(fcose);

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const cy = cytoscape({ container: $('graph'), style: stylesheet });
const panel = new Panel($('panel'));
const tip = $('tip');
const state = { cy, graph: undefined as Graph | undefined, updates: 0, mode: '' };
(window as unknown as { kubelab: typeof state }).kubelab = state;

// A full layout whenever vertices come or go: fcose's incremental mode (randomize: false) starts new
// vertices at the origin and left pod-network boxes overlapping.
function layout(): void {
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

function render(g: Graph): void {
  state.graph = g;
  state.updates++;
  if (applyGraph(cy, g)) layout();
}

async function start(): Promise<void> {
  const info = (await (await fetch('/api/info')).json()) as { mode: string; cluster: string };
  state.mode = info.mode;
  $('cluster').textContent = `cluster ${info.cluster}`;
  if (info.mode !== 'live') $('mode').textContent = info.mode;
  const status = $('status');
  const es = new EventSource('/events');
  es.addEventListener('graph', (ev) => render(JSON.parse((ev as MessageEvent).data) as Graph));
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
