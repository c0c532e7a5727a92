import { describe, expect, it } from 'vitest';
import type { DropRecord } from '../commands/netpol';
import { flowsFromDrops, parseConntrack, parseFlowFile, uniqueFlows } from './flows';

describe('recorded flows', () => {
  it('takes the real destination from the reply tuple of a conntrack entry (after DNAT)', () => {
    const text = [
      'tcp      6 117 TIME_WAIT src=10.244.1.3 dst=10.96.0.20 sport=40312 dport=80 src=10.244.2.4 dst=10.244.1.3 sport=8080 dport=40312 [ASSURED] mark=0 use=1',
      'udp      17 29 src=10.244.1.3 dst=10.96.0.10 sport=5353 dport=53 src=10.244.0.5 dst=10.244.1.3 sport=53 dport=5353 mark=0 use=1',
      'icmp     1 29 src=10.244.1.3 dst=10.244.2.4 type=8 code=0 id=7 src=10.244.2.4 dst=10.244.1.3 type=0 code=0 id=7 mark=0 use=1',
      'conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.',
    ].join('\n');
    expect(parseConntrack(text, 'w1')).toEqual([
      { srcIP: '10.244.1.3', dstIP: '10.244.2.4', protocol: 'TCP', port: 8080, seen: 'conntrack w1' },
      { srcIP: '10.244.1.3', dstIP: '10.244.0.5', protocol: 'UDP', port: 53, seen: 'conntrack w1' },
    ]);
  });

  it('reads drop-log records within the window, and dedupes flows with a pod end', () => {
    const rec = (time: string, port?: number): DropRecord => ({
      time,
      node: 'w2',
      direction: 'ingress',
      pod: 'x/web',
      policies: ['x/deny'],
      protocol: port ? 'TCP' : 'ICMP',
      src: { ip: '10.244.1.3', pod: 'x/client' },
      dst: { ip: '10.244.2.4', port, pod: 'x/web' },
    });
    const flows = flowsFromDrops(
      [rec('2026-11-30T12:00:00Z', 80), rec('2026-11-30T12:09:00Z', 80), rec('2026-11-30T12:09:00Z')],
      Date.parse('2026-11-30T12:05:00Z'),
    );
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ src: 'x/client', dst: 'x/web', port: 80, seen: 'drop-log w2' });
    const u = uniqueFlows([...flows, ...flows, { srcIP: '1.1.1.1', dstIP: '2.2.2.2', protocol: 'TCP', port: 1, seen: 'x' }], (ip) =>
      ip.startsWith('10.'),
    );
    expect(u).toHaveLength(1);
  });

  it('reads a saved set and says what is wrong with a bad line', () => {
    expect(parseFlowFile('{"srcIP":"a","dstIP":"b","protocol":"TCP","port":80}\n')[0].seen).toBe('file');
    expect(() => parseFlowFile('{"srcIP":"a"}')).toThrow(/line 1: a flow needs/);
    // `kubelab flows -o jsonl` lines too.
    const hubble =
      '{"node":"w1","verdict":"FORWARDED","protocol":"tcp","src":{"ip":"10.244.1.3","port":4000,"pod":"x/c"},"dst":{"ip":"10.244.2.4","port":8080,"pod":"x/web"}}';
    expect(parseFlowFile(hubble)[0]).toEqual({
      srcIP: '10.244.1.3',
      dstIP: '10.244.2.4',
      protocol: 'TCP',
      port: 8080,
      src: 'x/c',
      dst: 'x/web',
      seen: 'flows forwarded w1',
    });
  });
});
