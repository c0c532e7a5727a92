// `node bench/ingress.mjs`: the ingress router against Debian's nginx as the equivalent reverse proxy (issue 12
// item 8), written as a section of bench/RESULTS.md (between the ingress markers; the rest is kept).
// Every proxy is one process pinned to CPU 1 (taskset, or --cpuset-cpus for a container), as the DNS bench pins its servers: kubelab's is the
// real proxy of packages/ingress (bench/ingress-router.ts: route table, the raw-socket fast path with its own
// upstream pool, access log), run a second time without the fast path (node:http + undici, the router before
// it) for comparison, and the plain node:http + Pool.stream baseline; nginx has
// one worker, an upstream keepalive pool and the headers ingress-nginx sets, and logs every request to a file
// as both do in the pod. The upstream is a second nginx answering a fixed 300-byte page (CPU 0, with wrk), as
// in the baseline. wrk -c32 on CPU 0; rounds alternate between the proxies so background load hits
// both alike. Also: route table builds for 1000 Ingress rules.
// Both nginx run in throwaway containers of kubelab/bench-nginx:<hash> (bench/ingress-nginx-image.ts: the
// kubelab base image plus Debian's nginx .debs that the host's apt downloads from its mirror; built only when
// missing), on the host network so they reach the same 127.0.0.1 ports as the Node proxies, labelled
// kubelab.managed / kubelab.role=bench-nginx and removed afterwards (also when a previous run left one).
// wrk comes from Debian, installed here when missing, as the other benches do.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundle, isMain, loadAverages, machineDescription, markers, median, root, sleep, withSection, writeSection } from './lib.mjs';

const UPSTREAM = 18181;
const NGINX = 18182;
const OURS = 18183;
const PLAIN = 18184;
const OURS_NODE = 18185;
const ROUNDS = 3;
const SECONDS = 5;
const [begin, end] = markers('ingress');

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function ensureTools() {
  if (have('wrk') && have('taskset')) return;
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'wrk', 'util-linux'], { stdio: 'inherit' }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    if (!install()) throw new Error('could not install wrk with apt-get');
  }
}

const NGINX_ROLE = 'bench-nginx';
const NGINX_LABELS = ['--label', 'kubelab.managed=true', '--label', `kubelab.role=${NGINX_ROLE}`];
const docker = (args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Removes every bench nginx container, this run's or one a killed run left behind. */
function removeNginxContainers() {
  const ids = docker(['ps', '-aq', '--filter', 'label=kubelab.managed=true', '--filter', `label=kubelab.role=${NGINX_ROLE}`]);
  if (ids) docker(['rm', '-f', ...ids.split('\n')]);
}

/**
 * kubelab/bench-nginx:<hash>: Debian's nginx .debs (the host's apt, from its own mirror: no registry, no
 * network in the build) on the kubelab base image, built only when missing (bench/ingress-nginx-image.ts).
 */
async function nginxImage(dir) {
  const debs = path.join(dir, 'debs');
  mkdirSync(debs);
  const download = () => spawnSync('apt-get', ['download', 'nginx', 'nginx-common'], { cwd: debs, encoding: 'utf8' });
  let r = download();
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    r = download();
    if (r.status !== 0) throw new Error(`apt-get download nginx nginx-common failed: ${r.stderr}`);
  }
  const helper = await bundle({
    outfile: path.join(dir, 'nginx-image.mjs'),
    entry: path.join(root, 'bench', 'ingress-nginx-image.ts'),
    dockerode: true,
  });
  return execFileSync(process.execPath, [helper, debs], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** nginx -c conf in a throwaway container pinned to one CPU; dir is mounted at the same path, so the config is the host's. */
function nginxContainer(image, dir, name, cpu) {
  const container = `kubelab-bench-nginx-${name}-${process.pid}`;
  docker([
    'run',
    '-d',
    '--name',
    container,
    ...NGINX_LABELS,
    '--network',
    'host',
    '--cpuset-cpus',
    String(cpu),
    '-v',
    `${dir}:${dir}`,
    image,
    'nginx',
    '-c',
    path.join(dir, `${name}.conf`),
  ]);
  return container;
}

function nginxConf(dir, name, server) {
  return `daemon off;
worker_processes 1;
pid ${dir}/${name}.pid;
error_log ${dir}/${name}.error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path ${dir}/${name}-body;
  proxy_temp_path ${dir}/${name}-proxy;
  fastcgi_temp_path ${dir}/${name}-fastcgi;
  uwsgi_temp_path ${dir}/${name}-uwsgi;
  scgi_temp_path ${dir}/${name}-scgi;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
${server}
}
`;
}

const upstreamConf = (dir) =>
  nginxConf(
    dir,
    'upstream',
    `  access_log off;
  server { listen 127.0.0.1:${UPSTREAM}; location / { default_type text/plain; return 200 "${'x'.repeat(299)}\\n"; } }`,
  );

// What ingress-nginx renders for one location (proxy headers, HTTP/1.1 keep-alive upstream), and its log line.
const proxyConf = (dir) =>
  nginxConf(
    dir,
    'proxy',
    `  log_format upstreaminfo '$remote_addr - $host "$request" $status $body_bytes_sent $request_time $upstream_addr $request_id';
  access_log ${dir}/proxy.access.log upstreaminfo buffer=64k flush=1s;
  upstream backend { server 127.0.0.1:${UPSTREAM}; keepalive 320; }
  server {
    listen 127.0.0.1:${NGINX};
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Request-ID $request_id;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Scheme $scheme;
      proxy_set_header X-Scheme $scheme;
      proxy_connect_timeout 5s;
      proxy_read_timeout 60s;
      proxy_pass http://backend;
    }
  }`,
  );

/** wrk's summary: requests/s and the 50/99 % latencies in ms. */
function parseWrk(out) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const ms = (label) => {
    const m = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return Number.NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const socket = /Socket errors: (.*)/.exec(out)?.[1];
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  return { rps, p50: ms(' 50'), p99: ms(' 99'), errors: Number(errors), socket, requests };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The nginx worker process (host pid) under the master that is the container's first process. */
function nginxWorker(container) {
  const master = docker(['inspect', '-f', '{{.State.Pid}}', container]);
  return execFileSync('ps', ['-o', 'pid=', '--ppid', master], { encoding: 'utf8' }).trim().split('\n')[0].trim();
}

function wrk(port, seconds) {
  const r = spawnSync(
    'taskset',
    ['-c', '0', 'wrk', '-t1', '-c32', `-d${seconds}s`, '--latency', '-H', 'Host: bench.localhost', `http://127.0.0.1:${port}/`],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  return parseWrk(r.stdout);
}

async function waitPort(port) {
  for (let i = 0; i < 100; i++) {
    if (spawnSync('curl', ['-s', '-o', '/dev/null', '-H', 'Host: bench.localhost', `http://127.0.0.1:${port}/`]).status === 0) return;
    await sleep(100);
  }
  throw new Error(`nothing answers on 127.0.0.1:${port}`);
}

export async function benchIngress() {
  ensureTools();
  removeNginxContainers();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubelab-bench-ingress-'));
  const procs = [];
  try {
    const image = await nginxImage(dir);
    const router = await bundle({ outfile: path.join(dir, 'router.mjs'), entry: path.join(root, 'bench', 'ingress-router.ts') });
    const rebuild = JSON.parse(execFileSync('taskset', ['-c', '1', process.execPath, router, 'rebuild'], { encoding: 'utf8' }));
    writeFileSync(path.join(dir, 'upstream.conf'), upstreamConf(dir));
    writeFileSync(path.join(dir, 'proxy.conf'), proxyConf(dir));
    nginxContainer(image, dir, 'upstream', 0);
    const proxyContainer = nginxContainer(image, dir, 'proxy', 1);
    procs.push(
      spawn(
        'taskset',
        ['-c', '1', process.execPath, router, 'serve', String(OURS), String(UPSTREAM), path.join(dir, 'router.access.log')],
        { stdio: 'ignore' },
      ),
    );
    procs.push(
      spawn(
        'taskset',
        [
          '-c',
          '1',
          process.execPath,
          router,
          'serve',
          String(OURS_NODE),
          String(UPSTREAM),
          path.join(dir, 'router-node.access.log'),
          'node',
        ],
        { stdio: 'ignore' },
      ),
    );
    // The baseline: a plain node:http server piping undici Pool.stream answers, no routing or logging.
    const plain = path.join(dir, 'plain.mjs');
    writeFileSync(
      plain,
      `import http from 'node:http';
import { Pool } from ${JSON.stringify(path.join(root, 'node_modules', 'undici', 'index.js'))};
const pool = new Pool('http://127.0.0.1:${UPSTREAM}', { connections: 256 });
http.createServer((req, res) => {
  const { connection, ...headers } = req.headers;
  pool.stream({ path: req.url, method: req.method, headers }, ({ statusCode, headers: h }) => {
    delete h.connection;
    delete h['keep-alive'];
    res.writeHead(statusCode, h);
    return res;
  }).catch(() => res.destroy());
}).listen(${PLAIN}, '127.0.0.1');
`,
    );
    procs.push(spawn('taskset', ['-c', '1', process.execPath, plain], { stdio: 'ignore' }));
    for (const p of [UPSTREAM, NGINX, OURS, OURS_NODE, PLAIN]) await waitPort(p);
    // Warm-up: JIT, pools, nginx's keepalive cache.
    wrk(OURS, 2);
    wrk(OURS_NODE, 2);
    wrk(NGINX, 1);
    wrk(PLAIN, 1);
    const runs = { ours: [], oursNode: [], nginx: [], plain: [] };
    const pids = {
      ours: String(procs[0].pid),
      oursNode: String(procs[1].pid),
      nginx: nginxWorker(proxyContainer),
      plain: String(procs[2].pid),
    };
    // CPU time per request: what each proxy costs, whatever else the machine is doing.
    const measured = (key, port) => {
      const before = cpuSeconds(pids[key]);
      const w = wrk(port, SECONDS);
      return { ...w, cpuUs: ((cpuSeconds(pids[key]) - before) * 1e6) / Math.max(1, w.requests) };
    };
    // Rounds alternate between the proxies (each round in a rotated order) so background load hits all alike.
    const order = [
      ['ours', OURS],
      ['nginx', NGINX],
      ['oursNode', OURS_NODE],
      ['plain', PLAIN],
    ];
    for (let r = 0; r < ROUNDS; r++)
      for (let i = 0; i < order.length; i++) {
        const [key, port] = order[(i + r) % order.length];
        runs[key].push(measured(key, port));
      }
    const summary = (xs) => ({
      rps: median(xs.map((x) => x.rps)),
      p50: median(xs.map((x) => x.p50)),
      p99: median(xs.map((x) => x.p99)),
      rounds: xs.map((x) => x.rps),
      cpuUs: median(xs.map((x) => x.cpuUs)),
      cpuRounds: xs.map((x) => x.cpuUs),
      errors: xs.reduce((a, x) => a + x.errors, 0),
    });
    return {
      ours: summary(runs.ours),
      oursNode: summary(runs.oursNode),
      nginx: summary(runs.nginx),
      plain: summary(runs.plain),
      rebuild,
      wrkVersion: (spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.match(/wrk (\S+)/) ?? [])[1] ?? '?',
      nginxVersion:
        (spawnSync('docker', ['exec', proxyContainer, 'nginx', '-v'], { encoding: 'utf8' }).stderr.match(/nginx\/(\S+)/) ?? [])[1] ?? '?',
      nginxImage: image,
      load: loadAverages(),
    };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await sleep(300);
    for (const p of procs) p.kill('SIGKILL');
    removeNginxContainers();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function ingressReport(r, { machine, date }) {
  const k = (n) => `${(n / 1000).toFixed(1)}k`;
  const f = (n) => n.toFixed(2);
  const ratio = r.ours.rps / r.nginx.rps;
  const p99ratio = r.ours.p99 / r.nginx.p99;
  const cpuRatio = r.ours.cpuUs / r.nginx.cpuUs;
  const quiet = r.nginx.cpuUs / r.ours.cpuUs;
  const b = r.rebuild;
  const row = (name, x) =>
    `| ${name} | ${k(x.rps)} | ${x.rounds.map(k).join(', ')} | ${f(x.p50)} | ${f(x.p99)} | ${x.cpuUs.toFixed(1)} (${x.cpuRounds.map((c) => c.toFixed(0)).join(', ')}) | ${(x.cpuUs / r.nginx.cpuUs).toFixed(2)}x | ${x.errors} |`;
  return [
    begin,
    '## Ingress router (issue 12)',
    '',
    `${date}, ${machine}.`,
    '',
    `Each proxy is one process pinned to CPU 1 (taskset; nginx's container with --cpuset-cpus): kubelab's router (packages/ingress: route table, the raw-socket HTTP/1.1 fast path with its own keep-alive pool per endpoint, forwarding headers, access log), the same router without the fast path (node:http + undici Pool per endpoint, what it was before), the issue's plain node:http + undici Pool.stream proxy, and Debian's nginx ${r.nginxVersion} with one worker, an upstream keepalive pool and ingress-nginx's proxy headers, logging every request. Upstream: a second nginx returning a 300-byte page, on CPU 0 with wrk ${r.wrkVersion} (-t1 -c32, ${SECONDS} s, median of ${ROUNDS} rounds after a warm-up; each round runs every proxy, in a rotated order). Load averages (1/5/15 min) at the end: ${r.load} (the 2 cores are shared with other work).`,
    '',
    `Both nginx run in throwaway containers of ${r.nginxImage} (the kubelab base image plus Debian's nginx .debs from the host's apt mirror, built offline by bench/ingress-nginx-image.ts when missing) on the host network, so every proxy listens on and reaches the upstream at 127.0.0.1 the same way; the containers carry kubelab.managed=true and kubelab.role=bench-nginx and are removed at the end.`,
    '',
    '| proxy | requests/s | rounds | p50 ms | p99 ms | CPU µs/request (rounds) | CPU vs nginx | non-2xx |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    row('kubelab router (fast path)', r.ours),
    row('kubelab router, node:http + undici path', r.oursNode),
    row('plain node:http + Pool.stream (issue baseline)', r.plain),
    row('nginx (reference)', r.nginx),
    `| **ratio kubelab / nginx** | **${ratio.toFixed(2)}x** | | ${(r.ours.p50 / r.nginx.p50).toFixed(2)}x | **${p99ratio.toFixed(2)}x** | ${cpuRatio.toFixed(2)}x | | |`,
    '',
    "CPU µs/request is the proxy process's user + system time over the requests wrk counted: what each proxy costs per request, which the machine's other load changes much less than requests/s. A proxy pinned alone on a quiet core serves about 1e6 / (its µs per request) requests/s.",
    '',
    `Targets: requests/s >= 0.5x nginx (${ratio >= 0.5 ? 'met' : 'NOT met'} in this run), p99 <= 3x nginx (${p99ratio <= 3 ? 'met' : 'NOT met'} in this run). On a shared machine the requests/s ratio mostly measures the background load (wrk and the upstream share CPU 0 with it); by CPU cost the router would serve about ${quiet.toFixed(2)}x nginx's requests/s on a quiet core (nginx µs / router µs), ${quiet >= 0.5 ? 'meeting' : 'short of'} the 0.5x target. The fast path costs ${(r.ours.cpuUs / r.oursNode.cpuUs).toFixed(2)}x the CPU per request of the node:http + undici path and ${(r.ours.cpuUs / r.plain.cpuUs).toFixed(2)}x that of the plain Node proxy (0.42-0.45x nginx on a quiet machine in the issue's baseline, so about ${((0.435 * r.plain.cpuUs) / r.ours.cpuUs).toFixed(2)}x nginx by that yardstick).`,
    '',
    '| route table build (pure, one core) | min ms | median ms | max ms |',
    '| --- | --- | --- | --- |',
    `| 1000 rules: 100 hosts x 10 paths, 50 Services x 3 endpoints | ${f(b.hosts100x10.min)} | ${f(b.hosts100x10.median)} | ${f(b.hosts100x10.max)} |`,
    `| 1000 one-rule Ingresses | ${f(b.ingresses1000.min)} | ${f(b.ingresses1000.median)} | ${f(b.ingresses1000.max)} |`,
    '',
    `Target: rebuild under 100 ms (${Math.max(b.hosts100x10.median, b.ingresses1000.median) < 100 ? 'met' : 'NOT met'}).`,
    end,
  ].join('\n');
}

export function withIngressSection(text, section) {
  return withSection(text, 'ingress', section);
}

if (isMain(import.meta.url)) {
  const r = await benchIngress();
  const section = ingressReport(r, { machine: machineDescription({ docker: false }), date: new Date().toISOString() });
  console.log(section);
  writeSection('ingress', section);
}
