import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
    expect(() => specFromFlags({ delay: '10ms', distribution: 'normal' })).toThrow(/--distribution needs --jitter/);
    expect(() => specFromFlags({ delay: '10ms', jitter: '1ms', distribution: 'gauss' })).toThrow(/invalid distribution "gauss"/);
    expect(() => specFromFlags({ delay: '10ms', gap: '5' })).toThrow(/--gap needs --reorder/);
    expect(() => specFromFlags({ delay: '10ms', reorder: '5%', gap: '0' })).toThrow(/invalid gap "0"/);
  });

  it("prints the spec in tc-netem's words", () => {
    const s = specFromFlags({ delay: '100ms', jitter: '10ms', loss: '5%', rate: '1mbit', duplicate: '1', reorder: '25%', corrupt: '0.5%' });
    expect(specText(s)).toBe('delay 100ms 10ms loss 5% duplicate 1% reorder 25% corrupt 0.5% rate 1mbit');
    const t = specFromFlags({ delay: '100ms', jitter: '10ms', distribution: 'pareto', reorder: '25%', gap: '5' });
    expect(specText(t)).toBe('delay 100ms 10ms distribution pareto reorder 25% gap 5');
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
    expect(p.queues).toEqual(['100:50:0:0:0:0:1:uniform', '101:100:0:0:0:0:1:uniform']);
    const g = netemPlan([{ spec: { delayMs: 20, jitterMs: 5, distribution: 'normal', reorder: 50, gap: 3 } }], 'eth0');
    expect(g.queues).toEqual(['100:20:5:0:0:0.5:3:normal']);
  });

  it('needs no queue for loss alone, and the script still waits for the interface', () => {
    const s = netemScript([{ spec: { loss: 10 } }], 'eth0');
    expect(s).not.toContain('perl');
    expect(s).toContain("grep -q 'eth0:' /proc/net/dev");
    expect(s).toContain('trap');
  });
});

// The helper's program run by sh against stand-ins for tc, iptables and perl that log their arguments: which
// mechanism it picks from what tc answers, and what it takes out again on docker stop (SIGTERM). The e2e
// tests run on a kernel without sch_netem, so this is where the tc path is exercised.
describe('netem helper program', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function runHelper(tcAnswer: string | undefined): Promise<{ out: string; log: string[] }> {
    dir = mkdtempSync(path.join(os.tmpdir(), 'netem-sh-'));
    const log = path.join(dir, 'log');
    const fake = (name: string, body: string) => {
      writeFileSync(path.join(dir, name), `#!/bin/sh\necho "${name} $*" >> '${log}'\n${body}\n`);
      chmodSync(path.join(dir, name), 0o755);
    };
    fake('tc', tcAnswer ? `case "$2" in replace|add) echo '${tcAnswer}' >&2; exit 2;; esac` : '');
    fake('iptables', '');
    fake('ip', 'echo "default via 10.244.1.1 dev lo"');
    fake('perl', 'exec sleep 30');
    const script = netemScript([{ spec: { delayMs: 100, loss: 5 } }], 'lo');
    const sh = spawn('sh', ['-c', script, 'netem', 'PERL-TEXT'], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    let out = '';
    sh.stdout.on('data', (b: Buffer) => {
      out += String(b);
      // The loop starts in the background just before the ready line: give it a moment to log.
      if (out.includes('netem: installed')) setTimeout(() => sh.kill('SIGTERM'), 300);
    });
    await new Promise((r) => sh.on('exit', r));
    return { out, log: readFileSync(log, 'utf8').trim().split('\n') };
  }

  it('uses tc netem when the kernel has it, and deletes the root qdisc when stopped', async () => {
    const { out, log } = await runHelper(undefined);
    expect(out.trim()).toBe('netem: installed (tc)');
    expect(log).toEqual(['tc qdisc replace dev lo root handle 1: netem delay 100ms loss 5%', 'tc qdisc del dev lo root']);
  });

  it('emulates when tc does not know netem, and says what tc said', async () => {
    const { out, log } = await runHelper('Error: Specified qdisc kind is unknown.');
    expect(out.trim()).toBe('netem: installed (emulated: Specified qdisc kind is unknown.)');
    expect(log).toContain(
      'iptables -t mangle -A KUBELAB-NETEM -o lo -m comment --comment kubelab netem all: delay 100ms loss 5% -m statistic --mode random --probability 0.05 -j DROP',
    );
    expect(log).toContain('perl -e PERL-TEXT 100:100:0:0:0:0:1:uniform');
    expect(log.at(-1)).toBe('iptables -t mangle -X KUBELAB-NETEM');
  });

  it('stops on any other tc error rather than emulating it away', async () => {
    const { out, log } = await runHelper('Error: Illegal "rate"');
    expect(out.trim()).toBe('netem: tc failed: Error: Illegal "rate"');
    expect(log.some((l) => l.startsWith('iptables'))).toBe(false);
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
