import cytoscape, { type NodeSingular } from 'cytoscape';
import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '@kubelab/api';
import { buildGraph } from '../../graph/build';
import { clusterInput } from '../../graph/testdata/cluster';
import { applyGraph } from './elements';
import { placeAdded } from './grow';
import { stylesheet } from './style';

function overlapping(cy: cytoscape.Core, id: string): string[] {
  const a = cy.getElementById(id).boundingBox({ includeLabels: false });
  const ancestors = new Set(
    cy
      .getElementById(id)
      .ancestors()
      .map((x) => x.id()),
  );
  return cy
    .nodes()
    .filter((n) => n.id() !== id && !ancestors.has(n.id()))
    .filter((n) => {
      const b = n.boundingBox({ includeLabels: false });
      return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
    })
    .map((n) => n.id());
}

describe('placeAdded', () => {
  it('puts new vertices beside their neighbours, clear of everything drawn, and moves nothing else', () => {
    const cy = cytoscape({ headless: true, style: stylesheet, styleEnabled: true });
    const input = clusterInput();
    applyGraph(cy, buildGraph(input));
    cy.layout({ name: 'grid', padding: 10, spacingFactor: 3 }).run();
    const before = new Map(cy.nodes().map((n) => [n.id(), { ...(n as NodeSingular).position() }]));

    // A third web pod on worker2 and a new Service in front of the client.
    const web3 = structuredClone(input.pods.find((p) => p.metadata.name === 'web-2')!) as Pod;
    web3.metadata.name = 'web-3';
    web3.status!.podIP = '10.244.2.9';
    input.pods.push(web3);
    const svc = structuredClone(input.services[0]) as Service;
    svc.metadata.name = 'client';
    svc.spec!.clusterIP = '10.96.0.30';
    svc.spec!.selector = { app: 'client' };
    input.services.push(svc);
    const added = applyGraph(cy, buildGraph(input));
    expect(added).toEqual(expect.arrayContaining(['pod:default/web-3', 'svc:default/client']));
    placeAdded(cy, added);

    for (const [id, p] of before) if (!cy.getElementById(id).isParent()) expect(cy.getElementById(id).position(), id).toEqual(p);
    for (const id of added) expect(overlapping(cy, id), id).toEqual([]);
    // web-3 sits by web-2, its only sibling in worker2's pod network.
    const d = (a: string, b: string) => {
      const p = cy.getElementById(a).position();
      const q = cy.getElementById(b).position();
      return Math.hypot(p.x - q.x, p.y - q.y);
    };
    const nearest = cy
      .nodes()
      .filter((n) => n.id() !== 'pod:default/web-3' && n.isChildless())
      .map((n) => n.id())
      .sort((a, b) => d('pod:default/web-3', a) - d('pod:default/web-3', b))[0];
    expect(nearest).toBe('pod:default/web-2');
    expect(cy.getElementById('pod:default/web-3').data('parent')).toBe('podnet:demo-worker2');
  });
});
