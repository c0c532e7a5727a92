import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyEvidence, counterDelta, formatConntrack, parseConntrack, translatedDestination } from './evidence';
import { formatTrace, shortRule, traceJson } from './format';
import { parseRuleset, tokens } from './netfilter';
import { firstPacket, parseTrace } from './nftrace';
import { conclusion, simulate } from './simulate';
import { world } from './testdata/world';

describe('trace evidence', () => {
  it('reads a conntrack entry and the DNAT its reply tuple shows', () => {
    const e = parseConntrack(
      'tcp      6 119 TIME_WAIT src=10.244.1.4 dst=10.101.98.73 sport=52441 dport=80 src=10.244.2.2 dst=10.244.1.4 sport=8080 dport=52441 [ASSURED] mark=0 use=1',
    )!;
    expect(e).toMatchObject({
      proto: 'tcp',
      state: 'TIME_WAIT',
      orig: { src: '10.244.1.4', dport: 80 },
      reply: { src: '10.244.2.2', sport: 8080 },
      flags: ['ASSURED'],
    });
    expect(translatedDestination(e)).toBe('10.244.2.2:8080');
    expect(formatConntrack(e)).toBe(
      'tcp TIME_WAIT 10.244.1.4:52441 -> 10.101.98.73:80, reply from 10.244.2.2:8080 (DNAT to 10.244.2.2:8080) [ASSURED]',
    );
    const icmp = parseConntrack(
      'icmp     1 29 src=10.244.1.4 dst=10.244.1.3 type=8 code=0 id=7 src=10.244.1.3 dst=10.244.1.4 type=0 code=0 id=7 mark=0 use=1',
    )!;
    expect(translatedDestination(icmp)).toBeUndefined();
    expect(parseConntrack('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.')).toBeUndefined();
  });

  it('counts the packets a rule matched between two snapshots', () => {
    const before = parseRuleset(
      '*nat\n[3:180] -A KUBE-SERVICES -d 10.96.0.1/32 -j KUBE-SVC-A\n[0:0] -A KUBE-SERVICES -j KUBE-NODEPORTS\nCOMMIT\n',
    );
    const after = parseRuleset(
      '*nat\n[4:240] -A KUBE-SERVICES -d 10.96.0.1/32 -j KUBE-SVC-A\n[0:0] -A KUBE-SERVICES -j KUBE-NODEPORTS\nCOMMIT\n',
    );
    expect(counterDelta(before.rules, after.rules, before.rules[0])).toBe(1);
    expect(counterDelta(before.rules, after.rules, before.rules[1])).toBe(0);
    expect(before.rules[1].num).toBe(2);
  });

  it('splits quoted comments and prints rules without them', () => {
    expect(tokens('-m comment --comment "a \\"b\\" c" -j X')).toEqual(['-m', 'comment', '--comment', 'a "b" c', '-j', 'X']);
    expect(shortRule('-A KUBE-SERVICES -d 10.0.0.1/32 -m comment --comment "default/web cluster IP" -j KUBE-SVC-A')).toBe(
      '-d 10.0.0.1/32 -j KUBE-SVC-A',
    );
  });

  it("gives the rows the kernel saw the packet's conntrack state: NEW, as it crossed the nat table", () => {
    const text = readFileSync(new URL('./testdata/xtables-monitor.trace', import.meta.url), 'utf8');
    const t = simulate(
      world,
      { kind: 'pod', namespace: 'default', name: 'client' },
      { src: '10.244.1.4', dst: '10.101.98.73', proto: 'tcp', sport: 45555, dport: 80, mark: 0, ctstate: 'NEW' },
      { endpoint: '10.244.2.3:8080' },
    );
    applyEvidence(t.hops, {
      before: new Map(),
      after: new Map(),
      runs: new Map([['worker', firstPacket(parseTrace(text), '10.244.1.4', 45555)]]),
    });
    const seen = t.hops.filter((h) => h.traced);
    expect(seen.length).toBeGreaterThan(3);
    expect(new Set(seen.map((h) => h.ctstate))).toEqual(new Set(['NEW']));
    // Rows the kernel did not see, and route rows, say nothing.
    expect(t.hops.filter((h) => !h.traced).every((h) => h.ctstate === undefined)).toBe(true);
    const out = formatTrace({ headline: 'trace', hops: t.hops, conclusion: conclusion(t, '10.101.98.73:80'), explainOnly: false });
    expect(out).toMatch(/^HOP\s+NODE\s+NETNS\s+IFACE\s+WHERE\s+PKTS\s+TTL\s+RULE \/ ROUTE\s+OBJECT\s+NAT\s+CT STATE\s+KERNEL TRACE$/m);
    expect(out).toMatch(
      /-j DNAT --to-destination 10\.244\.2\.3:8080\s+Service default\/echo\s+10\.101\.98\.73:80 -> 10\.244\.2\.3:8080\s+NEW\s+matched$/m,
    );
    const json = traceJson({ headline: 'trace', hops: t.hops, conclusion: '', explainOnly: false }) as {
      hops: Array<{ nat?: string; ctstate?: string }>;
    };
    expect(json.hops.find((h) => h.nat)?.ctstate).toBe('NEW');
  });
});
