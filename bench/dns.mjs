// `node bench/dns.mjs`: the cluster DNS against unbound (issue 11 item 8), written as a section of
// bench/RESULTS.md (between the dns markers; the rest of the file is kept).
// One kubelab DNS server process (bench/dns-zone.ts: the real handler and server, a fake cache of 200
// ClusterIP and 50 headless Services) and unbound serving the same records as static local data, each
// pinned to CPU 1 with taskset; dnsperf on CPU 0 sends a fixed mix of ClusterIP A, headless A, SRV, PTR and
// NXDOMAIN names. Rounds alternate between the two servers so background load hits both alike.
//   throughput: dnsperf -q 100 (100 queries outstanding) for 5 s, median of 3 rounds
//   latency:    dnsperf -Q 10000 (a fixed 10k qps, below both servers' capacity) -v, p50/p99 of every reply
// Tools come from Debian (dnsperf, unbound), installed here when missing, as the other benches do.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundle, isMain, machineDescription, median, quantile, root, sleep, withSection, writeSection } from './lib.mjs';

const OURS = 5300;
const UNBOUND = 5301;
const ROUNDS = 5;

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function ensureTools() {
  if (have('dnsperf') && have('unbound') && have('taskset')) return;
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'dnsperf', 'unbound', 'util-linux'], { stdio: 'inherit' }).status ===
    0;
  if (!install()) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    if (!install()) throw new Error('could not install dnsperf and unbound with apt-get');
  }
}

export async function benchDns() {
  ensureTools();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubelab-bench-dns-'));
  const procs = [];
  try {
    const zone = path.join(dir, 'zone.mjs');
    await bundle({ entry: path.join(root, 'bench', 'dns-zone.ts'), outfile: zone });
    // CPU per query inside the process (no sockets): why answers are cached encoded (issue 11 item 8).
    const micro = JSON.parse(execFileSync('taskset', ['-c', '1', process.execPath, zone, 'micro'], { encoding: 'utf8' }));
    const queries = path.join(dir, 'queries.txt');
    writeFileSync(queries, execFileSync(process.execPath, [zone, 'queries'], { encoding: 'utf8' }));
    const conf = path.join(dir, 'unbound.conf');
    writeFileSync(conf, execFileSync(process.execPath, [zone, 'unbound', String(UNBOUND)], { encoding: 'utf8' }));

    procs.push(spawn('taskset', ['-c', '1', process.execPath, zone, 'serve', String(OURS)], { stdio: 'ignore' }));
    procs.push(spawn('taskset', ['-c', '1', 'unbound', '-d', '-c', conf], { stdio: 'ignore' }));
    await sleep(1500);
    const mix = mixOf(readFileSync(queries, 'utf8'));

    const perf = (port, args) => {
      const r = spawnSync('taskset', ['-c', '0', 'dnsperf', '-s', '127.0.0.1', '-p', String(port), '-d', queries, ...args], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      if (r.status !== 0) throw new Error(`dnsperf failed: ${r.stderr}`);
      return r.stdout;
    };
    const qps = { ours: [], unbound: [] };
    const lat = { ours: [], unbound: [] };
    const lost = { ours: 0, unbound: 0 };
    for (let i = 0; i < ROUNDS; i++) {
      for (const [who, port] of [
        ['ours', OURS],
        ['unbound', UNBOUND],
      ]) {
        const out = perf(port, ['-l', '5', '-q', '100']);
        qps[who].push(Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1]));
        lost[who] += Number(/Queries lost:\s+(\d+)/.exec(out)?.[1] ?? 0);
        const verbose = perf(port, ['-l', '3', '-Q', '10000', '-v']);
        const ms = [...verbose.matchAll(/^> \S+ \S+ \S+ ([\d.]+)$/gm)].map((m) => Number(m[1]) * 1000).sort((a, b) => a - b);
        lat[who].push({ p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), n: ms.length });
      }
    }
    const result = {
      mix,
      micro,
      ours: {
        qps: median(qps.ours),
        p50: median(lat.ours.map((l) => l.p50)),
        p99: median(lat.ours.map((l) => l.p99)),
        rounds: qps.ours,
        lost: lost.ours,
      },
      unbound: {
        qps: median(qps.unbound),
        p50: median(lat.unbound.map((l) => l.p50)),
        p99: median(lat.unbound.map((l) => l.p99)),
        rounds: qps.unbound,
        lost: lost.unbound,
      },
      unboundVersion: (spawnSync('unbound', ['-V'], { encoding: 'utf8' }).stdout.match(/Version (\S+)/) ?? [])[1] ?? '?',
      dnsperfVersion:
        (((r) => `${r.stdout}${r.stderr}`)(spawnSync('dnsperf', ['-h'], { encoding: 'utf8' })).match(/Version (\S+)/) ?? [])[1] ?? '?',
      load: os.loadavg()[0].toFixed(1),
    };
    return result;
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await sleep(200);
    rmSync(dir, { recursive: true, force: true });
  }
}

function mixOf(text) {
  const lines = text.trim().split('\n');
  const count = (re) => lines.filter((l) => re.test(l)).length;
  return {
    total: lines.length,
    clusterIP: count(/^svc\d+\.\S+ A$/),
    headless: count(/^hl\d+\.\S+ A$/),
    srv: count(/ SRV$/),
    ptr: count(/ PTR$/),
    nxdomain: count(/^missing/),
  };
}

const [begin, end] = ['<!-- dns:start -->', '<!-- dns:end -->'];

export function dnsReport(r, { machine, date }) {
  const f = (x) => `${x.toFixed(2)} ms`;
  const k = (x) => `${Math.round(x).toLocaleString('en-US')}`;
  const ratio = r.ours.qps / r.unbound.qps;
  const p99ratio = r.ours.p99 / r.unbound.p99;
  return [
    begin,
    '## Cluster DNS (issue 11)',
    '',
    `Machine: ${machine}`,
    '',
    `Date: ${date}`,
    '',
    'Command: `node bench/dns.mjs` (also part of `npm run bench`)',
    '',
    `Each server is one process pinned to CPU 1 (taskset); dnsperf ${r.dnsperfVersion} runs on CPU 0. kubelab's server is the real handler and UDP server (packages/dns) over a fake cache of 200 ClusterIP and 50 headless Services (3 endpoints each); unbound ${r.unboundVersion} serves the same records as static local-data (one thread). The query file has ${r.mix.total} names: ${r.mix.clusterIP} ClusterIP A, ${r.mix.headless} headless A, ${r.mix.srv} SRV, ${r.mix.ptr} PTR, ${r.mix.nxdomain} NXDOMAIN. Throughput: dnsperf -q 100 for 5 s, median of ${r.ours.rounds.length} alternating rounds; latency: a fixed 10k qps for 3 s, p50/p99 of every reply, median of the rounds. Load average at the end: ${r.load} (the 2 cores are shared with other work).`,
    '',
    '| server | qps (median) | qps per round | p50 at 10k qps | p99 at 10k qps | lost |',
    '| --- | --- | --- | --- | --- | --- |',
    `| kubelab dns (dns2 + encoded-answer cache) | ${k(r.ours.qps)} | ${r.ours.rounds.map(k).join(', ')} | ${f(r.ours.p50)} | ${f(r.ours.p99)} | ${r.ours.lost} |`,
    `| unbound (reference) | ${k(r.unbound.qps)} | ${r.unbound.rounds.map(k).join(', ')} | ${f(r.unbound.p50)} | ${f(r.unbound.p99)} | ${r.unbound.lost} |`,
    `| **ratio kubelab / unbound** | **${ratio.toFixed(2)}x** | | ${(r.ours.p50 / r.unbound.p50).toFixed(2)}x | **${p99ratio.toFixed(2)}x** | |`,
    '',
    `In-process CPU per query over the same mix (no sockets, 200k queries, CPU 1): the handler as served (strict parser, cached encoded answer, ID and case patched) ${(r.micro.cachedNs / 1000).toFixed(2)} µs; decoding with dns2, answering and encoding every packet ${(r.micro.encodeEveryNs / 1000).toFixed(2)} µs (${(r.micro.encodeEveryNs / r.micro.cachedNs).toFixed(0)}x).`,
    '',
    `Targets: qps >= 0.7x unbound (${ratio >= 0.7 ? 'met' : 'NOT met'}), p99 <= 2x unbound (${p99ratio <= 2 ? 'met' : 'NOT met'}).`,
    end,
  ].join('\n');
}

export const withDnsSection = (text, section) => withSection(text, 'dns', section);

if (isMain(import.meta.url)) {
  const r = await benchDns();
  // the DNS bench needs no Docker: '?' when it does not answer
  const section = dnsReport(r, { machine: machineDescription(), date: new Date().toISOString() });
  console.log(section);
  writeSection('dns', section);
}
