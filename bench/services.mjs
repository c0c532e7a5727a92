// `node bench/services.mjs`: the service proxy's figures (issue 8), written as a section of bench/RESULTS.md
// (between the services markers; the rest of the file is kept):
//   1. render time of the node's iptables text for 100, 1000 and 5000 Services x 3 endpoints (host),
//   2. render + iptables-restore of 1000 Services in a node container (kubelab/node image, NET_ADMIN),
//   3. HTTP latency p50/p99 and requests/s through a ClusterIP and to the pod IP directly: same client and
//      server pods (on different workers), one run, in a cluster named klbench-svc (created and removed).
// Options: --keep (leave the cluster up), --skip-cluster (only 1 and 2), --cluster NAME (use a running one).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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

const applied = JSON.parse(
  docker([
    'run',
    '--rm',
    '--cap-add',
    'NET_ADMIN',
    '-v',
    `${dir}:/b:ro`,
    '--entrypoint',
    'node',
    'kubelab/node:latest',
    '/b/sync.mjs',
    '1000',
    '--apply',
  ]),
).apply_1000;
for (const [label, key] of [
  ['first sync (empty tables, whole text)', 'first'],
  ['full resync of the same rules (whole text)', 'full'],
  ['nothing changed (partial sync: no restore)', 'again'],
  ['one endpoint moved (partial sync: changed chains only, stale KUBE-SEP deleted)', 'oneEndpointMoved'],
]) {
  const a = applied[key];
  rows.push([
    `render + iptables-restore --noflush, 1000 Services x 3, ${label}`,
    'in a kubelab/node container',
    ms(a.renderMs + a.applyMs),
    `render ${ms(a.renderMs)} + restore ${ms(a.applyMs)} (${(a.bytes / 1e3).toFixed(0)} kB of input); target < 1 s`,
  ]);
}

const legacy = JSON.parse(
  docker([
    'run',
    '--rm',
    '--cap-add',
    'NET_ADMIN',
    '-v',
    `${dir}:/b:ro`,
    '--entrypoint',
    'node',
    'kubelab/node:latest',
    '/b/sync.mjs',
    '1',
    '--legacy',
  ]),
).legacy_1000;
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
    const pod = (n, node) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: n, labels: { app: n } },
        spec: { nodeName: node, containers: [{ name: 'main', image: 'kubelab/echo:latest' }] },
      });
    kubelab(['apply', '-f', '-'], pod('server', `${name}-worker2`));
    kubelab(['apply', '-f', '-'], pod('client', `${name}-worker`));
    kubelab(['wait', '--for=condition=Ready', 'pod/server', 'pod/client', '--timeout=90s']);
    const serverIp = kubelab(['get', 'pod', 'server', '-o', 'jsonpath={.status.podIP}']).trim();
    // A Service without selector and its EndpointSlice by hand: exactly the one server pod behind it.
    kubelab(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'bench' },
        spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      }),
    );
    kubelab(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'bench-1', labels: { 'kubernetes.io/service-name': 'bench' } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        endpoints: [{ addresses: [serverIp], nodeName: `${name}-worker2`, conditions: { ready: true } }],
      }),
    );
    const clusterIp = kubelab(['get', 'svc', 'bench', '-o', 'jsonpath={.spec.clusterIP}']).trim();
    const script = readFileSync(path.join(root, 'bench', 'services-load.cjs'), 'utf8');
    const load = (url, duration = 5000) => JSON.parse(kubelab(['exec', 'client', '--', 'node', '-e', script, url, String(duration), '4']));
    load(`http://${clusterIp}/`, 1000); // warm up both paths (ARP, conntrack, JIT)
    load(`http://${serverIp}:8080/`, 1000);
    const direct = [];
    const via = [];
    for (let i = 0; i < 3; i++) {
      direct.push(load(`http://${serverIp}:8080/`));
      via.push(load(`http://${clusterIp}/`));
    }
    const med = (xs, k) => [...xs.map((x) => x[k])].sort((a, b) => a - b)[1];
    const tail = (xs) =>
      `max ${ms(Math.max(...xs.map((x) => x.maxMs)))}, ${xs.reduce((n, x) => n + x.over200Ms, 0)} of ${xs.reduce((n, x) => n + x.requests, 0)} over 200 ms`;
    const d = { p50: med(direct, 'p50Ms'), p99: med(direct, 'p99Ms'), rps: med(direct, 'rps'), tail: tail(direct) };
    const v = { p50: med(via, 'p50Ms'), p99: med(via, 'p99Ms'), rps: med(via, 'rps'), tail: tail(via) };
    const note = 'client and server pods on different workers, 4 loops, a new connection per request, median of 3 alternating 5 s runs';
    rows.push([
      'HTTP to the pod IP directly: p50 / p99 / requests per second',
      'bench/services-load.cjs in the client pod',
      `${ms(d.p50)} / ${ms(d.p99)} / ${d.rps.toFixed(0)}`,
      `${note}; ${d.tail}`,
    ]);
    rows.push([
      'HTTP through the ClusterIP (same pods): p50 / p99 / requests per second',
      'same',
      `${ms(v.p50)} / ${ms(v.p99)} / ${v.rps.toFixed(0)}`,
      `${note}; ${v.tail}`,
    ]);
    rows.push([
      'ClusterIP / direct',
      '',
      `p50 x${(v.p50 / d.p50).toFixed(2)}, p99 x${(v.p99 / d.p99).toFixed(2)}, requests/s x${(v.rps / d.rps).toFixed(2)}`,
      'target: overhead under 10 %',
    ]);
  } finally {
    if (!keep) spawnSync(process.execPath, [cli, 'cluster', 'down', '--name', name], { cwd: root, stdio: 'ignore' });
  }
}
rmSync(dir, { recursive: true, force: true });

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
