import { describe, expect, it } from 'vitest';
import { buildGraph } from './build';
import { clusterInput, dropped, forwarded } from './testdata/cluster';

describe('buildGraph', () => {
  const g = buildGraph(clusterInput());
  const v = (id: string) => g.vertices.find((x) => x.id === id);
  const edgesOf = (kind: string) => g.edges.filter((e) => e.kind === kind).map((e) => `${e.source} -> ${e.target}`);

  it('draws the node network, each node and its pod network, pods inside their node pod network', () => {
    expect(g.vertices.filter((x) => ['network', 'node', 'podnet'].includes(x.kind)).map((x) => x.id)).toEqual([
      'network',
      'node:demo-worker',
      'podnet:demo-worker',
      'node:demo-worker2',
      'podnet:demo-worker2',
    ]);
    expect(v('network')?.label).toBe('node network 172.30.0.0/24');
    expect(v('node:demo-worker')).toMatchObject({ ip: '172.30.0.3', cidr: '10.244.1.0/24', status: 'Ready' });
    expect(v('pod:default/web-2')).toMatchObject({ parent: 'podnet:demo-worker2', ip: '10.244.2.3', node: 'demo-worker2', ready: true });
    expect(v('pod:default/web-1')?.containers).toEqual([
      { name: 'main', image: 'kubelab/echo:latest', ready: true, restarts: 1, state: 'running' },
    ]);
    expect(edgesOf('link')).toEqual([
      'network -> node:demo-worker',
      'node:demo-worker -> podnet:demo-worker',
      'network -> node:demo-worker2',
      'node:demo-worker2 -> podnet:demo-worker2',
    ]);
  });

  it('shows a pod netem impairment from its kubelab.io/netem annotation', () => {
    expect(v('pod:default/client')?.netem).toEqual(['delay 100ms loss 5%']);
    expect(v('pod:default/web-1')?.netem).toEqual([]);
  });

  it('links a Service to its endpoints, an Ingress route to its Service, a policy to the pods it selects', () => {
    expect(v('svc:default/web')).toMatchObject({ ip: '10.96.0.20', serviceType: 'ClusterIP', ports: ['80/TCP -> 8080'] });
    expect(v('svc:default/web')?.endpoints).toEqual([
      { ip: '10.244.1.3', pod: 'default/web-1', ready: true },
      { ip: '10.244.2.3', pod: 'default/web-2', ready: true },
    ]);
    expect(edgesOf('endpoint')).toEqual(['svc:default/web -> pod:default/web-1', 'svc:default/web -> pod:default/web-2']);
    expect(g.edges.find((e) => e.kind === 'route')).toMatchObject({
      source: 'ing:default/shop',
      target: 'svc:default/web',
      label: 'shop.local/',
    });
    expect(v('np:default/deny-web')).toMatchObject({ selector: 'app=web', policyTypes: ['Ingress'] });
    expect(edgesOf('selects')).toEqual(['np:default/deny-web -> pod:default/web-1', 'np:default/deny-web -> pod:default/web-2']);
  });

  it('folds flows into counted edges: to the Service they addressed, dropped ones red with the deciding policy', () => {
    const flows = [
      forwarded(40001, '10.244.1.3', 'default/web-1'),
      forwarded(40002, '10.244.2.3', 'default/web-2'),
      // The same connection reported twice (both nodes' conntrack) counts once.
      { ...forwarded(40002, '10.244.2.3', 'default/web-2'), node: 'demo-worker2' },
      dropped(40010, 1_000),
      dropped(40011, 2_000),
    ];
    const flowsOnly = buildGraph(clusterInput(flows)).edges.filter((e) => e.kind === 'flow');
    expect(flowsOnly).toEqual([
      {
        id: 'flow:dropped:pod:default/client->pod:default/web-2',
        kind: 'flow',
        source: 'pod:default/client',
        target: 'pod:default/web-2',
        count: 2,
        dropped: true,
        protocols: ['TCP'],
        ports: [8080],
        policies: ['default/deny-web'],
        isolation: 'ingress of default/web-2',
        lastSeen: 2_000,
        label: '2 dropped by default/deny-web',
      },
      {
        id: 'flow:forwarded:pod:default/client->svc:default/web',
        kind: 'flow',
        source: 'pod:default/client',
        target: 'svc:default/web',
        count: 2,
        dropped: false,
        protocols: ['TCP'],
        ports: [8080],
        via: ['default/web-1', 'default/web-2'],
        label: '2 conns',
      },
    ]);
  });

  it('draws an address that is no pod or node as an external vertex, a node address as its node', () => {
    const host = { ...forwarded(40003, '10.244.1.3', 'default/web-1'), src: { ip: '172.30.0.1', port: 5000 }, service: undefined };
    const fromNode = { ...host, src: { ip: '172.30.0.4', port: 5001 } };
    const g2 = buildGraph(clusterInput([host, fromNode]));
    expect(g2.vertices.find((x) => x.id === 'ip:172.30.0.1')).toEqual({
      id: 'ip:172.30.0.1',
      kind: 'external',
      label: '172.30.0.1',
      ip: '172.30.0.1',
    });
    expect(g2.edges.filter((e) => e.kind === 'flow').map((e) => e.id)).toEqual([
      'flow:forwarded:ip:172.30.0.1->pod:default/web-1',
      'flow:forwarded:node:demo-worker2->pod:default/web-1',
    ]);
  });

  it('leaves finished pods out and keeps a pending pod outside any pod network', () => {
    const input = clusterInput();
    input.pods.push({ ...input.pods[0], metadata: { ...input.pods[0].metadata, name: 'done' }, status: { phase: 'Succeeded' } });
    input.pods.push({
      ...input.pods[0],
      metadata: { ...input.pods[0].metadata, name: 'pending' },
      spec: { containers: [] },
      status: { phase: 'Pending' },
    });
    const g3 = buildGraph(input);
    expect(g3.vertices.some((x) => x.id === 'pod:default/done')).toBe(false);
    expect(g3.vertices.find((x) => x.id === 'pod:default/pending')?.parent).toBeUndefined();
  });
});
