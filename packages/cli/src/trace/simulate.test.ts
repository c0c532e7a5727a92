import { describe, expect, it } from 'vitest';
import type { Packet } from './netfilter';
import { conclusion, destinationsOf, simulate } from './simulate';
import { world } from './testdata/world';

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

describe('destinationsOf', () => {
  it("a Service's address and each of its endpoints (the DNAT's choices); a pod's address alone", () => {
    const udp = (dst: string, dport: number): Packet => ({
      src: '10.244.1.4',
      dst,
      proto: 'udp',
      sport: 0,
      dport,
      mark: 0,
      ctstate: 'NEW',
    });
    expect(destinationsOf(world, client, udp('10.96.0.10', 53))).toEqual([
      { dst: '10.96.0.10', dport: 53 },
      { dst: '10.244.0.3', dport: 53 },
      { dst: '10.244.0.4', dport: 53 },
    ]);
    expect(destinationsOf(world, client, udp('10.244.2.2', 9000))).toEqual([{ dst: '10.244.2.2', dport: 9000 }]);
  });
});
