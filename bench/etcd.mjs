// Issue 10: the control plane on etcd, before and after, on one machine in one run. "Before" is the commit
// before etcd, checked out and built in its own clone (default /tmp/kl-before: `git clone`, `npm ci`,
// `npm run build`); "after" is this tree. For each: warm `cluster up` (median of 3), idle memory of the
// whole cluster (DNS and ingress pods included), create-pod latency (POST answered, p50/p99 over 100 pods
// created one after another) and a 30-replica Deployment from create to 30 Ready. Writes its section of
// bench/RESULTS.md. Usage: node bench/etcd.mjs [--before DIR] [--after DIR]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as undiciFetch } from 'undici';
import YAML from 'yaml';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const beforeArg = process.argv.indexOf('--before');
const beforeTree = beforeArg > 0 ? process.argv[beforeArg + 1] : '/tmp/kl-before';
// "After" defaults to this tree; --after DIR measures another clone (e.g. the last commit without work in progress).
const afterArg = process.argv.indexOf('--after');
const afterTree = afterArg > 0 ? process.argv[afterArg + 1] : root;
const name = 'klbench-etcd';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function kubelab(tree, args) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [path.join(tree, 'packages/cli/bin/kubelab.mjs'), ...args], { cwd: tree, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubelab ${args.join(' ')} (${tree}) failed:\n${r.stdout}\n${r.stderr}`);
  return { ms: performance.now() - started, stdout: r.stdout };
}

const docker = (args) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const median = (xs) => percentile(xs, 50);

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
  for (const id of ids) {
    const file = [`/sys/fs/cgroup/memory/docker/${id}/memory.stat`, `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.stat`].find(
      (f) => existsSync(f),
    );
    const stat = file ? readFileSync(file, 'utf8') : '';
    const bytes = Number((stat.match(/^total_rss (\d+)/m) ?? stat.match(/^anon (\d+)/m))?.[1] ?? 0);
    total += bytes;
    const n = docker(['inspect', '-f', '{{.Name}}', id]).replace(/^\//, '');
    if (!n.includes('_')) nodes.push(`${n.replace(`${name}-`, '')} ${(bytes / 1048576).toFixed(0)}`);
  }
  return { total: total / 1048576, containers: ids.length, nodes: nodes.join(', ') };
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
const runs = [await measure('before', beforeTree), await measure('after', afterTree)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const rows = runs.map((r) => [
  r.label === 'before'
    ? `before: ${commit(beforeTree)}`
    : `after (etcd): ${commit(afterTree)}${afterTree === root ? ' + working tree' : ''}`,
  `${s(r.up)} (${r.ups.map((u) => (u / 1000).toFixed(2)).join(', ')})`,
  s(r.again),
  `${r.memory.total.toFixed(0)} MB in ${r.memory.containers} containers (nodes: ${r.memory.nodes})`,
  `${r.p50.toFixed(1)} ms / ${r.p99.toFixed(1)} ms`,
  s(r.deployMs),
]);
const section = `<!-- etcd:start -->
## The control plane on etcd (issue 10), before and after

Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}, Node ${process.version}

Date: ${new Date().toISOString()}

Command: \`node bench/etcd.mjs\` (before = the commit before etcd, built in its own clone; one run, same machine, one after the other). Cluster: 1 control plane + 2 workers with the DNS and ingress pods. Memory: resident (cgroup anon) of every container of the cluster 15 s after \`cluster up\`, node containers in MB. Create latency: POST of a pod answered (201), 100 pods one after another. Load average at the end: ${os.loadavg()[0].toFixed(1)} (2 cores shared with other work).

| control plane | \`cluster up\` of a new cluster, images built (median of 3; runs), DNS and ingress Ready | \`cluster up\` of the running cluster (median of 3) | idle cluster memory | create pod p50 / p99 | Deployment of 30 replicas, create -> 30 Ready |
|---|---|---|---|---|---|
${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

Targets: the whole idle cluster under 300 MB; warm \`cluster up\` under 3 s.
<!-- etcd:end -->
`;
const file = path.join(root, 'bench', 'RESULTS.md');
const text = readFileSync(file, 'utf8');
const next = text.includes('<!-- etcd:start -->')
  ? text.replace(/<!-- etcd:start -->[\s\S]*<!-- etcd:end -->\n?/, section)
  : `${text.trimEnd()}\n\n${section}`;
writeFileSync(file, next);
spawnSync('npx', ['biome', 'format', '--write', file], { cwd: root, stdio: 'ignore' });
console.log(section);
