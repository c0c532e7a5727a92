// How the map looks: one style per vertex kind, flows blue with their count, drops red, policy selection
// dashed. Cytoscape stylesheet (https://js.cytoscape.org/#style).
import type { NodeSingular, StylesheetJson } from 'cytoscape';

function labelBox(n: NodeSingular): { w: number; h: number } {
  const lines = String(n.data('display') ?? '').split('\n');
  return { w: Math.max(...lines.map((l) => l.length)) * 6.2 + 14, h: lines.length * 13 + 10 };
}

export const stylesheet: StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(display)',
      'font-size': 10,
      'text-wrap': 'wrap',
      'text-valign': 'center',
      'text-halign': 'center',
      // Sized to the label (cytoscape deprecated width: 'label'): ~6 px per character, 13 px per line.
      width: (n: NodeSingular) => labelBox(n).w,
      height: (n: NodeSingular) => labelBox(n).h,
      shape: 'round-rectangle',
      'background-color': '#e8f0fe',
      'border-width': 1,
      'border-color': '#8ab4f8',
    },
  },
  { selector: 'node[kind = "network"]', style: { shape: 'hexagon', 'background-color': '#d2e3fc' } },
  { selector: 'node[kind = "node"]', style: { shape: 'rectangle', 'background-color': '#c6dafc', 'border-color': '#4285f4' } },
  {
    selector: 'node[kind = "podnet"]',
    style: {
      'background-color': '#f1f8f3',
      'border-color': '#5f9e6e',
      'border-style': 'dashed',
      'text-valign': 'top',
      'text-halign': 'center',
      'font-size': 11,
      color: '#3c7a4d',
    },
  },
  { selector: 'node[kind = "pod"]', style: { 'background-color': '#e6f4ea', 'border-color': '#34a853' } },
  { selector: 'node[kind = "pod"][?notReady]', style: { 'border-color': '#f29900', 'border-style': 'dashed' } },
  { selector: 'node[kind = "pod"][?impaired]', style: { 'border-color': '#e37400', 'border-width': 3 } },
  { selector: 'node[kind = "service"]', style: { shape: 'ellipse', 'background-color': '#fef7e0', 'border-color': '#f9ab00' } },
  { selector: 'node[kind = "ingress"]', style: { shape: 'tag', 'background-color': '#f3e8fd', 'border-color': '#a142f4' } },
  { selector: 'node[kind = "policy"]', style: { shape: 'octagon', 'background-color': '#fce8e6', 'border-color': '#d93025' } },
  { selector: 'node[kind = "external"]', style: { 'background-color': '#fff', 'border-style': 'dotted' } },
  { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#202124' } },
  // The namespace filter (filter.ts); a hidden vertex's edges go with it.
  { selector: 'node.filtered', style: { display: 'none' } },
  {
    selector: 'edge',
    style: {
      width: 1,
      'line-color': '#bdc1c6',
      'curve-style': 'bezier',
      'font-size': 9,
      'text-background-color': '#fff',
      'text-background-opacity': 0.8,
      'text-background-padding': '1px',
    },
  },
  {
    selector: 'edge[kind = "endpoint"]',
    style: { 'line-color': '#f9ab00', 'target-arrow-shape': 'triangle', 'target-arrow-color': '#f9ab00' },
  },
  {
    selector: 'edge[kind = "route"]',
    style: { label: 'data(label)', 'line-color': '#a142f4', 'target-arrow-shape': 'triangle', 'target-arrow-color': '#a142f4' },
  },
  {
    selector: 'edge[kind = "selects"]',
    style: { 'line-style': 'dashed', 'line-color': '#f28b82', 'target-arrow-shape': 'circle', 'target-arrow-color': '#f28b82' },
  },
  {
    selector: 'edge[kind = "flow"]',
    style: {
      label: 'data(label)',
      width: 2.5,
      'line-color': '#1a73e8',
      'target-arrow-shape': 'triangle',
      'target-arrow-color': '#1a73e8',
      color: '#1a73e8',
      // A probe refused by a policy is also seen forwarded by its source node: the red and the blue edge
      // between the same two pods bow well apart, so each can be hovered on its own.
      'control-point-step-size': 60,
    },
  },
  {
    selector: 'edge[?dropped]',
    style: { 'line-color': '#d93025', 'target-arrow-color': '#d93025', color: '#d93025', 'target-arrow-shape': 'tee', width: 3 },
  },
];
