// `kubelab ui` "updates from watches within a second" (issue 15 item 1), measured: a change made with the
// CLI (a Service applied, a pod run, a NetworkPolicy applied, a Service deleted) until the page in headless
// Chromium has drawn it. The page's timestamp is taken in the animation frame after cytoscape got the
// element (added or removed), on the same machine clock as the CLI's start and exit.
//
// Usage: node bench/ui.mjs [--cluster NAME] [--rounds N]   (default klbench-ui, 10 rounds; the cluster is
// created when missing and removed at the end if this run created it). Needs Debian's chromium
// (scripts/chromium.sh installs it) and a built dist (npm run build). Writes the "ui" section of RESULTS.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { chromium as playwright } from 'playwright-core';
import { cli, isMain, loadAverages, machineDescription, median, percentile, root, until, writeSection } from './lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};

function kubelab(cluster, args, input) {
  const r = spawnSync(process.execPath, [cli, '--cluster', cluster, ...args], { cwd: root, encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`kubelab ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Runs the CLI change, then waits for the page's timestamp of `key`; times from the CLI's start and exit. */
async function timed(page, cluster, key, args, input) {
  const start = Date.now();
  kubelab(cluster, args, input);
  const exit = Date.now();
  const seen = await until(`${key} drawn`, () => page.evaluate((k) => window.__seen[k], key), { timeoutMs: 30_000, everyMs: 25 });
  return { fromStart: seen - start, fromExit: seen - exit };
}

const service = (name) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
const policy = (name) =>
  JSON.stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name },
    spec: { podSelector: { matchLabels: { app: name } }, policyTypes: ['Ingress'] },
  });

export async function benchUi({ cluster = 'klbench-ui', rounds = 10 } = {}) {
  const listed = execFileSync('docker', ['ps', '-q', '--filter', `name=^${cluster}-control-plane$`], { encoding: 'utf8' }).trim();
  const created = !listed;
  if (created) spawnSync(process.execPath, [cli, 'cluster', 'up', '--name', cluster], { cwd: root, stdio: 'inherit' });
  const chromium = execFileSync('bash', [path.join(root, 'scripts', 'chromium.sh')], { encoding: 'utf8' }).trim();
  const ui = spawn(process.execPath, [cli, '--cluster', cluster, 'ui', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  ui.stdout.on('data', (d) => (out += d));
  ui.stderr.on('data', (d) => (out += d));
  const browser = await playwright.launch({ executablePath: chromium, chromiumSandbox: false });
  const samples = { 'Service applied': [], 'pod run': [], 'NetworkPolicy applied': [], 'Service deleted': [] };
  try {
    const url = await until('the ui serving', () => /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1], { timeoutMs: 60_000 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => (window.kubelab?.updates ?? 0) > 0, undefined, { timeout: 60_000 });
    // The page's clock of each vertex coming and going: the frame after cytoscape had it.
    await page.evaluate(() => {
      window.__seen = {};
      const stamp = (k) => requestAnimationFrame(() => (window.__seen[k] ??= Date.now()));
      window.kubelab.cy.on('add', 'node', (ev) => stamp(`add ${ev.target.id()}`));
      window.kubelab.cy.on('remove', 'node', (ev) => stamp(`remove ${ev.target.id()}`));
    });
    for (let i = 0; i < rounds; i++) {
      const n = `bench-ui-${i}`;
      samples['Service applied'].push(await timed(page, cluster, `add svc:default/${n}`, ['apply', '-f', '-'], service(n)));
      samples['pod run'].push(await timed(page, cluster, `add pod:default/${n}`, ['run', n, '--image', 'kubelab/echo:latest']));
      samples['NetworkPolicy applied'].push(await timed(page, cluster, `add np:default/${n}`, ['apply', '-f', '-'], policy(n)));
      samples['Service deleted'].push(await timed(page, cluster, `remove svc:default/${n}`, ['delete', 'service', n]));
    }
    const layouts = await page.evaluate(() => window.kubelab.layouts);
    return { samples, layouts, rounds, load: loadAverages() };
  } finally {
    await browser.close();
    ui.kill('SIGTERM');
    for (let i = 0; i < rounds; i++) {
      spawnSync(process.execPath, [cli, '--cluster', cluster, 'delete', 'pod', `bench-ui-${i}`, '--ignore-not-found'], { cwd: root });
      spawnSync(process.execPath, [cli, '--cluster', cluster, 'delete', 'networkpolicy', `bench-ui-${i}`, '--ignore-not-found'], {
        cwd: root,
      });
    }
    if (created) spawnSync(process.execPath, [cli, 'cluster', 'down', '--name', cluster], { cwd: root, stdio: 'inherit' });
  }
}

export function uiReport(r, { machine, date }) {
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const rows = Object.entries(r.samples).map(([what, xs]) => {
    const exit = xs.map((x) => x.fromExit);
    const start = xs.map((x) => x.fromStart);
    const within = exit.filter((x) => x <= 1000).length;
    return `| ${what} | ${s(median(exit))} | ${s(percentile(exit, 95))} | ${s(Math.max(...exit))} | ${within}/${exit.length} | ${s(median(start))} |`;
  });
  const all = Object.values(r.samples).flatMap((xs) => xs.map((x) => x.fromExit));
  const within = all.filter((x) => x <= 1000).length;
  return [
    '<!-- ui:start -->',
    '## Live map updates (issue 15)',
    '',
    `Machine: ${machine}`,
    '',
    `Date: ${date}`,
    '',
    'Command: `node bench/ui.mjs` (after `npm run build`; Debian chromium through playwright-core)',
    '',
    `A change made with the CLI until \`kubelab ui\`'s page in headless Chromium has drawn it: the animation frame after cytoscape added (or removed) the vertex, on the same clock as the CLI. ${r.rounds} rounds of each change, one after another, on a 3-node cluster with the page open. "From CLI exit" is the time from the API having accepted the change (the CLI's own start-up, about a second of Node, is in "from CLI start"; \`delete\` returns once the object is gone, so its deletion was already on its way to the page). The path: the ui's informers, a 100 ms debounce, the whole graph as one Server-Sent Event, the page's diff. Load average (1/5/15 min) at the end: ${r.load} (2 cores shared with other work). Full layouts run by the page during the run: ${r.layouts} (the first drawing only; new vertices are placed beside their neighbours).`,
    '',
    '| change | p50 from CLI exit | p95 | max | within 1 s | p50 from CLI start |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Target: updates within a second of the change: ${within}/${all.length} within 1 s of the CLI's exit (${within === all.length ? 'met' : 'NOT met'}).`,
    '<!-- ui:end -->',
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const r = await benchUi({ cluster: arg('--cluster', 'klbench-ui'), rounds: Number(arg('--rounds', '10')) });
  const section = uiReport(r, { machine: machineDescription(), date: new Date().toISOString() });
  console.log(section);
  writeSection('ui', section);
}
