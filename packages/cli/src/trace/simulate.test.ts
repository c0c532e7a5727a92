import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRoutes, type World } from './model';
import { parseRuleset, type Packet } from './netfilter';
import { conclusion, simulate } from './simulate';

// Rules and routes as two workers of a real 3-node cluster rendered them (iptables-save -c, ip route).
const data = (f: string) => readFileSync(new URL(`./testdata/${f}`, import.meta.url), 'utf8');
const world: World = {
  nodes: [
    {
      name: 'worker',
      ip: '172.30.0.3',
      rules: parseRuleset(data('worker.iptables')),
      routes: parseRoutes(data('worker.routes')),
      local: new Set(['172.30.0.3', '10.244.1.1']),
    },
    {
      name: 'worker2',
      ip: '172.30.0.4',
      rules: parseRuleset(data('worker2.iptables')),
      routes: parseRoutes(data('worker2.routes')),
      local: new Set(['172.30.0.4', '10.244.2.1']),
    },
  ],
  pods: [
    { namespace: 'default', name: 'client', ip: '10.244.1.4', node: 'worker' },
    { namespace: 'default', name: 'echo-a', ip: '10.244.1.3', node: 'worker' },
    { namespace: 'default', name: 'echo-b', ip: '10.244.2.2', node: 'worker2' },
    { namespace: 'default', name: 'echo-c', ip: '10.244.2.3', node: 'worker2' },
  ],
};
const client = { kind: 'pod' as const, namespace: 'default', name: 'client' };
const tcp = (dst: string, dport: number, src = '10.244.1.4'): Packet => ({
  src,
  dst,
  proto: 'tcp',
  sport: 40000,
  dport,
  mark: 0,
  ctstate: 'NEW',
});

describe('trace hop assembly', () => {
  it('pod to pod on the same node: through the agent, no NAT', () => {
    const t = simulate(world, client, tcp('10.244.1.3', 8080));
    expect(conclusion(t, '10.244.1.3:8080')).toBe('DELIVERED to default/echo-a on worker');
    expect(t.hops.map((h) => `${h.netns} ${h.where}`)).toEqual([
      'pod default/client route',
      'node agent nat:POSTROUTING',
      'node agent nat:KUBE-POSTROUTING',
      'node agent nat:POSTROUTING',
      'node agent nat:KUBELAB-POSTROUTING',
      'node agent route',
      'pod default/echo-a deliver',
    ]);
    expect(t.hops.find((h) => h.where === 'nat:KUBELAB-POSTROUTING')?.object?.text).toBe('pod to pod: no NAT');
  });

  it('pod to pod across nodes: routed to the other node', () => {
    const t = simulate(world, client, tcp('10.244.2.2', 8080));
    expect(conclusion(t, '10.244.2.2:8080')).toBe('DELIVERED to default/echo-b on worker2');
    expect(t.hops.find((h) => h.where === 'route' && h.netns === 'node agent' && h.node === 'worker')?.text).toBe(
      '10.244.2.0/24 via 172.30.0.4 dev eth0 (node worker2)',
    );
    expect(t.hops.filter((h) => h.node === 'worker2').length).toBeGreaterThan(1);
  });

  it('pod to ClusterIP: the endpoint conntrack saw, with the DNAT and the objects that made each rule', () => {
    const t = simulate(world, client, tcp('10.101.98.73', 80), { endpoint: '10.244.2.3:8080' });
    expect(conclusion(t, '10.101.98.73:80')).toBe('DELIVERED to default/echo-c on worker2 (DNAT 10.101.98.73:80 -> 10.244.2.3:8080)');
    const nat = t.hops.filter((h) => h.node === 'worker' && h.where.startsWith('nat:KUBE-S'));
    expect(nat.map((h) => [h.ruleRef, h.object?.text, h.nat])).toEqual([
      ['nat:KUBE-SERVICES:1', 'Service default/echo cluster IP', undefined],
      ['nat:KUBE-SVC-HV6DMF63W6MGLRDE:4', 'Service default/echo -> 10.244.2.3:8080 (pod default/echo-c)', undefined],
      ['nat:KUBE-SEP-SGAXMPNGNM2A5VC2:2', 'Service default/echo', '10.101.98.73:80 -> 10.244.2.3:8080'],
    ]);
  });

  it('a Service without endpoints is rejected at the client node', () => {
    const t = simulate(world, client, tcp('10.97.169.93', 80));
    expect(conclusion(t, '10.97.169.93:80')).toBe(
      'REJECTED at filter:KUBE-SERVICES:1 on worker by Service default/broken has no endpoints',
    );
  });

  it('host to a NodePort-less port on a node: delivered to the node itself', () => {
    const t = simulate(world, { kind: 'host', ip: '172.30.0.1' }, tcp('172.30.0.4', 22, '172.30.0.1'));
    expect(conclusion(t, '172.30.0.4:22')).toBe('DELIVERED to node worker2 on worker2');
  });
});
