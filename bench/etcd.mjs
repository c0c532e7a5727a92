// Issue 10: the control plane on etcd, before and after, on one machine in one run. "Before" is the commit
// before etcd, checked out and built in its own clone (default /tmp/kl-before: `git clone`, `npm ci`,
// `npm run build`); "after" is this tree. For each: warm `cluster up` (median of 3), idle memory of the
// whole cluster (DNS and ingress pods included), create-pod latency (POST answered, p50/p99 over 100 pods
// created one after another) and a 30-replica Deployment from create to 30 Ready. Writes its section of
// bench/RESULTS.md. Usage: node bench/etcd.mjs [--before DIR] [--also LABEL=DIR ...] [--after DIR] [--reverse]
// (--also: more trees measured between before and after, e.g. `--also "etcd, one txn at a time=/tmp/x"`).
// Run it under the e2e lock: `flock /tmp/kubelab-e2e.lock node bench/etcd.mjs`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import YAML from 'yaml';
import { loadAverages, machineDescription, mdTable, median, percentile, root, sleep, writeSection } from './lib.mjs';

const arg = (flag) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const beforeTree = arg('--before') ?? '/tmp/kl-before';
// "After" defaults to this tree; --after DIR measures another clone (e.g. the last commit without work in progress).
const afterTree = arg('--after') ?? root;
const also = process.argv
  .flatMap((a, i) => (a === '--also' ? [process.argv[i + 1]] : []))
  .map((v) => {
    const eq = v.lastIndexOf('=');
    return { label: v.slice(0, eq), tree: v.slice(eq + 1) };
  });
const name = 'klbench-etcd';

function kubelab(tree, args) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [path.join(tree, 'packages/cli/bin/kubelab.mjs'), ...args], { cwd: tree, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubelab ${args.join(' ')} (${tree}) failed:\n${r.stdout}\n${r.stderr}`);
  return { ms: performance.now() - started, stdout: r.stdout };
}

const docker = (args) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

/** The API as the kubeconfig of `kubelab get kubeconfig` reaches it (HTTPS + token after auth; plain HTTP before). */
function access(tree) {
  const config = YAML.parse(kubelab(tree, ['get', 'kubeconfig', '--name', name]).stdout);
  const cluster = config.clusters[0].cluster;
  const ca = cluster['certificate-authority-data'] ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString() : undefined;
  const token = config.users[0].user?.token;
  const dispatcher = new Agent({ connections: 16, ...(ca ? { connect: { ca } } : {}) });
  return async (method, p, body) => {
    const res = await undiciFetch(cluster.server + p, {
      method,
      dispatcher,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${json.message}`);
    return json;
  };
}

/** Resident memory of every container of the cluster (nodes and pods), as cgroup anon / total_rss. */
function clusterMemoryMb() {
  const ids = docker(['ps', '-q', '--no-trunc', '--filter', `label=kubelab.cluster=${name}`])
    .split('\n')
    .filter(Boolean);
  let total = 0;
  const nodes = [];
  const pods = [];
  for (const id of ids) {
    const file = [`/sys/fs/cgroup/memory/docker/${id}/memory.stat`, `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.stat`].find(
      (f) => existsSync(f),
    );
    const stat = file ? readFileSync(file, 'utf8') : '';
    const bytes = Number((stat.match(/^total_rss (\d+)/m) ?? stat.match(/^anon (\d+)/m))?.[1] ?? 0);
    total += bytes;
    const n = docker(['inspect', '-f', '{{.Name}}', id]).replace(/^\//, '');
    const mb = (bytes / 1048576).toFixed(0);
    if (!n.includes('_')) nodes.push(`${n.replace(`${name}-`, '')} ${mb}`);
    else if (!n.split('_')[1].startsWith('POD')) pods.push(`${n.split('_')[1]} ${mb}`);
  }
  return { total: total / 1048576, containers: ids.length, nodes: nodes.sort().join(', '), pods: pods.sort().join(', ') };
}

async function until(what, fn, timeoutMs = 300_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function measure(label, tree) {
  kubelab(tree, ['cluster', 'down', '--name', name]);
  kubelab(tree, ['images', 'build']);
  const ups = [];
  for (let i = 0; i < 3; i++) {
    ups.push(kubelab(tree, ['cluster', 'up', '--name', name, '--no-kubeconfig']).ms);
    if (i < 2) kubelab(tree, ['cluster', 'down', '--name', name, '--no-kubeconfig']);
  }
  // `cluster up` again on the running cluster: the everyday command (checks, nothing to create).
  const again = [];
  for (let i = 0; i < 3; i++) again.push(kubelab(tree, ['cluster', 'up', '--name', name, '--no-kubeconfig']).ms);
  await sleep(15_000);
  const memory = clusterMemoryMb();
  const api = access(tree);
  const lat = [];
  for (let i = 0; i < 100; i++) {
    const started = performance.now();
    await api('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `lat-${i}` },
      spec: { containers: [{ name: 'echo', image: 'kubelab/echo:latest' }], terminationGracePeriodSeconds: 0 },
    });
    lat.push(performance.now() - started);
  }
  await api('DELETE', '/api/v1/namespaces/default/pods?gracePeriodSeconds=0');
  await until('pods gone', async () => (await api('GET', '/api/v1/namespaces/default/pods')).items.length === 0);
  const started = performance.now();
  await api('POST', '/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bench30' },
    spec: {
      replicas: 30,
      selector: { matchLabels: { app: 'bench30' } },
      template: { metadata: { labels: { app: 'bench30' } }, spec: { containers: [{ name: 'echo', image: 'kubelab/echo:latest' }] } },
    },
  });
  await until(
    '30 replicas Ready',
    async () => (await api('GET', '/apis/apps/v1/namespaces/default/deployments/bench30')).status?.readyReplicas === 30,
  );
  const deployMs = performance.now() - started;
  kubelab(tree, ['cluster', 'down', '--name', name, '--no-kubeconfig']);
  return { label, up: median(ups), ups, again: median(again), memory, p50: percentile(lat, 50), p99: percentile(lat, 99), deployMs };
}

const commit = (tree) => execFileSync('git', ['-C', tree, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim().slice(0, 60);
const loadAtStart = loadAverages();
const trees = [{ label: 'before', tree: beforeTree }, ...also, { label: 'after (etcd)', tree: afterTree }];
// --reverse measures the trees last to first (the table keeps their order): with the machine shared, a
// second run in the other order tells the trees from the load that changed during the run.
const runs = [];
for (const t of process.argv.includes('--reverse') ? [...trees].reverse() : trees)
  runs.push({ ...(await measure(t.label, t.tree)), tree: t.tree });
runs.sort((a, b) => trees.findIndex((t) => t.label === a.label) - trees.findIndex((t) => t.label === b.label));
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const rows = runs.map((r) => [
  `${r.label}: ${commit(r.tree)}${r.tree === root ? ' + working tree' : ''}`,
  `${s(r.up)} (${r.ups.map((u) => (u / 1000).toFixed(2)).join(', ')})`,
  s(r.again),
  `${r.memory.total.toFixed(0)} MB in ${r.memory.containers} containers (nodes: ${r.memory.nodes}; pods: ${r.memory.pods})`,
  `${r.p50.toFixed(1)} ms / ${r.p99.toFixed(1)} ms`,
  s(r.deployMs),
]);
const section = `<!-- etcd:start -->
## The control plane on etcd (issue 10), before and after

Machine: ${machineDescription()}

Date: ${new Date().toISOString()}

Command: \`flock /tmp/kubelab-e2e.lock node bench/etcd.mjs${
  process.argv.slice(2).length
    ? ` ${process.argv
        .slice(2)
        .map((a) => (/[ ,]/.test(a) ? `"${a}"` : a))
        .join(' ')}`
    : ''
}\` (each tree a git worktree of the commit named, \`npm ci\` + \`npm run build\`; one run, same machine, one tree after the other). Cluster: 1 control plane + 2 workers with the DNS and ingress pods. Memory: resident (cgroup anon) of every container of the cluster 15 s after \`cluster up\`, in MB. Create latency: POST of a pod answered (201), 100 pods one after another. Load average (1 / 5 / 15 min) at the start: ${loadAtStart}, at the end: ${loadAverages()} (2 cores shared with other work).

${mdTable(
  [
    'control plane',
    '`cluster up` of a new cluster, images built (median of 3; runs), DNS and ingress Ready',
    '`cluster up` of the running cluster (median of 3)',
    'idle cluster memory',
    'create pod p50 / p99',
    'Deployment of 30 replicas, create -> 30 Ready',
  ],
  rows,
)}

Targets: the whole idle cluster under 300 MB; warm \`cluster up\` under 3 s.
<!-- etcd:end -->
`;
writeSection('etcd', section);
console.log(section);
