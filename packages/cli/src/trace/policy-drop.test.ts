import { describe, expect, it } from 'vitest';
import { parseRoutes, type World } from './model';
import { parseRuleset } from './netfilter';
import { formatTrace } from './format';
import { applyEvidence } from './evidence';
import { parseTrace } from './nftrace';
import { conclusion, droppedRows, simulate } from './simulate';

// The policy chains as the node agent renders them (packages/node-agent/src/network/policy-rules.ts):
// pod x/a (10.244.1.2) isolated for ingress by x/web, which allows only 10.244.2.2 to port 8080.
const filter = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBELAB-NETPOL - [0:0]
:KUBELAB-NPI-KNLBO24SYOI6HFQJ - [0:0]
:KUBELAB-NPR-2RZH5ZZFEMBXJDZK - [0:0]
[9:540] -A FORWARD -m comment --comment "kubelab network policies" -j KUBELAB-NETPOL
[0:0] -A KUBELAB-NETPOL -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies and established flows pass" -j ACCEPT
[0:0] -A KUBELAB-NETPOL -d 10.244.1.2/32 -m comment --comment "x/a ingress" -j KUBELAB-NPI-KNLBO24SYOI6HFQJ
[0:0] -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -s 10.244.1.2/32 -m comment --comment "x/a to itself" -j RETURN
[0:0] -A KUBELAB-NPR-2RZH5ZZFEMBXJDZK -s 10.244.2.2/32 -p tcp -m multiport --dports 8080,9000:9010 -j MARK --set-xmark 0x20000/0x20000
[0:0] -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -j KUBELAB-NPR-2RZH5ZZFEMBXJDZK
[0:0] -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -m mark --mark 0x20000/0x20000 -m comment --comment "netpol x/web allowed ingress to a" -j RETURN
[0:0] -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -m comment --comment "netpol x/web dropped ingress to a"
[0:0] -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -m limit --limit 20/sec --limit-burst 50 -j NFLOG --nflog-group 100 --nflog-prefix KUBELAB-NPI-KNLBO24SYOI6HFQJ --nflog-size 128
[0:0] -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -m comment --comment "x/a isolated for ingress: no policy allowed it" -j DROP
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
COMMIT
`;

const world: World = {
  nodes: [
    {
      name: 'w1',
      ip: '172.30.0.3',
      rules: parseRuleset(filter),
      routes: parseRoutes('10.244.1.0/24 dev eth1 proto kernel scope link src 10.244.1.1\n10.244.2.0/24 via 172.30.0.4 dev eth0'),
      local: new Set(['172.30.0.3', '10.244.1.1']),
    },
  ],
  pods: [
    { namespace: 'x', name: 'a', ip: '10.244.1.2', node: 'w1' },
    { namespace: 'x', name: 'client', ip: '10.244.1.5', node: 'w1' },
  ],
};

describe('a NetworkPolicy drop in a trace', () => {
  it('names the policy and the isolation that dropped the packet', () => {
    const t = simulate(
      world,
      { kind: 'pod', namespace: 'x', name: 'client' },
      { src: '10.244.1.5', dst: '10.244.1.2', proto: 'tcp', sport: 40000, dport: 8080, mark: 0, ctstate: 'NEW' },
    );
    expect(conclusion(t, '10.244.1.2:8080')).toBe(
      'DROPPED at filter:KUBELAB-NPI-KNLBO24SYOI6HFQJ:6 on w1 by NetworkPolicy x/web (ingress isolation of pod x/a: no policy allowed it)',
    );
    expect(t.hops.some((h) => h.uncertain)).toBe(false);
    expect(t.hops.map((h) => h.object?.text).filter(Boolean)).toEqual([
      'kubelab network policies',
      'ingress policy chain of pod x/a',
      'NetworkPolicy x/web (dropped ingress to a)',
      'ingress isolation of pod x/a: no policy allowed it',
    ]);
  });

  it('--dropped-only keeps the rows that decided the drop, numbered as in the whole path', () => {
    const t = simulate(
      world,
      { kind: 'pod', namespace: 'x', name: 'client' },
      { src: '10.244.1.5', dst: '10.244.1.2', proto: 'tcp', sport: 40000, dport: 8080, mark: 0, ctstate: 'NEW' },
    );
    const rows = droppedRows(t);
    expect(rows.map((h) => h.object?.text)).toEqual([
      'NetworkPolicy x/web (dropped ingress to a)',
      'ingress isolation of pod x/a: no policy allowed it',
    ]);
    // The kernel's trace of the dropped packet: TTL 63 at the policy rules (after routing), interfaces in and out.
    const run = parseTrace(
      [
        'PACKET: 2 aa IN=eth1 OUT=eth1 SRC=10.244.1.5 DST=10.244.1.2 TTL=63 SPORT=40000 DPORT=8080 SYN',
        ' TRACE: 2 aa filter:KUBELAB-NPI-KNLBO24SYOI6HFQJ:rule:0x9:CONTINUE  -4 -t filter -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -m comment --comment "netpol x/web dropped ingress to a"',
        ' TRACE: 2 aa filter:KUBELAB-NPI-KNLBO24SYOI6HFQJ:rule:0xb:DROP  -4 -t filter -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -m comment --comment "x/a isolated for ingress: no policy allowed it" -j DROP',
      ].join('\n'),
    );
    applyEvidence(t.hops, { before: new Map(), after: new Map(), runs: new Map([['w1', run]]) });
    const text = formatTrace({
      headline: 'trace',
      hops: rows,
      numbers: rows.map((h) => t.hops.indexOf(h) + 1),
      conclusion: conclusion(t, '10.244.1.2:8080'),
      explainOnly: false,
    });
    expect(text).toMatch(/^HOP\s+NODE\s+NETNS\s+IFACE\s+WHERE\s+PKTS\s+TTL\s+RULE \/ ROUTE\s+OBJECT\s+NAT\s+KERNEL TRACE$/m);
    // The TTL shows where it changes: on the first row the kernel saw, not again on the next.
    expect(text).toMatch(
      /^\d+\s+w1\s+node agent\s+eth1 -> eth1\s+filter:KUBELAB-NPI-KNLBO24SYOI6HFQJ:4\s+\?\s+63\s+NetworkPolicy x\/web \(dropped ingress to a\)\s+matched$/m,
    );
    expect(text).toMatch(
      /^\d+\s+w1\s+node agent\s+eth1 -> eth1\s+filter:KUBELAB-NPI-KNLBO24SYOI6HFQJ:6\s+\?\s+-j DROP\s+ingress isolation/m,
    );
    expect(
      text
        .split('\n')
        .filter((l) => /^\d+ /.test(l))
        .map((l) => Number(l.split(' ')[0])),
    ).toEqual(rows.map((h) => t.hops.indexOf(h) + 1));
  });

  it('follows the allowed peer through the mark its policy rule set', () => {
    // The allowed peer's address, as if it entered w1 (the test has one node).
    const world2 = { ...world, pods: [...world.pods, { namespace: 'x', name: 'b', ip: '10.244.2.2', node: 'w1' }] };
    const t = simulate(
      world2,
      { kind: 'pod', namespace: 'x', name: 'b' },
      { src: '10.244.2.2', dst: '10.244.1.2', proto: 'tcp', sport: 40000, dport: 9005, mark: 0, ctstate: 'NEW' },
    );
    // The policy lets 10.244.2.2 in on 9000-9010.
    expect(t.hops.find((h) => h.object?.policyAction === 'allowed')?.object?.text).toBe('NetworkPolicy x/web (allowed ingress to a)');
    expect(conclusion(t, '10.244.1.2:9005')).toBe('DELIVERED to x/a on w1');
  });
});
