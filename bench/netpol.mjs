// `node bench/netpol.mjs`: NetworkPolicy figures (issue 13), written as a section of bench/RESULTS.md (between
// the netpol markers; the rest of the file is kept):
//   1. rule sync for 200 policies over 300 pods: render (model + filter table) on the host, then render +
//      iptables-restore in a throwaway kubelab/node container (NET_ADMIN): first sync, full resync, nothing
//      changed, a quarter of the policies changed (partial sync);
//   2. create-to-enforcement over 20 policies in a cluster named klbench-np (created and removed): a client
//      pod on one worker connects to a server pod on the other every 10 ms (50 ms timeout, a new connection
//      each); a deny-all-ingress policy selecting the server is created through the API, and the time from the
//      create request to the first refused attempt is one sample; it is deleted and the path reopens before
//      the next.
// Options: --keep (leave the cluster up), --skip-cluster (only 1), --cluster NAME (use a running one).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'packages', 'cli', 'bin', 'kubelab.mjs');
const given = process.argv.indexOf('--cluster');
const name = given > 0 ? process.argv[given + 1] : 'klbench-np';
const own = given < 0;
const keep = process.argv.includes('--keep') || !own;
const skipCluster = process.argv.includes('--skip-cluster');
const SAMPLES = 20;

function kubelab(args, input) {
  const r = spawnSync(process.execPath, [cli, '--cluster', name, ...args], { cwd: root, encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`kubelab ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const docker = (args) => execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubelab-bench-np-'));
await build({
  entryPoints: [path.join(root, 'bench', 'netpol-sync.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: path.join(dir, 'sync.mjs'),
  logLevel: 'warning',
  absWorkingDir: root,
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
// The API client, bundled too: policies are created with one API request, so the clock starts at the write.
await build({
  stdin: {
    contents: "export { clusterClient, findCluster } from '@kubelab/cluster'; export { resolveResource } from '@kubelab/api';",
    resolveDir: root,
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: path.join(dir, 'client.mjs'),
  logLevel: 'warning',
  absWorkingDir: root,
  // As scripts/build.mjs: dockerode's ssh2 has optional native parts and uses require() and __dirname.
  external: ['cpu-features', '*.node'],
  banner: {
    js: [
      "import { createRequire as __cr } from 'node:module';",
      "import { fileURLToPath as __fu } from 'node:url';",
      "import { dirname as __dn } from 'node:path';",
      'const require = __cr(import.meta.url);',
      'const __filename = __fu(import.meta.url);',
      'const __dirname = __dn(__filename);',
    ].join('\n'),
  },
});

const rows = [];
const r = JSON.parse(execFileSync(process.execPath, [path.join(dir, 'sync.mjs')], { encoding: 'utf8' })).render;
rows.push([
  'render, 200 policies over 300 pods (100 on this node): model + filter table, median of 5',
  'bench/netpol-sync.ts',
  ms(r.medianMs),
  `${r.isolatedPods} isolated pod directions, ${r.filterChains} chains, ${r.filterRules} filter rules, ${(r.bytes / 1e3).toFixed(0)} kB of text`,
]);
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
    '--apply',
  ]),
).apply;
for (const [label, key] of [
  ['first sync (empty table, whole text)', 'first'],
  ['full resync of the same rules (whole text)', 'full'],
  ['nothing changed (no restore)', 'again'],
  ['10 of the 200 policies changed (partial sync: changed chains only)', 'changed'],
]) {
  const a = applied[key];
  rows.push([
    `render + iptables-restore --noflush, 200 policies over 300 pods, ${label}`,
    'in a kubelab/node container',
    ms(a.renderMs + a.applyMs),
    `render ${ms(a.renderMs)} + restore ${ms(a.applyMs)} (${(a.bytes / 1e3).toFixed(0)} kB of input); target < 1 s`,
  ]);
}

// In the client pod: a connect attempt every 10 ms, each a new connection with a 50 ms timeout; one line per
// attempt, "<epoch ms> <1|0>". Pods share the host's clock, so the host compares these with its own times.
const probe = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
setInterval(() => {
  const t = Date.now();
  const s = net.connect({ host, port: Number(port) });
  const done = (ok) => { s.destroy(); process.stdout.write(t + ' ' + (ok ? 1 : 0) + '\\n'); };
  s.setTimeout(50, () => done(false));
  s.once('connect', () => done(true));
  s.once('error', () => done(false));
}, 10);`;

if (!skipCluster) {
  if (own) {
    spawnSync(process.execPath, [cli, 'cluster', 'down', '--name', name], { cwd: root, stdio: 'ignore' });
    spawnSync(process.execPath, [cli, 'cluster', 'up', '--name', name, '--no-kubeconfig'], { cwd: root, stdio: 'inherit' });
  } else
    spawnSync(process.execPath, [cli, '--cluster', name, 'delete', 'pod', 'np-server', 'np-client', '--ignore-not-found'], { cwd: root });
  try {
    const pod = (n, node) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: n, labels: { app: n } },
        spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'kubelab/echo:latest' }] },
      });
    kubelab(['apply', '-f', '-'], pod('np-server', `${name}-worker2`));
    kubelab(['apply', '-f', '-'], pod('np-client', `${name}-worker`));
    kubelab(['wait', '--for=condition=Ready', 'pod/np-server', 'pod/np-client', '--timeout=90s']);
    const serverIp = kubelab(['get', 'pod', 'np-server', '-o', 'jsonpath={.status.podIP}']).trim();
    const sandbox = docker([
      'ps',
      '-q',
      '--filter',
      `label=kubelab.cluster=${name}`,
      '--filter',
      'label=kubelab.pod=np-client',
      '--filter',
      'label=kubelab.container-kind=pause',
    ]);
    const child = spawn('docker', ['exec', sandbox, 'node', '-e', probe, serverIp, '8080']);
    const results = [];
    let partial = '';
    child.stdout.on('data', (d) => {
      const text = partial + d;
      const cut = text.lastIndexOf('\n');
      partial = text.slice(cut + 1);
      for (const l of text.slice(0, cut).split('\n')) {
        const [t, ok] = l.split(' ');
        if (t) results.push({ t: Number(t), ok: ok === '1' });
      }
    });
    const until = async (what, since, ok, timeoutMs = 10_000) => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = results.find((x) => x.t >= since && x.ok === ok);
        if (hit) return hit.t;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    await until('the server answering', Date.now() - 1000, true, 15_000);
    const { clusterClient, findCluster, resolveResource } = await import(path.join(dir, 'client.mjs'));
    const info = await findCluster(name);
    // As the cluster admin (token and CA from the state volume).
    const client = await clusterClient(info);
    const NETPOL = resolveResource('networkpolicies');
    const enforce = [];
    const lift = [];
    for (let i = 0; i < SAMPLES; i++) {
      const policy = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `bench-deny-${i}` },
        spec: { podSelector: { matchLabels: { app: 'np-server' } }, policyTypes: ['Ingress'] },
      };
      const t0 = Date.now();
      await client.create(NETPOL, policy, 'default');
      enforce.push((await until('the policy enforced', t0, false)) - t0);
      const t1 = Date.now();
      await client.delete(NETPOL, `bench-deny-${i}`, 'default');
      lift.push((await until('the path open again', t1, true)) - t1);
      results.splice(0, results.length - 200);
    }
    child.kill();
    await client.close();
    rows.push([
      `policy create -> enforced (first refused connection), p50 / p95 / max over ${SAMPLES} policies`,
      'API create, probes every 10 ms from a pod on the other worker',
      `${ms(pct(enforce, 50))} / ${ms(pct(enforce, 95))} / ${ms(Math.max(...enforce))}`,
      'from the create request to the first attempt refused (resolution: 10 ms); target p95 < 1 s',
    ]);
    rows.push([
      `policy delete -> open again, p50 / p95 over ${SAMPLES}`,
      'API delete, same probes',
      `${ms(pct(lift, 50))} / ${ms(pct(lift, 95))}`,
      '',
    ]);
  } finally {
    if (!keep) spawnSync(process.execPath, [cli, 'cluster', 'down', '--name', name], { cwd: root, stdio: 'ignore' });
  }
}
rmSync(dir, { recursive: true, force: true });

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const load = os
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(' / ');
const machine = `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}, Docker ${docker(['version', '-f', '{{.Server.Version}}'])}, Node ${process.version}`;
function mdTable(header, body) {
  const all = [header, ...body];
  const width = header.map((_, i) => Math.max(3, ...all.map((row) => String(row[i]).length)));
  const line = (row) => `| ${row.map((c, i) => String(c).padEnd(width[i])).join(' | ')} |`;
  return [line(header), `| ${width.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}
const table = mdTable(['measurement', 'command', 'result', 'note'], rows);
const section = `<!-- netpol:start -->\n## NetworkPolicy (issue 13)\n\nMachine: ${machine}\n\nDate: ${new Date().toISOString()} (load average 1/5/15 min at the end: ${load})\n\nCommand: \`node bench/netpol.mjs\`\n\n${table}\n<!-- netpol:end -->\n`;
const file = path.join(root, 'bench', 'RESULTS.md');
const old = readFileSync(file, 'utf8');
const marked = /<!-- netpol:start -->[\s\S]*<!-- netpol:end -->\n?/;
writeFileSync(file, marked.test(old) ? old.replace(marked, section) : `${old.trimEnd()}\n\n${section}`);
console.log(section);
