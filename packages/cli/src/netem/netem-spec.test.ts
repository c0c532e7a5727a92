import { describe, expect, it } from 'vitest';
import { netemPlan, netemScript, parseRate, parseTime, partitionScript, specFromFlags, specText } from './netem-spec';

describe('netem flags', () => {
  it('reads tc units', () => {
    expect(parseTime('100ms')).toBe(100);
    expect(parseTime('1s')).toBe(1000);
    expect(parseTime('250us')).toBe(0.25);
    expect(parseRate('1mbit')).toBe(1e6);
    expect(parseRate('500kbit')).toBe(5e5);
    expect(parseRate('1mbps')).toBe(8e6);
    expect(() => parseTime('fast')).toThrow(/invalid time/);
    expect(() => parseRate('1 mile')).toThrow(/invalid rate/);
  });

  it('refuses what netem refuses', () => {
    expect(() => specFromFlags({})).toThrow(/nothing to set/);
    expect(() => specFromFlags({ jitter: '10ms' })).toThrow(/--jitter needs --delay/);
    expect(() => specFromFlags({ reorder: '25%' })).toThrow(/--reorder needs --delay/);
    expect(() => specFromFlags({ loss: '120%' })).toThrow(/invalid percentage/);
  });

  it("prints the spec in tc-netem's words", () => {
    const s = specFromFlags({ delay: '100ms', jitter: '10ms', loss: '5%', rate: '1mbit', duplicate: '1', reorder: '25%', corrupt: '0.5%' });
    expect(specText(s)).toBe('delay 100ms 10ms loss 5% duplicate 1% reorder 25% corrupt 0.5% rate 1mbit');
  });
});

describe('netem plan', () => {
  it('puts pairs before the namespace-wide entry, each pair returning so it is not impaired twice', () => {
    const p = netemPlan(
      [{ spec: { delayMs: 100, loss: 5 } }, { peer: 'pod default/b', peerIP: '10.244.2.3', spec: { delayMs: 50 } }],
      'eth0',
    );
    expect(p.rules).toEqual([
      "iptables -t mangle -A KUBELAB-NETEM -d 10.244.2.3/32 -m comment --comment 'kubelab netem to pod default/b: delay 50ms' -j NFQUEUE --queue-num 100 --queue-bypass",
      "iptables -t mangle -A KUBELAB-NETEM -d 10.244.2.3/32 -m comment --comment 'kubelab netem to pod default/b: delay 50ms' -j RETURN",
      "iptables -t mangle -A KUBELAB-NETEM -o eth0 -m comment --comment 'kubelab netem all: delay 100ms loss 5%' -m statistic --mode random --probability 0.05 -j DROP",
      "iptables -t mangle -A KUBELAB-NETEM -o eth0 -m comment --comment 'kubelab netem all: delay 100ms loss 5%' -j NFQUEUE --queue-num 101 --queue-bypass",
    ]);
    expect(p.queues).toEqual(['100:50:0:0:0:0', '101:100:0:0:0:0']);
  });

  it('needs no queue for loss alone, and the script still waits for the interface', () => {
    const s = netemScript([{ spec: { loss: 10 } }], 'eth0');
    expect(s).not.toContain('perl');
    expect(s).toContain("grep -q 'eth0:' /proc/net/dev");
    expect(s).toContain('trap');
  });
});

describe('partition script', () => {
  it('drops both directions per address and removes the chain when nothing is left', () => {
    const s = partitionScript([{ name: 'node w2', addresses: ['172.30.0.4', '10.244.2.0/24'] }], ['INPUT', 'OUTPUT', 'FORWARD']);
    expect(s).toContain('iptables -C FORWARD -j KUBELAB-PARTITION 2>/dev/null || iptables -I FORWARD 1 -j KUBELAB-PARTITION');
    expect(s).toContain("iptables -A KUBELAB-PARTITION -d 10.244.2.0/24 -m comment --comment 'kubelab partition from node w2' -j DROP");
    expect(s.match(/-j DROP/g)).toHaveLength(4);
    expect(partitionScript([], ['INPUT'])).toContain('iptables -X KUBELAB-PARTITION');
  });
});
