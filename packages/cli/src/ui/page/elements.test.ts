import cytoscape from 'cytoscape';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../graph/build';
import { clusterInput, dropped } from '../../graph/testdata/cluster';
import { applyGraph, batch } from './elements';
import { stylesheet } from './style';

describe('applyGraph', () => {
  it('draws the model, pods inside their pod network, then updates in place and names the vertices added', () => {
    const cy = cytoscape({ headless: true });
    expect(applyGraph(cy, buildGraph(clusterInput()))).toContain('pod:default/web-2');
    expect(cy.getElementById('pod:default/web-2').data('parent')).toBe('podnet:demo-worker2');
    expect(cy.getElementById('podnet:demo-worker2').isParent()).toBe(true);
    expect(cy.getElementById('pod:default/client').data('display')).toBe('client\n10.244.1.2\n⚠ netem delay 100ms loss 5%');
    expect(cy.getElementById('pod:default/client').data('impaired')).toBe(true);

    // The same graph again: nothing to place.
    expect(applyGraph(cy, buildGraph(clusterInput()))).toEqual([]);

    // A drop adds a red edge (no new vertex: the picture stays); a second drop on it only changes its data.
    expect(applyGraph(cy, buildGraph(clusterInput([dropped(1, 1000)])))).toEqual([]);
    const red = cy.$('edge[kind = "flow"][?dropped]');
    expect(red.map((e) => e.id())).toEqual(['flow:dropped:pod:default/client->pod:default/web-2']);
    expect(applyGraph(cy, buildGraph(clusterInput([dropped(1, 1000), dropped(2, 2000)])))).toEqual([]);
    expect(cy.getElementById(red.id()).data('count')).toBe(2);

    // A pod gone is removed with its edges.
    const input = clusterInput();
    input.pods = input.pods.filter((p) => p.metadata.name !== 'web-2');
    expect(applyGraph(cy, buildGraph(input))).toEqual([]);
    expect(cy.getElementById('pod:default/web-2').empty()).toBe(true);
    expect(cy.$('edge[target = "pod:default/web-2"]').length).toBe(0);
  });
});

describe('batch', () => {
  it('ends the batch when its callback throws, so later style changes still apply', () => {
    const cy = cytoscape({ headless: true, styleEnabled: true, style: stylesheet });
    applyGraph(cy, buildGraph(clusterInput()));
    const client = cy.getElementById('pod:default/client');
    expect(() =>
      batch(cy, () => {
        client.addClass('filtered');
        throw new Error('a bad graph');
      }),
    ).toThrow('a bad graph');
    expect(client.visible()).toBe(false);
    batch(cy, () => void client.removeClass('filtered'));
    expect(client.visible()).toBe(true);
  });
});
