// Issue 12 end to end: the ingress router `cluster up` deploys, driven with curl from this machine (names under
// *.localhost, which curl resolves to loopback itself) and from a pod, against echo pods. Covers the Kubernetes
// Ingress docs' path-type and wildcard tables, default backends, 404/503/502/504, TLS with SNI and the 308
// redirect, rewrite with capture groups, canary, cookie affinity, websockets, load spread, a rule change under
// load with no failed request, and malformed requests.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findCluster } from '@kubelab/cluster';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startCluster, type TestCluster } from '../support/cluster';
import { eventually } from '../support/docker';

const run = promisify(execFile);
let c: TestCluster;
let http = 0;
let https = 0;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kubelab-ingress-e2e-'));

const deployment = (name: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          {
            name: 'echo',
            image: 'kubelab/echo:latest',
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
          },
        ],
      },
    },
  },
});
const service = (name: string, app: string, targetPort: number | string = 8080) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort }] },
});
type P = [string, 'Exact' | 'Prefix' | 'ImplementationSpecific', string];
const rule = (host: string | undefined, paths: P[]) => ({
  ...(host ? { host } : {}),
  http: { paths: paths.map(([p, pathType, svc]) => ({ path: p, pathType, backend: { service: { name: svc, port: { number: 80 } } } })) },
});
const ingress = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec: { ingressClassName: 'nginx', ...spec },
});

// https://kubernetes.io/docs/concepts/services-networking/ingress/#examples, one host per row.
const docTable: { paths: P[]; request: string; want: string }[] = [
  { paths: [['/', 'Prefix', 'a']], request: '/anything', want: 'a' },
  { paths: [['/foo', 'Exact', 'a']], request: '/foo', want: 'a' },
  { paths: [['/foo', 'Exact', 'a']], request: '/bar', want: '404' },
  { paths: [['/foo', 'Exact', 'a']], request: '/foo/', want: '404' },
  { paths: [['/foo/', 'Exact', 'a']], request: '/foo', want: '404' },
  { paths: [['/foo', 'Prefix', 'a']], request: '/foo', want: 'a' },
  { paths: [['/foo', 'Prefix', 'a']], request: '/foo/', want: 'a' },
  { paths: [['/foo/', 'Prefix', 'a']], request: '/foo', want: 'a' },
  { paths: [['/foo/', 'Prefix', 'a']], request: '/foo/', want: 'a' },
  { paths: [['/aaa/bb', 'Prefix', 'a']], request: '/aaa/bbb', want: '404' },
  { paths: [['/aaa/bbb', 'Prefix', 'a']], request: '/aaa/bbb', want: 'a' },
  { paths: [['/aaa/bbb/', 'Prefix', 'a']], request: '/aaa/bbb', want: 'a' },
  { paths: [['/aaa/bbb', 'Prefix', 'a']], request: '/aaa/bbb/', want: 'a' },
  { paths: [['/aaa/bbb', 'Prefix', 'a']], request: '/aaa/bbb/ccc', want: 'a' },
  { paths: [['/aaa/bbb', 'Prefix', 'a']], request: '/aaa/bbbxyz', want: '404' },
  {
    paths: [
      ['/', 'Prefix', 'a'],
      ['/aaa', 'Prefix', 'b'],
    ],
    request: '/aaa/ccc',
    want: 'b',
  },
  {
    paths: [
      ['/', 'Prefix', 'a'],
      ['/aaa', 'Prefix', 'b'],
      ['/aaa/bbb', 'Prefix', 'c'],
    ],
    request: '/aaa/bbb',
    want: 'c',
  },
  {
    paths: [
      ['/', 'Prefix', 'a'],
      ['/aaa', 'Prefix', 'b'],
      ['/aaa/bbb', 'Prefix', 'c'],
    ],
    request: '/ccc',
    want: 'a',
  },
  { paths: [['/aaa', 'Prefix', 'a']], request: '/ccc', want: '404' },
  {
    paths: [
      ['/foo', 'Prefix', 'a'],
      ['/foo', 'Exact', 'b'],
    ],
    request: '/foo',
    want: 'b',
  },
];

/** curl from this machine: status and body (`-k` unless a CA file is given). */
async function curl(url: string, ...args: string[]): Promise<{ status: number; body: string; stderr: string }> {
  const verify = args.includes('--cacert') ? [] : ['-k'];
  const r = await run('curl', ['-sS', ...verify, '--max-time', '20', '-w', '\n%{http_code}', ...args, url], {
    maxBuffer: 4 * 1024 * 1024,
  }).catch((e: { stdout: string; stderr: string }) => e);
  const out = r.stdout;
  const nl = out.lastIndexOf('\n');
  return { status: Number(out.slice(nl + 1)), body: out.slice(0, nl), stderr: r.stderr };
}
const u = (host: string, p: string, secure = false) => (secure ? `https://${host}:${https}${p}` : `http://${host}:${http}${p}`);
/** Which app answered: `a`, `b`, `c` from the echo server's Hostname line, else the status code. */
const who = (r: { status: number; body: string }): string => /^Hostname: ([a-z]+)-/m.exec(r.body)?.[1] ?? String(r.status);

beforeAll(async () => {
  c = await startCluster('kltest-ingress', { workers: 2 });
  const info = await findCluster('kltest-ingress');
  http = info?.ingress?.httpPort ?? 0;
  https = info?.ingress?.httpsPort ?? 0;
  const objects: unknown[] = [
    deployment('a', 3),
    deployment('b', 1),
    deployment('c', 1),
    service('a', 'a'),
    service('b', 'b'),
    service('c', 'c'),
    service('empty', 'nothing-here'),
    service('refused', 'a', 9999),
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client' },
      spec: { containers: [{ name: 'toolbox', image: 'kubelab/toolbox:latest' }] },
    },
    ingress('doc-table', { rules: docTable.map((row, i) => rule(`row${i}.localhost`, row.paths)) }),
    ingress('wildcards', { rules: [rule('foo.bar.localhost', [['/', 'Prefix', 'b']]), rule('*.bar.localhost', [['/', 'Prefix', 'a']])] }),
    ingress('with-default', {
      defaultBackend: { service: { name: 'c', port: { number: 80 } } },
      rules: [rule('def.localhost', [['/x', 'Prefix', 'a']])],
    }),
    ingress('errors', {
      rules: [
        rule('err.localhost', [
          ['/empty', 'Prefix', 'empty'],
          ['/refused', 'Prefix', 'refused'],
          ['/delay', 'Prefix', 'a'],
          ['/ws', 'Prefix', 'a'],
          ['/', 'Prefix', 'a'],
        ]),
      ],
    }),
    ingress(
      'slow',
      { rules: [rule('slow.localhost', [['/delay', 'Prefix', 'a']])] },
      { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '1' },
    ),
    ingress(
      'rewrite',
      { rules: [rule('rw.localhost', [['/something(/|$)(.*)', 'ImplementationSpecific', 'b']])] },
      { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' },
    ),
    ingress('main', { rules: [rule('canary.localhost', [['/', 'Prefix', 'a']])] }),
    ingress(
      'canary',
      { rules: [rule('canary.localhost', [['/', 'Prefix', 'b']])] },
      {
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': '30',
        'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
      },
    ),
    ingress(
      'sticky',
      { rules: [rule('sticky.localhost', [['/', 'Prefix', 'a']])] },
      {
        'nginx.ingress.kubernetes.io/affinity': 'cookie',
        'nginx.ingress.kubernetes.io/session-cookie-name': 'route',
      },
    ),
    ingress('odd', { rules: [rule('odd.localhost', [['/', 'Prefix', 'a']])] }, { 'nginx.ingress.kubernetes.io/enable-cors': 'true' }),
    ingress(
      'snippet',
      { rules: [rule('snippet.localhost', [['/', 'Prefix', 'a']])] },
      {
        'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "X-Evil: 1";',
      },
    ),
  ];
  await c.run(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  // TLS: a self-signed Secret made by the CLI helper, its certificate written here for curl --cacert.
  await c.run([
    'create',
    'secret',
    'tls',
    'tls-secret',
    '--self-signed',
    '--host',
    'secure.localhost',
    '--cert',
    path.join(tmp, 'tls.crt'),
    '--key',
    path.join(tmp, 'tls.key'),
  ]);
  await c.run(['create', 'ingress', 'secure', '--rule=secure.localhost/*=c:80,tls=tls-secret']);
  for (const d of ['a', 'b', 'c']) await c.run(['rollout', 'status', `deployment/${d}`, '--timeout=120s']);
  await c.waitReady('client', 120_000);
  await eventually('the router to serve the last Ingress', async () => who(await curl(u('secure.localhost', '/', true))) === 'c', 30_000);
}, 400_000);

afterAll(async () => {
  await c?.down();
});

describe('ingress from this machine', () => {
  it('publishes on 127.0.0.1 and shows the Ingress as kubectl does', async () => {
    expect(http).toBeGreaterThan(0);
    expect(https).toBeGreaterThan(0);
    const table = await c.run(['get', 'ingress']);
    expect(table).toMatch(/^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE$/m);
    expect(table).toMatch(/^secure\s+nginx\s+secure\.localhost\s+localhost\s+80, 443\s+/m);
    expect(table).toMatch(/^doc-table\s+nginx\s+row0\.localhost,row1\.localhost,row2\.localhost \+ 17 more\.\.\.\s+localhost\s+80\s/m);
    expect(await c.run(['get', 'ingressclass'])).toMatch(/^nginx\s+k8s\.io\/ingress-nginx\s+<none>/m);
    // On Linux every node IP answers on 80 and 443 too.
    const nodes = JSON.parse(await c.run(['get', 'nodes', '-o', 'json'])).items as {
      status: { addresses: { type: string; address: string }[] };
    }[];
    for (const n of nodes) {
      const ip = n.status.addresses.find((a) => a.type === 'InternalIP')?.address;
      expect(who(await curl(`http://${ip}/`, '-H', 'Host: row0.localhost'))).toBe('a');
      expect(who(await curl(`https://secure.localhost/`, '--resolve', `secure.localhost:443:${ip}`))).toBe('c');
    }
  });

  it("every row of the Kubernetes docs' path-type table", async () => {
    const got = await Promise.all(docTable.map(async (row, i) => who(await curl(u(`row${i}.localhost`, row.request)))));
    expect(got).toEqual(docTable.map((r) => r.want));
  });

  it('wildcard hosts match one label; exact hosts win', async () => {
    expect(who(await curl(u('x.bar.localhost', '/')))).toBe('a');
    expect(who(await curl(u('foo.bar.localhost', '/')))).toBe('b');
    expect(who(await curl(u('baz.x.bar.localhost', '/')))).toBe('404');
    expect(who(await curl(u('bar.localhost', '/')))).toBe('404');
  });

  it('default backend, 404 page, 503, 502, 504', async () => {
    expect(who(await curl(u('def.localhost', '/x/y')))).toBe('a');
    expect(who(await curl(u('def.localhost', '/other')))).toBe('c');
    const notFound = await curl(u('nobody.localhost', '/'));
    expect(notFound.status).toBe(404);
    expect(notFound.body).toContain('<center><h1>404 Not Found</h1></center>');
    expect((await curl(u('err.localhost', '/empty'))).status).toBe(503);
    expect((await curl(u('err.localhost', '/refused'))).status).toBe(502);
    expect((await curl(u('slow.localhost', '/delay/3000'))).status).toBe(504);
    expect((await curl(u('err.localhost', '/delay/10'))).status).toBe(200);
  });

  it('forwarding headers reach the pod', async () => {
    const r = await curl(u('err.localhost', '/hello?x=1'), '-H', 'X-Request-ID: my-id-1');
    expect(r.body).toMatch(/^GET \/hello\?x=1 HTTP\/1.1$/m);
    expect(r.body).toMatch(/^x-forwarded-proto: http$/im);
    expect(r.body).toMatch(/^x-forwarded-host: err\.localhost:\d+$/im);
    expect(r.body).toMatch(/^x-forwarded-port: 80$/im);
    expect(r.body).toMatch(/^x-real-ip: \d+\.\d+\.\d+\.\d+$/im);
    expect(r.body).toMatch(/^x-request-id: my-id-1$/im);
  });

  it('TLS: SNI picks the Secret, other names get the fake certificate, HTTP redirects with 308', async () => {
    const ok = await curl(`https://secure.localhost:${https}/`, '--cacert', path.join(tmp, 'tls.crt'), '-v');
    expect(who(ok)).toBe('c');
    expect(ok.stderr).toContain('SSL certificate verify ok');
    expect(readFileSync(path.join(tmp, 'tls.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
    const other = await curl(u('err.localhost', '/', true), '-v');
    expect(other.stderr).toContain('CN=Kubernetes Ingress Controller Fake Certificate');
    const redirect = await curl(u('secure.localhost', '/a?b=1'), '-D', '-');
    expect(redirect.status).toBe(308);
    expect(redirect.body).toMatch(new RegExp(`^location: https://secure\\.localhost:${https}/a\\?b=1\\r?$`, 'im'));
  });

  it('rewrite-target with capture groups', async () => {
    const r = await curl(u('rw.localhost', '/something/new/path?q=2'));
    expect(who(r)).toBe('b');
    expect(r.body).toMatch(/^GET \/new\/path\?q=2 HTTP\/1.1$/m);
  });

  it('canary by header and by weight (30 %, within tolerance)', async () => {
    expect(who(await curl(u('canary.localhost', '/'), '-H', 'X-Canary: always'))).toBe('b');
    expect(who(await curl(u('canary.localhost', '/'), '-H', 'X-Canary: never'))).toBe('a');
    const agent = new Agent({ connections: 4 });
    let canary = 0;
    const n = 300;
    for (let i = 0; i < n; i += 10)
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const res = await request(u('canary.localhost', '/').replace('canary.localhost', '127.0.0.1'), {
            dispatcher: agent,
            headers: { host: 'canary.localhost' },
          });
          if (/^Hostname: b-/m.test(await res.body.text())) canary++;
        }),
      );
    await agent.close();
    expect(canary / n).toBeGreaterThan(0.18);
    expect(canary / n).toBeLessThan(0.42);
  });

  it('cookie affinity keeps one pod; without the cookie the load spreads over the 3 replicas', async () => {
    const jar = path.join(tmp, 'jar');
    const first = who(await curl(u('sticky.localhost', '/'), '-c', jar));
    expect(readFileSync(jar, 'utf8')).toMatch(/\troute\t[0-9a-f]{40}/);
    const names = new Set<string>();
    for (let i = 0; i < 8; i++)
      names.add((/^Hostname: (\S+)/m.exec((await curl(u('sticky.localhost', '/'), '-b', jar)).body) ?? [])[1] ?? '');
    expect(names.size).toBe(1);
    expect(first).toBe('a');
    const spread = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const h = /^Hostname: (\S+)/m.exec((await curl(u('err.localhost', '/'))).body)?.[1] ?? '';
      spread.set(h, (spread.get(h) ?? 0) + 1);
    }
    expect(spread.size).toBe(3);
    for (const count of spread.values()) expect(count).toBeGreaterThanOrEqual(5);
  });

  it('websocket echo through the router', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${http}/ws`, { headers: { host: 'err.localhost' } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hello through the ingress'));
      ws.on('message', (m) => resolve(String(m)));
      ws.on('error', reject);
    });
    ws.close();
    expect(reply).toContain('hello through the ingress');
  });

  it('a rule change under load fails no request and is live within a second', async () => {
    const agent = new Agent({ connections: 8 });
    let failures = 0;
    let done = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const res = await request(`http://127.0.0.1:${http}/`, { dispatcher: agent, headers: { host: 'err.localhost' } }).catch(
          () => undefined,
        );
        if (res?.statusCode !== 200) failures++;
        await res?.body.dump();
        done++;
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    for (let i = 0; i < 3; i++) {
      await c.run(['create', 'ingress', `live-${i}`, `--rule=live${i}.localhost/*=b:80`]);
      // Issue 12: a change takes effect within 1 s of the API acknowledging it.
      const acknowledged = Date.now();
      await eventually(`live${i}.localhost routed`, async () => who(await curl(u(`live${i}.localhost`, '/'))) === 'b', 10_000, 50);
      expect(Date.now() - acknowledged).toBeLessThan(1_000);
    }
    stop = true;
    await Promise.all(workers);
    await agent.close();
    expect(done).toBeGreaterThan(50);
    expect(failures).toBe(0);
  });

  it('annotations it does not know warn; snippets refuse the Ingress; describe shows backends and events', async () => {
    expect(who(await curl(u('snippet.localhost', '/')))).toBe('404');
    const odd = await eventually('the warning event', async () => {
      const d = await c.run(['describe', 'ingress', 'odd']);
      return d.includes('AnnotationIgnored') ? d : undefined;
    });
    expect(odd).toMatch(/Warning\s+AnnotationIgnored\s+.*enable-cors is not supported/);
    const snippet = await c.run(['describe', 'ingress', 'snippet']);
    expect(snippet).toMatch(/Warning\s+Rejected\s+.*configuration-snippet cannot be used/);
    const secure = await c.run(['describe', 'ingress', 'secure']);
    expect(secure).toMatch(/^TLS:\n {2}tls-secret terminates secure\.localhost$/m);
    expect(secure).toMatch(/^ {2}secure\.localhost\s*\n\s+\/\s+c:80 \(10\.\d+\.\d+\.\d+:8080\)$/m);
    expect(secure).toMatch(/Normal\s+Sync\s+.*nginx-ingress-controller\s+Scheduled for sync/);
  });

  it('malformed requests get 4xx or are dropped, and the router keeps serving', async () => {
    const raw = (text: string, waitMs = 20_000) =>
      new Promise<string>((resolve) => {
        const s = connect(http, '127.0.0.1', () => s.write(text));
        let out = '';
        const t = setTimeout(() => s.destroy(), waitMs);
        s.on('data', (d) => (out += d));
        s.on('close', () => {
          clearTimeout(t);
          resolve(out);
        });
        s.on('error', () => undefined);
      });
    expect(await raw('GET / HTTP/1.1\r\nHost: bad host!\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 400/);
    expect(await raw(`GET / HTTP/1.1\r\nHost: err.localhost\r\nX-Huge: ${'x'.repeat(64 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1.1 431/);
    expect(await raw('NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1.1 400/);
    // Slowloris: a request head that never completes is cut after the router's 10 s header timeout.
    const started = Date.now();
    const slow = await raw('GET / HTTP/1.1\r\nHost: err.localhost\r\nX-Slow: 1\r\n', 25_000);
    expect(slow === '' || /^HTTP\/1.1 408/.test(slow)).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(who(await curl(u('err.localhost', '/')))).toBe('a');
  }, 60_000);

  it('access log lines in kubelab logs -n ingress-nginx', async () => {
    await curl(u('err.localhost', '/logged-path'), '-H', 'X-Request-ID: find-me-in-the-log');
    const pod = (await c.run(['get', 'pods', '-n', 'ingress-nginx', '-o', 'name'])).trim().split('\n')[0];
    const line = await eventually('the access log line', async () => {
      const logs = await c.run(['logs', '-n', 'ingress-nginx', pod]);
      return logs.split('\n').find((l) => l.includes('find-me-in-the-log'));
    });
    const rec = JSON.parse(line);
    expect(rec).toMatchObject({ host: 'err.localhost', path: '/logged-path', status: 200, requestId: 'find-me-in-the-log' });
    expect(rec.upstream).toMatch(/^10\.\d+\.\d+\.\d+:8080$/);
    expect(typeof rec.duration).toBe('number');
  });
});

describe('ingress from a pod', () => {
  it('through the controller Service and through a node IP on port 80', async () => {
    const viaService = await c.run([
      'exec',
      'client',
      '--',
      'curl',
      '-s',
      '-H',
      'Host: row0.localhost',
      'http://ingress-nginx-controller.ingress-nginx/x',
    ]);
    expect(who({ status: 0, body: viaService })).toBe('a');
    const nodes = JSON.parse(await c.run(['get', 'nodes', '-o', 'json'])).items as {
      status: { addresses: { type: string; address: string }[] };
    }[];
    const nodeIP = nodes[1].status.addresses.find((a) => a.type === 'InternalIP')?.address;
    const viaNode = await c.run([
      'exec',
      'client',
      '--',
      'curl',
      '-s',
      '--resolve',
      `secure.localhost:443:${nodeIP}`,
      '-k',
      'https://secure.localhost/',
    ]);
    expect(who({ status: 0, body: viaNode })).toBe('c');
  });
});
