import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firstPacket, matchedRules, parseTrace, traceRule, ttlOut } from './nftrace';

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
