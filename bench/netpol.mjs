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
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  bundle,
  cli,
  inNodeContainer,
  kubelabOn,
  loadAverages,
  machineDescription,
  mdTable,
  percentile,
  root,
  until,
  writeSection,
} from './lib.mjs';

const given = process.argv.indexOf('--cluster');
const name = given > 0 ? process.argv[given + 1] : 'klbench-np';
const own = given < 0;
const keep = process.argv.includes('--keep') || !own;
const skipCluster = process.argv.includes('--skip-cluster');
const SAMPLES = 20;

const kubelab = kubelabOn(name);
const docker = (args) => execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubelab-bench-np-'));
await bundle({ entry: path.join(root, 'bench', 'netpol-sync.ts'), outfile: path.join(dir, 'sync.mjs') });
// The API client, bundled too: policies are created with one API request, so the clock starts at the write.
await bundle({
  stdin: { contents: "export { clusterClient, findCluster } from '@kubelab/cluster'; export { resolveResource } from '@kubelab/api';" },
  outfile: path.join(dir, 'client.mjs'),
  dockerode: true,
});

const rows = [];
const r = JSON.parse(execFileSync(process.execPath, [path.join(dir, 'sync.mjs')], { encoding: 'utf8' })).render;
rows.push([
  'render, 200 policies over 300 pods (100 on this node): model + filter table, median of 5',
  'bench/netpol-sync.ts',
  ms(r.medianMs),
  `${r.isolatedPods} isolated pod directions, ${r.filterChains} chains, ${r.filterRules} filter rules, ${(r.bytes / 1e3).toFixed(0)} kB of text`,
]);
const applied = JSON.parse(inNodeContainer(dir, 'sync.mjs', ['--apply'])).apply;
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
    const attempt = (what, since, ok, timeoutMs = 10_000) =>
      until(what, () => results.find((x) => x.t >= since && x.ok === ok)?.t, { timeoutMs });
    await attempt('the server answering', Date.now() - 1000, true, 15_000);
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
      enforce.push((await attempt('the policy enforced', t0, false)) - t0);
      const t1 = Date.now();
      await client.delete(NETPOL, `bench-deny-${i}`, 'default');
      lift.push((await attempt('the path open again', t1, true)) - t1);
      results.splice(0, results.length - 200);
    }
    child.kill();
    await client.close();
    rows.push([
      `policy create -> enforced (first refused connection), p50 / p95 / max over ${SAMPLES} policies`,
      'API create, probes every 10 ms from a pod on the other worker',
      `${ms(percentile(enforce, 50))} / ${ms(percentile(enforce, 95))} / ${ms(Math.max(...enforce))}`,
      'from the create request to the first attempt refused (resolution: 10 ms); target p95 < 1 s',
    ]);
    rows.push([
      `policy delete -> open again, p50 / p95 over ${SAMPLES}`,
      'API delete, same probes',
      `${ms(percentile(lift, 50))} / ${ms(percentile(lift, 95))}`,
      '',
    ]);
  } finally {
    if (!keep) spawnSync(process.execPath, [cli, 'cluster', 'down', '--name', name], { cwd: root, stdio: 'ignore' });
  }
}
rmSync(dir, { recursive: true, force: true });

const table = mdTable(['measurement', 'command', 'result', 'note'], rows);
const section = `<!-- netpol:start -->\n## NetworkPolicy (issue 13)\n\nMachine: ${machineDescription()}\n\nDate: ${new Date().toISOString()} (load average 1/5/15 min at the end: ${loadAverages()})\n\nCommand: \`node bench/netpol.mjs\`\n\n${table}\n<!-- netpol:end -->\n`;
writeSection('netpol', section);
console.log(section);
