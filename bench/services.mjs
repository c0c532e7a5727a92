// `node bench/services.mjs`: the service proxy's figures (issue 8), written as a section of bench/RESULTS.md
// (between the services markers; the rest of the file is kept):
//   1. render time of the node's iptables text for 100, 1000 and 5000 Services x 3 endpoints (host),
//   2. render + iptables-restore of 1000 Services in a node container (kubelab/node image, NET_ADMIN),
//   3. HTTP latency p50/p99 and requests/s through a ClusterIP and to the pod IP directly: same client and
//      server pods (on different workers), both paths in one time-sliced run, with new connections and with
//      kept-alive ones, in a cluster named klbench-svc (created and removed); see latencyRows().
// Options: --keep (leave the cluster up), --skip-cluster (only 1 and 2), --cluster NAME (use a running one).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inNodeContainer } from './lib.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'packages', 'cli', 'bin', 'kubelab.mjs');
const given = process.argv.indexOf('--cluster');
const name = given > 0 ? process.argv[given + 1] : 'klbench-svc';
// With --cluster NAME an existing cluster is used (its pods server/client and Service bench are replaced).
const own = given < 0;
const keep = process.argv.includes('--keep') || !own;
const skipCluster = process.argv.includes('--skip-cluster');

function kubelab(args, input) {
  const r = spawnSync(process.execPath, [cli, '--cluster', name, ...args], { cwd: root, encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`kubelab ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const docker = (args) => execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubelab-bench-svc-'));
await build({
  entryPoints: [path.join(root, 'bench', 'services-sync.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: path.join(dir, 'sync.mjs'),
  logLevel: 'warning',
  absWorkingDir: root,
  // CommonJS dependencies (yaml) require() node built-ins inside an ESM bundle.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

const rows = [];
const render = JSON.parse(execFileSync(process.execPath, [path.join(dir, 'sync.mjs'), '100', '1000', '5000'], { encoding: 'utf8' }));
for (const n of [100, 1000, 5000]) {
  const r = render[`render_${n}`];
  rows.push([
    `render, ${n} Services x 3 endpoints (model + both tables), median of 5`,
    'bench/services-sync.ts',
    ms(r.medianMs),
    `${r.natLines} nat rules, ${(r.natBytes / 1e6).toFixed(1)} MB of text`,
  ]);
}

// Each size in a fresh node container (empty tables, as a node's first sync).
for (const n of [100, 1000, 5000]) {
  const applied = JSON.parse(inNodeContainer(dir, 'sync.mjs', [String(n), '--apply']))[`apply_${n}`];
  const cases = [
    ['first sync (empty tables, whole text)', 'first'],
    ['full resync of the same rules (whole text)', 'full'],
    ['nothing changed (partial sync: no restore)', 'again'],
    ['one endpoint moved (partial sync: changed chains only, stale KUBE-SEP deleted)', 'oneEndpointMoved'],
  ];
  // 100 and 5000: the first sync and the usual partial one; 1000 (the target's size): all four.
  for (const [label, key] of n === 1000 ? cases : [cases[0], cases[3]]) {
    const a = applied[key];
    rows.push([
      `render + iptables-restore --noflush, ${n} Services x 3, ${label}`,
      'in a kubelab/node container',
      ms(a.renderMs + a.applyMs),
      `render ${ms(a.renderMs)} + restore ${ms(a.applyMs)} (${(a.bytes / 1e3).toFixed(0)} kB of input)${n === 1000 ? '; target < 1 s' : ''}`,
    ]);
  }
}

const legacy = JSON.parse(inNodeContainer(dir, 'sync.mjs', ['1', '--legacy'])).legacy_1000;
rows.push([
  'for reference: the same whole text through iptables-legacy-restore',
  'in a kubelab/node container',
  ms(legacy.applyMs),
  'the node image uses the nf_tables backend (Debian default), whose restore costs grow with the input',
]);

if (!skipCluster) {
  if (own) {
    spawnSync(process.execPath, [cli, 'cluster', 'down', '--name', name], { cwd: root, stdio: 'ignore' });
    spawnSync(process.execPath, [cli, 'cluster', 'up', '--name', name], { cwd: root, stdio: 'inherit' });
  } else
    spawnSync(process.execPath, [cli, '--cluster', name, 'delete', 'pod', 'server', 'client', '--ignore-not-found'], {
      cwd: root,
      stdio: 'ignore',
    });
  try {
    rows.push(...latencyRows());
  } finally {
    if (!keep) spawnSync(process.execPath, [cli, 'cluster', 'down', '--name', name], { cwd: root, stdio: 'ignore' });
  }
}
rmSync(dir, { recursive: true, force: true });

/**
 * ClusterIP vs the pod IP: one client pod (on the first worker) and one server pod (on the second), all
 * paths in one run, time-sliced (services-load.cjs: rounds of one slice per path, the order rotated every
 * round, so the shared machine's load weighs on all alike). The server pod runs the echo server three times,
 * in containers `direct` (8080, the pod-IP path), `service` (8081, the Service's target port) and `control`
 * (8082, a second pod-IP path: what two identical paths differ by is the noise floor of the machine). The
 * paths must not share 4-tuples. With one port they did, and the bench measured its own artefact: a connection to
 * the pod IP from a client port that had just reached the ClusterIP found its reply tuple taken in the
 * client node's conntrack (the ClusterIP flow's reply, server:8080 -> client:port), so NAT gave it another
 * source port (conntrack -S `found`); that port met a TIME_WAIT socket in the server whose TCP timestamps came
 * from the other flow's clock offset, PAWS rejected the SYN (server TcpExtPAWSTimewait = client
 * TCPSynRetrans), and a second remap/reject left a 1 s SYN retransmit (the 1-2 s tails on both paths).
 */
function latencyRows() {
  const [clientNode, serverNode] = [`${name}-worker`, `${name}-worker2`];
  const echo = (container, port, echoPort) => ({
    name: container,
    image: 'kubelab/echo:latest',
    env: [
      { name: 'PORT', value: String(port) },
      { name: 'ECHO_PORT', value: String(echoPort) },
    ],
  });
  const pod = (n, node, containers) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: n, labels: { app: `bench-${n}` } },
      spec: { nodeName: node, containers },
    });
  kubelab(
    ['apply', '-f', '-'],
    pod('server', serverNode, [echo('direct', 8080, 9000), echo('service', 8081, 9001), echo('control', 8082, 9002)]),
  );
  kubelab(['apply', '-f', '-'], pod('client', clientNode, [echo('main', 8080, 9000)]));
  kubelab(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'bench' },
      spec: { selector: { app: 'bench-server' }, ports: [{ name: 'http', port: 80, targetPort: 8081 }] },
    }),
  );
  kubelab(['wait', '--for=condition=Ready', 'pod/server', 'pod/client', '--timeout=90s']);
  const serverIp = kubelab(['get', 'pod', 'server', '-o', 'jsonpath={.status.podIP}']).trim();
  const clusterIp = kubelab(['get', 'svc', 'bench', '-o', 'jsonpath={.spec.clusterIP}']).trim();
  const answers = (url) =>
    spawnSync(process.execPath, [cli, '--cluster', name, 'exec', 'client', '--', 'curl', '-sf', '-m', '2', '-o', '/dev/null', url], {
      cwd: root,
    }).status === 0;
  for (let i = 0; !answers(`http://${clusterIp}/`); i++) {
    if (i === 30) throw new Error(`the ClusterIP ${clusterIp} did not answer within 30 tries`);
    spawnSync('sleep', ['1']);
  }
  const script = readFileSync(path.join(root, 'bench', 'services-load.cjs'), 'utf8');
  const paths = [
    { name: 'direct', url: `http://${serverIp}:8080/` },
    { name: 'clusterip', url: `http://${clusterIp}/` },
    { name: 'control', url: `http://${serverIp}:8082/` },
  ];
  const load = (keepAlive, rounds, sliceMs, conc = 4) =>
    JSON.parse(kubelab(['exec', 'client', '--', 'node', '-e', script, JSON.stringify({ paths, rounds, sliceMs, conc, keepAlive })]));
  /** conntrack -S summed over the CPUs of a node's network namespace (the node container's). */
  const conntrackStats = (node) => {
    const sum = {};
    for (const m of docker(['exec', node, 'conntrack', '-S']).matchAll(/(\w+)=(\d+)/g)) sum[m[1]] = (sum[m[1]] ?? 0) + Number(m[2]);
    return sum;
  };
  const pawsTimewait = () => {
    const lines = kubelab(['exec', 'server', '-c', 'direct', '--', 'cat', '/proc/net/netstat'])
      .split('\n')
      .filter((l) => l.startsWith('TcpExt:'));
    return Number(lines[1].split(/\s+/)[lines[0].split(/\s+/).indexOf('PAWSTimewait')]);
  };
  load(false, 1, 1000); // warm up both paths (ARP, conntrack, JIT)
  const before = { client: conntrackStats(clientNode), server: conntrackStats(serverNode), paws: pawsTimewait() };
  const loadBefore = os.loadavg()[0];
  const rounds = 9;
  const sliceMs = 1200;
  const modes = [
    ['a new connection per request', 4, load(false, rounds, sliceMs)],
    // One loop: the bench itself does not saturate the 2 cores, so latency is the path more than the queue.
    ['a new connection per request, one loop', 1, load(false, rounds, sliceMs, 1)],
    ['kept-alive connections (one per loop)', 4, load(true, rounds, sliceMs)],
  ];
  const loadAfter = os.loadavg()[0];
  const after = { client: conntrackStats(clientNode), server: conntrackStats(serverNode), paws: pawsTimewait() };
  const delta = (node) =>
    ['found', 'insert_failed', 'drop', 'early_drop', 'clash_resolve']
      .map((k) => `${k} ${(after[node][k] ?? 0) - (before[node][k] ?? 0)}`)
      .join(', ');
  const method = (loops) =>
    `client and server pods on different workers, ${loops} loop${loops > 1 ? 's' : ''}, ${rounds} rounds of one ${sliceMs / 1000} s slice per path (order rotated each round)`;
  const out = [];
  for (const [mode, loops, r] of modes) {
    const d = r.paths.direct;
    const v = r.paths.clusterip;
    const tail = (x) =>
      `max ${ms(x.maxMs)}, ${x.over200Ms} of ${x.requests} over 200 ms, ${x.synRetrans} SYN retransmits, ${x.errors} errors; machine CPU ${(x.machineBusy * 100).toFixed(0)} % busy`;
    const c = r.paths.control;
    /** requests/s of `path` over direct's, per round: median and range. */
    const perRound = (path) => {
      const xs = r.rounds.map((x) => x[path] / x.direct).sort((a, b) => a - b);
      const median = xs[(xs.length - 1) >> 1];
      return `median x${median.toFixed(2)}, range x${xs[0].toFixed(2)}-x${xs.at(-1).toFixed(2)}`;
    };
    const ratio = (x) =>
      `p50 x${(x.p50Ms / d.p50Ms).toFixed(2)}, p99 x${(x.p99Ms / d.p99Ms).toFixed(2)}, requests/s x${(x.rps / d.rps).toFixed(2)}`;
    out.push(
      [
        `HTTP, ${mode}, to the pod IP directly: p50 / p99 / requests per second`,
        'bench/services-load.cjs in the client pod',
        `${ms(d.p50Ms)} / ${ms(d.p99Ms)} / ${d.rps.toFixed(0)}`,
        `${method(loops)}; ${tail(d)}`,
      ],
      [
        `HTTP, ${mode}, through the ClusterIP (same pods, same run)`,
        'same',
        `${ms(v.p50Ms)} / ${ms(v.p99Ms)} / ${v.rps.toFixed(0)}`,
        `${method(loops)}; ${tail(v)}`,
      ],
      [
        `HTTP, ${mode}, to the pod IP directly again (control: a third container of the server pod)`,
        'same',
        `${ms(c.p50Ms)} / ${ms(c.p99Ms)} / ${c.rps.toFixed(0)}`,
        `${method(loops)}; ${tail(c)}`,
      ],
      [`ClusterIP / direct, ${mode}`, '', ratio(v), `requests/s per round: ${perRound('clusterip')}; target: overhead under 10 %`],
      [
        `control / direct, ${mode} (two identical direct paths: the noise of this machine)`,
        '',
        ratio(c),
        `requests/s per round: ${perRound('control')}`,
      ],
    );
  }
  out.push([
    'conntrack -S and the server TcpExtPAWSTimewait over the measured runs',
    'node containers, server pod',
    `client node: ${delta('client')}`,
    `server node: ${delta('server')}; server PAWSTimewait ${after.paws - before.paws}; machine load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`,
  ]);
  return out;
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
// Shared machines: the load says how much the figures may be inflated by other work.
const load = os
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(' / ');
const machine = `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}, Docker ${docker(['version', '-f', '{{.Server.Version}}'])}, Node ${process.version}`;
/** A Markdown table with padded columns, as the repository's formatter writes them. */
function mdTable(header, body) {
  const all = [header, ...body];
  const width = header.map((_, i) => Math.max(3, ...all.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(width[i])).join(' | ')} |`;
  return [line(header), `| ${width.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}
const table = mdTable(['measurement', 'command', 'result', 'note'], rows);
const section = `<!-- services:start -->\n## Services (service proxy)\n\nMachine: ${machine}\n\nDate: ${new Date().toISOString()} (load average 1/5/15 min at the end: ${load})\n\nCommand: \`node bench/services.mjs\`\n\n${table}\n<!-- services:end -->\n`;
const file = path.join(root, 'bench', 'RESULTS.md');
const old = readFileSync(file, 'utf8');
const marked = /<!-- services:start -->[\s\S]*<!-- services:end -->\n?/;
writeFileSync(file, marked.test(old) ? old.replace(marked, section) : `${old.trimEnd()}\n\n${section}`);
console.log(section);
