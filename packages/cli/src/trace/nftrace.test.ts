import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ctStateOf,
  droppedBy,
  firstPacket,
  ifaceText,
  matchedRules,
  openingAfter,
  parseTrace,
  ruleSightings,
  traceRule,
  ttlOut,
} from './nftrace';

// `xtables-monitor --trace` in a node while a pod's TCP probe (source port 45555) crossed it to a ClusterIP.
const text = readFileSync(new URL('./testdata/xtables-monitor.trace', import.meta.url), 'utf8');

describe("the kernel's trace of a probe", () => {
  it('reads packets and rule verdicts', () => {
    const events = parseTrace(text);
    expect(events[0]).toMatchObject({
      kind: 'packet',
      id: '85ceaba0',
      fields: { IN: 'eth1', SRC: '10.244.1.4', SPORT: '45555', SYN: 'true' },
    });
    expect(events[1]).toMatchObject({ kind: 'rule', table: 'raw', chain: 'PREROUTING', what: 'rule', verdict: 'CONTINUE' });
    expect(events.find((e) => e.kind === 'rule' && e.what === 'policy')).toMatchObject({ verdict: 'ACCEPT', spec: undefined });
  });

  it("keeps the first packet's run: the rules it matched and the TTL it left with", () => {
    const run = firstPacket(parseTrace(text), '10.244.1.4', 45555);
    const rules = [...matchedRules(run)];
    expect(rules).toContain(
      'nat:KUBE-SEP-SGAXMPNGNM2A5VC2|-A KUBE-SEP-SGAXMPNGNM2A5VC2 -p tcp -m comment --comment "default/echo" -m tcp -j DNAT --to-destination 10.244.2.3:8080',
    );
    expect(rules).toContain(
      'nat:KUBELAB-POSTROUTING|-A KUBELAB-POSTROUTING -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "pod to pod: no NAT" -j RETURN',
    );
    // The second packet (the ACK) is another run; the TRACE rule itself is not part of the path.
    expect(rules.some((r) => r.includes('ESTABLISHED'))).toBe(false);
    expect(rules.some((r) => r.includes('-j TRACE'))).toBe(false);
    expect(ttlOut(run)).toBe('63');
    expect(firstPacket(parseTrace(text), '10.9.9.9')).toEqual([]);
  });

  it('reads the conntrack state: NEW through the nat table, else what a matched --ctstate rule says', () => {
    const events = parseTrace(text);
    expect(ctStateOf(firstPacket(events, '10.244.1.4', 45555))).toBe('NEW');
    // The ACK: no nat chain, accepted by kube-proxy's conntrack rule.
    const ack = events.filter((e) => e.id === 'b07e6e2f');
    expect(ctStateOf(ack)).toBe('RELATED,ESTABLISHED');
    const negated = parseTrace(' TRACE: 2 aa filter:FORWARD:rule:0x1:JUMP:X  -4 -t filter -A FORWARD -m conntrack ! --ctstate NEW -j X\n');
    expect(ctStateOf(negated)).toBeUndefined();
    expect(ctStateOf([])).toBeUndefined();
  });

  it('gives each matched rule the TTL and interfaces of the packet at its hook', () => {
    const run = firstPacket(parseTrace(text), '10.244.1.4', 45555);
    const seen = ruleSightings(run);
    const dnat = seen.get(
      'nat:KUBE-SEP-SGAXMPNGNM2A5VC2|-A KUBE-SEP-SGAXMPNGNM2A5VC2 -p tcp -m comment --comment "default/echo" -m tcp -j DNAT --to-destination 10.244.2.3:8080',
    );
    // PREROUTING: arrived from the pod, TTL still 64, destination still the ClusterIP.
    expect(dnat).toEqual({ ttl: 64, in: 'eth1', out: undefined, src: '10.244.1.4', dst: '10.101.98.73' });
    // Routed: the FORWARD and POSTROUTING rules see TTL 63, the endpoint as destination, both interfaces.
    const post = seen.get(
      'nat:KUBELAB-POSTROUTING|-A KUBELAB-POSTROUTING -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "pod to pod: no NAT" -j RETURN',
    )!;
    expect(post).toMatchObject({ ttl: 63, dst: '10.244.2.3' });
    expect(ifaceText(post)).toBe('eth1 -> eth0');
    expect(ifaceText({ out: 'eth0' })).toBe('-> eth0');
    expect(droppedBy(run)).toBeUndefined();
  });

  it('finds the first packet to a destination (live traffic, source port unknown) and its drop', () => {
    const events = parseTrace(
      [
        'PACKET: 2 aa IN=eth1 SRC=10.244.1.4 DST=10.244.9.9 TTL=64 SPORT=40001 DPORT=53 SYN',
        ' TRACE: 2 aa raw:PREROUTING:policy:ACCEPT',
        'PACKET: 2 bb IN=eth1 SRC=10.244.1.4 DST=10.244.2.2 TTL=64 SPORT=40002 DPORT=8080 SYN',
        ' TRACE: 2 bb filter:KUBELAB-NPI-ABC:rule:0x9:DROP  -4 -t filter -A KUBELAB-NPI-ABC -m comment --comment "default/echo-b isolated for ingress: no policy allowed it" -j DROP',
      ].join('\n'),
    );
    const run = firstPacket(events, '10.244.1.4', undefined, { dst: '10.244.2.2', dport: 8080 });
    expect(run[0]).toMatchObject({ kind: 'packet', id: 'bb' });
    expect(droppedBy(run)).toMatchObject({ chain: 'KUBELAB-NPI-ABC', verdict: 'DROP' });
  });

  it("finds the connection a proxy opened for a request: the router pod's first opening after it", () => {
    const events = parseTrace(
      [
        'PACKET: 2 r0 IN=eth0 SRC=10.244.2.2 DST=10.244.1.3 TTL=64 SPORT=50000 DPORT=8080 SYN',
        'PACKET: 2 q1 IN=eth0 OUT=eth1 SRC=172.30.0.2 DST=10.244.2.2 TTL=63 SPORT=41000 DPORT=80 SYN',
        'PACKET: 2 r1 IN=eth1 SRC=10.244.2.2 DST=10.244.9.9 TTL=64 SPORT=50001 DPORT=53',
        'PACKET: 2 r2 IN=eth1 SRC=10.244.2.2 DST=10.244.1.4 TTL=64 SPORT=50002 DPORT=8080 SYN',
      ].join('\n'),
    );
    const request = events[1] as Extract<(typeof events)[number], { kind: 'packet' }>;
    // The opening before the request (another client's) and one to a non-endpoint are not it.
    expect(openingAfter(events, request, '10.244.2.2', ['10.244.1.3:8080', '10.244.1.4:8080'])?.id).toBe('r2');
    expect(openingAfter(events, request, '10.244.2.2', ['10.244.1.3:8080'])).toBeUndefined();
  });

  it('watches connection openings only when no source port is known', () => {
    expect(traceRule('tcp', '10.244.1.4', undefined, { dst: '10.96.0.5', dport: 80 })).toEqual([
      '-p',
      'tcp',
      '-s',
      '10.244.1.4/32',
      '-d',
      '10.96.0.5/32',
      '--syn',
      '--dport',
      '80',
      '-m',
      'comment',
      '--comment',
      'kubelab trace probe',
      '-j',
      'TRACE',
    ]);
  });

  it('marks only the probe', () => {
    expect(traceRule('tcp', '10.244.1.4', 45555)).toEqual([
      '-p',
      'tcp',
      '-s',
      '10.244.1.4/32',
      '--sport',
      '45555',
      '-m',
      'comment',
      '--comment',
      'kubelab trace probe',
      '-j',
      'TRACE',
    ]);
  });
});
