// API server responsiveness (issue 6): /healthz p50/p99 when idle and during a 3000-pod cascading delete.
// A cluster of its own (klbench-gc) whose nodes take 5 pods each (`cluster up --max-pods 5`), so nearly
// all of a 3000-replica Deployment stays Pending; once 3000 pod objects exist the Deployment is deleted
// (propagationPolicy Background, as kubectl sends) while a worker thread GETs /healthz every ~10 ms, until
// a watch has seen all 3000 pods deleted.
//
// Part of `npm run bench`; alone: `node bench/healthz.mjs` replaces only this section of bench/RESULTS.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { clusterAccess } from './api-access.mjs';

const cluster = 'klbench-gc';
const replicas = 3000;
const maxPods = 5;
const begin = '<!-- healthz-under-load -->';
const end = '<!-- /healthz-under-load -->';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** GETs the URL every `everyMs` in a worker thread (this thread's own work never skews the timings). */
const pollerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const https = require('node:https');
// HTTPS with the cluster CA; /healthz is public (system:public-info-viewer), so no token.
const agent = new https.Agent({ keepAlive: true, ca: workerData.ca });
const get = (url) =>
  new Promise((resolve, reject) => {
    const req = https.get(url, { agent, timeout: 10000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ ok: res.statusCode === 200, text: async () => body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
let stop = false;
parentPort.on('message', () => { stop = true; });
(async () => {
  const out = [];
  while (!stop) {
    const t = performance.now();
    let ok = false;
    try {
      const r = await get(workerData.url);
      ok = (await r.text()) === 'ok';
    } catch {}
    out.push({ at: performance.timeOrigin + t, ms: performance.now() - t, ok });
    await new Promise((r) => setTimeout(r, workerData.everyMs));
  }
  parentPort.postMessage(out);
})();
`;

function startPoller(url, ca) {
  const worker = new Worker(pollerSource, { eval: true, workerData: { url, everyMs: 10, ca } });
  const result = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    async stop() {
      worker.postMessage('stop');
      const samples = await result;
      await worker.terminate();
      return samples;
    },
  };
}

let access;

async function api(base, method, p, body) {
  const res = await access.fetch(base + p, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status >= 400) throw new Error(`${method} ${p}: ${json.message}`);
  return json;
}

/** Calls onEvent for each watch event until the signal aborts. */
async function watchPods(base, resourceVersion, signal, onEvent) {
  const res = await access.fetch(
    `${base}/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dload&resourceVersion=${resourceVersion}`,
    {
      signal,
    },
  );
  let buf = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body) {
      buf += decoder.decode(chunk, { stream: true });
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) onEvent(JSON.parse(line));
        nl = buf.indexOf('\n');
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

function stats(samples) {
  const ms = samples.map((s) => s.ms);
  return {
    n: ms.length,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: Math.max(...ms),
    failed: samples.filter((s) => !s.ok).length,
  };
}

const f1 = (ms) => `${ms.toFixed(1)} ms`;

export async function benchHealthz({ cli, root }) {
  const kubelab = (args) => {
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`kubelab ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  try {
    kubelab(['cluster', 'down', '--name', cluster]);
  } catch (err) {
    console.error(`leftovers of an earlier ${cluster}: ${err.message}`);
  }
  kubelab(['cluster', 'up', '--name', cluster, '--max-pods', String(maxPods)]);
  try {
    access = clusterAccess(cluster);
    const base = access.base;
    const healthz = `${base}/healthz`;

    await sleep(5000);
    const loadIdle = os.loadavg()[0];
    const idlePoller = startPoller(healthz, access.ca);
    await sleep(15_000);
    const idle = stats(await idlePoller.stop());

    // Three rounds of create, settle, delete: one round on a shared machine is too noisy to stand alone.
    const round = async () => {
      const createStarted = performance.now();
      await api(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'load' },
        spec: {
          replicas,
          selector: { matchLabels: { app: 'load' } },
          template: {
            metadata: { labels: { app: 'load' } },
            spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: 'kubelab/toolbox:latest' }] },
          },
        },
      });
      for (;;) {
        const rs = await api(base, 'GET', '/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dload');
        if (rs.items[0]?.status?.replicas === replicas) break;
        if (performance.now() - createStarted > 300_000) throw new Error(`${replicas} pods not created within 5 minutes`);
        await sleep(250);
      }
      const createMs = performance.now() - createStarted;
      // Let the scheduler's first pass over the Pending pods finish before the idle-with-3000-pods figure.
      await sleep(10_000);
      let poller = startPoller(healthz, access.ca);
      await sleep(10_000);
      const loadedSamples = await poller.stop();
      const nodes = await api(base, 'GET', '/api/v1/nodes');
      const list = await api(base, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dload');
      const bound = list.items.filter((p) => p.spec.nodeName).length;
      const left = new Set(list.items.map((p) => p.metadata.uid));

      const abort = new AbortController();
      const watching = watchPods(base, list.metadata.resourceVersion, abort.signal, (e) => {
        if (e.type === 'DELETED') left.delete(e.object.metadata.uid);
      });
      poller = startPoller(healthz, access.ca);
      await sleep(1000);
      const loadDelete = os.loadavg()[0];
      const deleteStarted = performance.timeOrigin + performance.now();
      await api(base, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/load', {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        propagationPolicy: 'Background',
      });
      const answeredMs = performance.timeOrigin + performance.now() - deleteStarted;
      while (left.size > 0) {
        if (performance.timeOrigin + performance.now() - deleteStarted > 300_000) throw new Error(`${left.size} pods left after 5 minutes`);
        await sleep(20);
      }
      const goneMs = performance.timeOrigin + performance.now() - deleteStarted;
      const samples = await poller.stop();
      abort.abort();
      await watching;
      return {
        loadedSamples,
        duringSamples: samples.filter((s) => s.at >= deleteStarted && s.at <= deleteStarted + goneMs),
        answeredMs,
        goneMs,
        createMs,
        bound,
        nodes: nodes.items.length,
        loadDelete,
      };
    };
    const rounds = [];
    for (let i = 0; i < 3; i++) rounds.push(await round());
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return {
      idle,
      loaded: stats(rounds.flatMap((r) => r.loadedSamples)),
      during: stats(rounds.flatMap((r) => r.duringSamples)),
      rounds: rounds.map((r) => ({ during: stats(r.duringSamples), answeredMs: r.answeredMs, goneMs: r.goneMs })),
      answeredMs: median(rounds.map((r) => r.answeredMs)),
      goneMs: median(rounds.map((r) => r.goneMs)),
      createMs: median(rounds.map((r) => r.createMs)),
      bound: rounds[0].bound,
      nodes: rounds[0].nodes,
      loadIdle,
      loadDelete: median(rounds.map((r) => r.loadDelete)),
    };
  } finally {
    // A kubelet may still be creating a pod container while the cluster goes: try again before giving up,
    // and never let a failed cleanup throw away the figures.
    for (let attempt = 1; ; attempt++) {
      try {
        kubelab(['cluster', 'down', '--name', cluster]);
        break;
      } catch (err) {
        if (attempt === 3) {
          console.error(`cluster ${cluster} was not removed: ${err.message}`);
          break;
        }
        await sleep(2000);
      }
    }
  }
}

/** The rows for the main table, and the section with the details. */
export function healthzReport(r, { machine, date }) {
  const rows = [
    [
      '/healthz idle (3-node cluster, nothing deployed), p50 / p99',
      'GET /healthz every ~10 ms for 15 s',
      `${f1(r.idle.p50)} / ${f1(r.idle.p99)}`,
      `${r.idle.n} requests`,
    ],
    [
      `/healthz during a ${replicas}-pod cascading delete, p50 / p99`,
      'DELETE deployment (Background), GET /healthz every ~10 ms until all pods are gone',
      `${f1(r.during.p50)} / ${f1(r.during.p99)}`,
      `max ${f1(r.during.max)}, ${r.during.n} requests, ${r.during.failed} failed; before issue 6: 49 s delete, /healthz timed out`,
    ],
    [
      `${replicas}-pod cascading delete duration`,
      'DELETE answered / watch saw all pods deleted',
      `${f1(r.answeredMs)} / ${(r.goneMs / 1000).toFixed(2)} s`,
      'median of 3 rounds',
    ],
  ];
  const section = [
    begin,
    '## API server responsiveness under load (issue 6)',
    '',
    `Machine: ${machine}`,
    '',
    `Date: ${date}`,
    '',
    'Command: `node bench/healthz.mjs` (also part of `npm run bench`)',
    '',
    `Cluster \`${cluster}\`: 1 control plane + 2 workers, \`kubelab cluster up --max-pods ${maxPods}\`. A Deployment of ${replicas} replicas ` +
      `(kubelab/toolbox) reached ${replicas} pod objects in ${(r.createMs / 1000).toFixed(1)} s (median); ${r.bound} were bound (the rest Pending: ` +
      `Too many pods). It was then deleted with propagationPolicy Background while a worker thread polled /healthz every ~10 ms; ` +
      'the garbage collector removed the pods in the background, in slices that yield to the event loop. Three rounds of create, ' +
      'settle and delete; the rows with pods pool the samples of all three.',
    '',
    '| phase | /healthz requests | p50 | p99 | max | failed |',
    '|---|---|---|---|---|---|',
    `| idle (nothing deployed, 15 s) | ${r.idle.n} | ${f1(r.idle.p50)} | ${f1(r.idle.p99)} | ${f1(r.idle.max)} | ${r.idle.failed} |`,
    `| idle with ${replicas} pods (${replicas - r.bound} Pending, 3 x 10 s) | ${r.loaded.n} | ${f1(r.loaded.p50)} | ${f1(r.loaded.p99)} | ${f1(r.loaded.max)} | ${r.loaded.failed} |`,
    `| during the ${replicas}-pod cascading delete (3 rounds) | ${r.during.n} | ${f1(r.during.p50)} | ${f1(r.during.p99)} | ${f1(r.during.max)} | ${r.during.failed} |`,
    '',
    `DELETE of the Deployment answered in ${f1(r.answeredMs)} (median); all ${replicas} pods were gone ${(r.goneMs / 1000).toFixed(2)} s after it was sent ` +
      '(median; before issue 6: the DELETE itself took 49 s and /healthz timed out meanwhile). Per round: ' +
      r.rounds
        .map((x, i) => `${i + 1}: gone after ${(x.goneMs / 1000).toFixed(2)} s, /healthz p99 ${f1(x.during.p99)}, max ${f1(x.during.max)}`)
        .join('; ') +
      '.',
    '',
    `Machine load average (1 min) when the idle phase began: ${r.loadIdle.toFixed(1)}; when the delete was sent: ${r.loadDelete.toFixed(1)} ` +
      '(2 cores shared with other work: the tail of every phase grows with it).',
    end,
  ].join('\n');
  return { rows, section };
}

/** Puts `section` into RESULTS.md text: replaces an earlier one, or appends it. */
export function withSection(text, section) {
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) return text.slice(0, a) + section + text.slice(b + end.length);
  return `${text.trimEnd()}\n\n${section}\n`;
}

export function machineDescription() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const dockerVersion = execFileSync('docker', ['version', '-f', '{{.Server.Version}}'], { encoding: 'utf8' }).trim();
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}, Docker ${dockerVersion}, Node ${process.version}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const cli = path.join(root, 'packages', 'cli', 'bin', 'kubelab.mjs');
  const r = await benchHealthz({ cli, root });
  const { section } = healthzReport(r, { machine: machineDescription(), date: new Date().toISOString() });
  const file = path.join(root, 'bench', 'RESULTS.md');
  writeFileSync(file, withSection(readFileSync(file, 'utf8'), section));
  // `biome ci` checks RESULTS.md: the table is written plain, then aligned by biome.
  spawnSync(process.execPath, [path.join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'format', '--write', file], {
    stdio: 'ignore',
  });
  console.log(section);
}
