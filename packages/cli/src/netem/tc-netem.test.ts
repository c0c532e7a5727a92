import { describe, expect, it } from 'vitest';
import { specFromFlags } from './netem-spec';
import { MAX_TC_PEERS, tcNetemOptions, tcPlan, tcRate } from './tc-netem';

describe('tc netem options', () => {
  it("writes every impairment in tc-netem(8)'s words and order", () => {
    const s = specFromFlags({
      delay: '100ms',
      jitter: '10ms',
      distribution: 'normal',
      loss: '5%',
      duplicate: '1%',
      corrupt: '0.5%',
      reorder: '25%',
      gap: '5',
      rate: '1mbit',
    });
    expect(tcNetemOptions(s)).toBe('delay 100ms 10ms distribution normal loss 5% duplicate 1% corrupt 0.5% reorder 25% gap 5 rate 1mbit');
  });

  it('leaves uniform jitter to netem (no table) and gap to iproute2 (1)', () => {
    expect(tcNetemOptions(specFromFlags({ delay: '50ms', jitter: '5ms', distribution: 'uniform', reorder: '10%' }))).toBe(
      'delay 50ms 5ms reorder 10%',
    );
    expect(tcNetemOptions(specFromFlags({ loss: '100%' }))).toBe('loss 100%');
  });

  it('prints rates in the largest whole unit', () => {
    expect(tcRate(1e6)).toBe('1mbit');
    expect(tcRate(1.5e6)).toBe('1500kbit');
    expect(tcRate(2.5e9)).toBe('2500mbit');
    expect(tcRate(999)).toBe('999bit');
  });
});

describe('tc plan', () => {
  it('puts a namespace-wide impairment at the root', () => {
    expect(tcPlan([{ spec: { delayMs: 100 } }], 'eth0')).toEqual({
      setup: ['tc qdisc replace dev eth0 root handle 1: netem delay 100ms'],
      teardown: 'tc qdisc del dev eth0 root 2>/dev/null || true',
    });
  });

  it('gives each peer a prio band with its netem and a u32 filter; the rest go to the last band', () => {
    const p = tcPlan(
      [
        { spec: { delayMs: 100, loss: 5 } },
        { peer: 'pod default/b', peerIP: '10.244.2.3', spec: { delayMs: 50 } },
        { peer: 'node w2', peerIP: '172.30.0.4', spec: { rateBps: 1e6 } },
      ],
      'eth0',
    );
    expect(p.setup).toEqual([
      'tc qdisc del dev eth0 root 2>/dev/null || true',
      'tc qdisc add dev eth0 root handle 1: prio bands 3 priomap 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2',
      'tc qdisc add dev eth0 parent 1:1 handle 10: netem delay 50ms',
      'tc filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 10.244.2.3/32 flowid 1:1',
      'tc qdisc add dev eth0 parent 1:2 handle 11: netem rate 1mbit',
      'tc filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 172.30.0.4/32 flowid 1:2',
      'tc qdisc add dev eth0 parent 1:3 handle 12: netem delay 100ms loss 5%',
    ]);
  });

  it('leaves the last band unimpaired when only peers are set, and refuses more peers than prio has bands', () => {
    const one = tcPlan([{ peerIP: '10.244.2.3', spec: { loss: 1 } }], 'eth1');
    expect(one.setup.at(-1)).toBe('tc filter add dev eth1 parent 1: protocol ip prio 1 u32 match ip dst 10.244.2.3/32 flowid 1:1');
    expect(one.setup[1]).toContain('prio bands 2 priomap 1 1');
    const many = Array.from({ length: MAX_TC_PEERS + 1 }, (_, i) => ({ peerIP: `10.0.0.${i + 1}`, spec: { loss: 1 } }));
    expect(() => tcPlan(many, 'eth0')).toThrow(/at most 15 pairs/);
  });
});
