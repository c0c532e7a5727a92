import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../graph/build';
import { clusterInput } from '../../graph/testdata/cluster';
import { ALL_NAMESPACES, hiddenVertices, namespacesOf } from './filter';

describe('namespace filter', () => {
  const input = clusterInput();
  input.pods.push({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'coredns-1', namespace: 'kube-system', labels: { k8s: 'dns' } },
    spec: { nodeName: 'demo-worker', containers: [{ name: 'dns', image: 'kubelab/node' }] },
    status: { phase: 'Running', podIP: '10.244.1.9' },
  });
  const g = buildGraph(input);

  it('lists the namespaces that have something drawn', () => {
    expect(namespacesOf(g)).toEqual(['default', 'kube-system']);
  });

  it("hides other namespaces' pods, Services and policies, never the nodes and pod networks", () => {
    expect(hiddenVertices(g, ALL_NAMESPACES).size).toBe(0);
    const hidden = hiddenVertices(g, 'kube-system');
    expect(hidden.has('pod:kube-system/coredns-1')).toBe(false);
    expect(hidden.has('pod:default/client')).toBe(true);
    expect(hidden.has('svc:default/web')).toBe(true);
    for (const v of g.vertices.filter((x) => ['network', 'node', 'podnet'].includes(x.kind))) expect(hidden.has(v.id)).toBe(false);
    expect(hiddenVertices(g, 'default').has('pod:kube-system/coredns-1')).toBe(true);
  });

  it('keeps an outside address only while a shown vertex talks to it', () => {
    const withExternal = {
      ...g,
      vertices: [...g.vertices, { id: 'ip:8.8.8.8', kind: 'external' as const, label: '8.8.8.8' }],
      edges: [...g.edges, { id: 'flow:x', kind: 'flow' as const, source: 'pod:default/client', target: 'ip:8.8.8.8' }],
    };
    expect(hiddenVertices(withExternal, 'default').has('ip:8.8.8.8')).toBe(false);
    expect(hiddenVertices(withExternal, 'kube-system').has('ip:8.8.8.8')).toBe(true);
  });
});
