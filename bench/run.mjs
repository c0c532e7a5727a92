// `npm run bench`: measures the figures the issues name and writes bench/RESULTS.md with machine and date.
// Runs against a cluster named klbench (created and removed here). Usage: node bench/run.mjs [--skip-cold]
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDns, dnsReport, withDnsSection } from './dns.mjs';
import { benchHealthz, healthzReport, withSection } from './healthz.mjs';
import { formatResults } from './lib.mjs';
import { benchPods } from './pods.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'packages', 'cli', 'bin', 'kubelab.mjs');
const name = 'klbench';
const skipCold = process.argv.includes('--skip-cold');

function kubelab(args, env = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`kubelab ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function docker(args) {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function fmt(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Sum of resident memory of the cluster's node containers (cgroup rss, as `docker stats` minus page cache). */
function clusterRssMb() {
  const ids = docker(['ps', '-q', '--no-trunc', '--filter', `label=kubelab.cluster=${name}`])
    .split('\n')
    .filter(Boolean);
  let total = 0;
  const per = [];
  for (const id of ids) {
    const candidates = [`/sys/fs/cgroup/memory/docker/${id}/memory.stat`, `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.stat`];
    const file = candidates.find((f) => existsSync(f));
    let bytes = 0;
    if (file) {
      const stat = readFileSync(file, 'utf8');
      const m = stat.match(/^total_rss (\d+)/m) ?? stat.match(/^anon (\d+)/m);
      bytes = m ? Number(m[1]) : 0;
    }
    const nameOf = docker(['inspect', '-f', '{{.Name}}', id]).replace(/^\//, '');
    per.push(`${nameOf} ${(bytes / 1048576).toFixed(1)} MB`);
    total += bytes;
  }
  return { total: total / 1048576, per };
}

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}, Docker ${docker(['version', '-f', '{{.Server.Version}}'])}, Node ${process.version}`;
}

const rows = [];
kubelab(['cluster', 'down', '--name', name]);

/**
 * Removes the bench-only images (children before the base: an image with dependent children cannot be
 * removed). Without -f, so an image a container still uses is never untagged; a leftover is an error.
 */
function removeBenchImages() {
  const refs = docker(['images', '--filter', `reference=${benchPrefix}/*`, '--format', '{{.Repository}}:{{.Tag}}'])
    .split('\n')
    .filter(Boolean);
  const order = (r) => (r.startsWith(`${benchPrefix}/base:`) ? 2 : r.startsWith(`${benchPrefix}/node:`) ? 1 : 0);
  for (const ref of refs.sort((a, b) => order(a) - order(b))) spawnSync('docker', ['rmi', ref], { stdio: 'ignore' });
  const left = docker(['images', '--filter', `reference=${benchPrefix}/*`, '--format', '{{.Repository}}:{{.Tag}}']);
  if (left) throw new Error(`bench images still present (in use?): ${left.split('\n').join(', ')}`);
}

// Cold runs build under their own repository prefix, so the images running clusters use are never removed.
const benchPrefix = 'kubelab-bench';
if (!skipCold) {
  // Cold: no image of the bench prefix exists, so the base is assembled from Debian packages again.
  removeBenchImages();
  const cold = kubelab(['cluster', 'up', '--name', name], { KUBELAB_IMAGE_PREFIX: benchPrefix });
  rows.push([
    'cluster up, cold (images built from nothing)',
    `KUBELAB_IMAGE_PREFIX=${benchPrefix} kubelab cluster up --name klbench`,
    fmt(cold.ms),
    '',
  ]);
  kubelab(['cluster', 'down', '--name', name]);
  removeBenchImages();
}
// Warm runs measure cluster creation, not a build of the everyday images.
kubelab(['images', 'build']);

const warm = [];
const down = [];
for (let i = 0; i < 5; i++) {
  warm.push(kubelab(['cluster', 'up', '--name', name]).ms);
  if (i < 4) down.push(kubelab(['cluster', 'down', '--name', name]).ms);
}
rows.push([
  'cluster up, warm (1 control plane + 2 workers, to all nodes Ready), median of 5',
  'kubelab cluster up --name klbench',
  fmt(median(warm)),
  'target < 8 s',
]);
rows.push(['cluster down, median of 4', 'kubelab cluster down --name klbench', fmt(median(down)), '']);

await new Promise((r) => setTimeout(r, 15_000));
const rss = clusterRssMb();
rows.push([
  'idle cluster memory (sum of container RSS, 15 s after up)',
  'cgroup memory.stat total_rss',
  `${rss.total.toFixed(0)} MB`,
  `target < 250 MB (${rss.per.join('; ')})`,
]);

const podRows = await benchPods({ cli, root, name });
rows.push(...podRows);

kubelab(['cluster', 'down', '--name', name]);

// Issue 6: /healthz idle and during a 3000-pod cascading delete, on a cluster of its own (max-pods 5).
const health = healthzReport(await benchHealthz({ cli, root }), { machine: machine(), date: new Date().toISOString() });
rows.push(...health.rows);

const table = ['| measurement | command | result | note |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const text = `# kubelab benchmarks\n\nMachine: ${machine()}\n\nDate: ${new Date().toISOString()}\n\nCommand: \`npm run bench\`${skipCold ? ' (with --skip-cold)' : ''}\n\n${table}\n`;
// Issue 11: the cluster DNS against unbound, on the host (no cluster needed).
const dns = dnsReport(await benchDns(), { machine: machine(), date: new Date().toISOString() });
// The other sections (services, netpol, ingress, kubectl, etcd, ui...) are written by their own scripts
// (`node bench/services.mjs` and so on); a full run keeps each of them as it is.
const resultsFile = path.join(root, 'bench', 'RESULTS.md');
const results = withDnsSection(withSection(text, health.section), dns);
const written = new Set([...results.matchAll(/<!-- ([a-z0-9-]+):start -->/g)].map((m) => m[1]));
const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
const kept = [...previous.matchAll(/<!-- ([a-z0-9-]+):start -->[\s\S]*?<!-- \1:end -->/g)]
  .filter((m) => !written.has(m[1]))
  .map((m) => m[0].trimEnd());
const final = kept.length ? `${results.trimEnd()}\n\n${kept.join('\n\n')}\n` : results;
writeFileSync(resultsFile, final);
formatResults(resultsFile);
console.log(final);
