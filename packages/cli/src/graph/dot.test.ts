import { describe, expect, it } from 'vitest';
import { buildGraph } from './build';
import { toDot } from './dot';
import { clusterInput, dropped, forwarded } from './testdata/cluster';

describe('toDot', () => {
  const dot = toDot(buildGraph(clusterInput([forwarded(40001, '10.244.1.3', 'default/web-1'), dropped(40010, 1_000)])));

  it('puts pods in a cluster box per node pod network', () => {
    expect(dot).toContain('subgraph "cluster_podnet:demo-worker" {\n    label="pods on demo-worker 10.244.1.0/24";');
    expect(dot).toMatch(/subgraph "cluster_podnet:demo-worker2" \{[^}]*"pod:default\/web-2" \[label="default\/web-2\\n10\.244\.2\.3"/);
  });

  it('labels a Service with its type and ClusterIP, a pod with its netem impairment', () => {
    expect(dot).toContain('"svc:default/web" [label="default/web\\nClusterIP 10.96.0.20", shape=ellipse');
    expect(dot).toContain('"pod:default/client" [label="default/client\\n10.244.1.2\\nnetem: delay 100ms loss 5%"');
  });

  it('draws dropped flows red naming the policy, forwarded ones with their count', () => {
    expect(dot).toContain(
      '"pod:default/client" -> "pod:default/web-2" [label="1 dropped by default/deny-web", color=red, fontcolor=red, penwidth=2, tooltip="ingress of default/web-2: no policy allowed it"];',
    );
    expect(dot).toContain('"pod:default/client" -> "svc:default/web" [label="1 conn", color="#1a73e8", penwidth=2];');
  });

  it('is a complete digraph with quoted ids', () => {
    expect(dot.startsWith('digraph "kubelab demo" {\n')).toBe(true);
    expect(dot.endsWith('}\n')).toBe(true);
    expect(dot.match(/\{/g)?.length).toBe(dot.match(/\}/g)?.length);
  });
});
