// The real kubectl against kubelab (issue 9, item 7), beside kubelab's own CLI doing the same, in one run:
// `get pods` over 500 pod objects (kubectl asks for the server-side Table; kubelab's CLI lists JSON and
// prints its own columns) and the exec round trip (`exec POD -- true`: process start, discovery, the
// WebSocket stream, the exit status). Wall time of whole commands, as a learner waits for them.
//
// Cluster `klbench-kubectl` (`cluster up --max-pods 5`, so most of the 500 replicas stay Pending: the API's
// work is the same for a Pending pod, and 500 running containers would not fit the 2-core machine), with its
// kubeconfig in a temporary file. Alone: `node bench/kubectl.mjs` replaces only this section of
// bench/RESULTS.md; `npm run bench` keeps it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli, isMain, machineDescription, markers, quantile, root, until, writeSection } from './lib.mjs';

const cluster = 'klbench-kubectl';
const pods = 500;
const [begin, end] = markers('kubectl');
const work = mkdtempSync(path.join(os.tmpdir(), 'kubelab-bench-kubectl-'));
const kubeconfig = path.join(work, 'kubeconfig');
const env = { ...process.env, KUBECONFIG: kubeconfig };

function run(bin, args, { check = true } = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync(bin, args, { cwd: root, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (check && r.status !== 0) throw new Error(`${path.basename(bin)} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { ms, stdout: r.stdout ?? '', code: r.status };
}
const kubelab = (args, opts) => run(process.execPath, [cli, '--cluster', cluster, ...args], opts);
/** The newest kubectl.1.NN beside the kubectl on the PATH (that one may be a version dispatcher), else it. */
function kubectlBinary() {
  const onPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((d) => path.join(d, 'kubectl'))
    .find((p) => existsSync(p));
  if (!onPath) throw new Error('no kubectl on the PATH');
  const dir = path.dirname(realpathSync(onPath));
  const newest = readdirSync(dir)
    .map((f) => /^kubectl\.1\.(\d+)$/.exec(f))
    .filter(Boolean)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a)[0];
  return newest === undefined ? onPath : path.join(dir, `kubectl.1.${newest}`);
}
const kubectlBin = kubectlBinary();
const kubectl = (args, opts) => run(kubectlBin, args, opts);

const f = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/** Times `fn` `n` times after one warm-up run; returns the samples in ms. */
function sample(n, fn) {
  fn();
  return Array.from({ length: n }, () => fn().ms);
}

export async function benchKubectl() {
  const kubectlVersion =
    /Client Version: (\S+)/.exec(spawnSync(kubectlBin, ['version', '--client'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
  run(process.execPath, [cli, 'cluster', 'down', '--name', cluster], { check: false });
  try {
    run(process.execPath, [cli, 'cluster', 'up', '--name', cluster, '--max-pods', '5', '--kubeconfig', kubeconfig]);
    // The exec target first, while the nodes have room.
    kubectl(['run', 'shell', '--image=kubelab/toolbox:latest']);
    kubectl(['wait', '--for=condition=Ready', 'pod/shell', '--timeout=120s']);
    kubectl(['create', 'deployment', 'load', '--image=kubelab/toolbox:latest', `--replicas=${pods}`]);
    await until(
      `${pods} load pods`,
      () => kubectl(['get', 'pods', '-l', 'app=load', '-o', 'name']).stdout.trim().split('\n').length === pods,
      { timeoutMs: 300_000, everyMs: 1000 },
    );
    const listed = kubectl(['get', 'pods']).stdout.trim().split('\n').length - 1;
    const load = os.loadavg()[0];
    const getKubectl = sample(7, () => kubectl(['get', 'pods']));
    const getKubelab = sample(7, () => kubelab(['get', 'pods']));
    const execKubectl = sample(10, () => kubectl(['exec', 'shell', '--', 'true']));
    const execKubelab = sample(10, () => kubelab(['exec', 'shell', '--', 'true']));
    return { kubectlVersion, listed, load, getKubectl, getKubelab, execKubectl, execKubelab };
  } finally {
    run(process.execPath, [cli, 'cluster', 'down', '--name', cluster], { check: false });
    rmSync(work, { recursive: true, force: true });
  }
}

export function kubectlSection(r, { machine, date }) {
  const row = (what, command, xs) =>
    `| ${what} | \`${command}\` | ${f(quantile(xs, 0.5))} | ${f(Math.min(...xs))} | ${f(Math.max(...xs))} |`;
  return [
    begin,
    '## The real kubectl (issue 9)',
    '',
    `Machine: ${machine}`,
    '',
    `Date: ${date}`,
    '',
    'Command: `node bench/kubectl.mjs`',
    '',
    `Cluster \`${cluster}\`: 1 control plane + 2 workers, \`kubelab cluster up --max-pods 5\`, a Deployment of ${pods} replicas ` +
      `(kubelab/toolbox; ${r.listed} pods listed, nearly all Pending) and one pod \`shell\` for exec. kubectl ${r.kubectlVersion} and ` +
      'kubelab in the same run, each command started as a new process (process start, discovery from cache or server, request, ' +
      'printing); one warm-up run each, then 7 (get) or 10 (exec) timed runs.',
    '',
    '| measurement | command | median | min | max |',
    '|---|---|---|---|---|',
    row(`get pods, ${r.listed} pods (server-side Table)`, 'kubectl get pods', r.getKubectl),
    row(`get pods, ${r.listed} pods (JSON list, columns printed by the CLI)`, 'kubelab get pods', r.getKubelab),
    row('exec round trip', 'kubectl exec shell -- true', r.execKubectl),
    row('exec round trip', 'kubelab exec shell -- true', r.execKubelab),
    '',
    `Machine load average (1 min) when the timed runs began: ${r.load.toFixed(1)} (2 cores shared with other work).`,
    '',
    'Before the CLI loaded only the command it runs (session 7: split bundle, no dockerode, node-forge or full undici at ' +
      'start, no wait for V8 to finish compiling WebAssembly at exit), kubelab took 1.00 s for get pods and 1.11 s for exec ' +
      'in this bench (kubectl: 433 and 211 ms).',
    end,
    '',
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const section = kubectlSection(await benchKubectl(), { machine: machineDescription(), date: new Date().toISOString() });
  writeSection('kubectl', section);
  console.log(section);
}
