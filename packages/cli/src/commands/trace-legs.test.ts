import { describe, expect, it } from 'vitest';
import { world } from '../trace/testdata/world';
import { type Leg, legRules } from './trace-legs';

const client = { kind: 'pod' as const, namespace: 'default', name: 'client' };
const leg = (proto: 'tcp' | 'udp', sport?: number): Leg => ({
  source: client,
  srcIp: '10.244.1.4',
  packet: { src: '10.244.1.4', dst: '10.96.0.10', proto, sport, dport: 53, mark: 0, ctstate: 'NEW' },
});
const marks = (rules: string[][]) => rules.map((r) => r.slice(0, r.indexOf('-m')).join(' '));

describe('legRules: the packets the kernel traces', () => {
  it('live UDP: only packets to DST and port, and to the endpoints its DNAT may pick', () => {
    expect(marks(legRules(world, leg('udp')))).toEqual([
      '-p udp -s 10.244.1.4/32 -d 10.96.0.10/32 --dport 53',
      '-p udp -s 10.244.1.4/32 -d 10.244.0.3/32 --dport 53',
      '-p udp -s 10.244.1.4/32 -d 10.244.0.4/32 --dport 53',
    ]);
  });

  it('live TCP: every opening (SYN) from SRC; a probe: its own source port', () => {
    expect(marks(legRules(world, leg('tcp')))).toEqual(['-p tcp -s 10.244.1.4/32 --syn']);
    expect(marks(legRules(world, leg('udp', 45000)))).toEqual(['-p udp -s 10.244.1.4/32 --sport 45000']);
  });
});
