// The proxy against real local sockets: backends are node:http servers on 127.0.0.1, the route table is
// built from plain objects (no API server), the router listens on ephemeral ports.
import { createServer, request as rawRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { EndpointSlice, Ingress, Service } from '@kubelab/api';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { AccessLog } from './access-log';
import { selfSignedCertificate } from './certs';
import { ingress, localServers } from './fixtures.test-util';
import { buildRouteTable, type RouteTable } from './route-table';
import { startServers, type RunningServers } from './server';
import { TlsStore } from './tls-store';
import { UpstreamPools } from './upstreams';

const backends: Server[] = [];
const ports: Record<string, number> = {};
let table: RouteTable;
let router: RunningServers;
const pools = new UpstreamPools({ retireAfterMs: 10 });
/** The router's canary-weight draw: Math.random unless a test sets a fixed sequence. */
let draw: () => number = Math.random;
const cert = selfSignedCertificate(['secure.localhost']);
const tls = new TlsStore(selfSignedCertificate(['ingress.local']));

/** A backend answering `name path` with the headers it saw as JSON. */
async function backend(name: string): Promise<number> {
  const s = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, url: req.url, headers: req.headers }));
  });
  const wss = new WebSocketServer({ server: s });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`${name}:${m}`)));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  backends.push(s);
  return (s.address() as AddressInfo).port;
}

function world(endpoints: Record<string, number[]>): {
  service(ns: string, n: string): Service | undefined;
  slices(ns: string, n: string): EndpointSlice[];
} {
  return {
    service: (_ns, n) =>
      endpoints[n]
        ? ({
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: n, namespace: 'default' },
            spec: { ports: [{ port: 80, name: '' }] },
          } as Service)
        : undefined,
    slices: (_ns, n) =>
      (endpoints[n] ?? []).map((port, i) => ({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${n}-${i}`, namespace: 'default', labels: { 'kubernetes.io/service-name': n } },
        addressType: 'IPv4',
        ports: [{ name: '', port }],
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      })) as EndpointSlice[],
  };
}

function setRoutes(ingresses: Ingress[], endpoints: Record<string, number[]>): void {
  table = buildRouteTable({ ingresses, ...world(endpoints), className: 'nginx', isDefaultClass: true });
  tls.update(
    table,
    (k) =>
      k === 'default/secure-tls'
        ? {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'secure-tls' },
            type: 'kubernetes.io/tls',
            data: { 'tls.crt': Buffer.from(cert.cert).toString('base64'), 'tls.key': Buffer.from(cert.key).toString('base64') },
          }
        : undefined,
    () => 'default/x',
  );
}

/** A GET with the path sent exactly as written (undici and fetch resolve `..` and `%2e` before sending). */
function rawGet(path: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const r = rawRequest({ host: '127.0.0.1', port: router.httpPort, path, headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    r.on('error', reject);
    r.end();
  });
}

async function get(path: string, host: string, headers: Record<string, string> = {}) {
  const res = await request(`http://127.0.0.1:${router.httpPort}${path}`, { headers: { host, ...headers } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

beforeAll(async () => {
  for (const n of ['a', 'b', 'c']) ports[n] = await backend(n);
  // An HTTPS backend (backend-protocol: HTTPS), with a certificate the router does not verify, as ingress-nginx.
  const tlsBackend = createHttpsServer({ cert: cert.cert, key: cert.key }, (req, res) =>
    res.end(JSON.stringify({ name: 'secure-backend', url: req.url })),
  );
  await new Promise<void>((r) => tlsBackend.listen(0, '127.0.0.1', r));
  backends.push(tlsBackend as unknown as Server);
  ports.tls = (tlsBackend.address() as AddressInfo).port;
  const dead = await backend('dead');
  await new Promise<void>((r) => backends.pop()!.close(() => r()));
  ports.dead = dead;
  setRoutes(
    [
      ingress('main', [
        {
          host: 'app.localhost',
          paths: [
            ['/a', 'Prefix', 'a'],
            ['/b', 'Exact', 'b'],
            ['/none', 'Prefix', 'empty'],
            ['/down', 'Prefix', 'down'],
            ['/retry', 'Prefix', 'half'],
          ],
        },
      ]),
      ingress('rw', [{ host: 'rw.localhost', paths: [['/something(/|$)(.*)', 'ImplementationSpecific', 'a']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' },
      }),
      ingress('sticky', [{ host: 'sticky.localhost', paths: [['/', 'Prefix', 'ab']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/affinity': 'cookie', 'nginx.ingress.kubernetes.io/session-cookie-name': 'route' },
      }),
      ingress('canary-main', [{ host: 'canary.localhost', paths: [['/', 'Prefix', 'a']] }]),
      ingress('canary', [{ host: 'canary.localhost', paths: [['/', 'Prefix', 'b']] }], {
        annotations: {
          'nginx.ingress.kubernetes.io/canary': 'true',
          'nginx.ingress.kubernetes.io/canary-weight': '30',
          'nginx.ingress.kubernetes.io/canary-by-header': 'x-canary',
        },
      }),
      ingress('secure', [{ host: 'secure.localhost', paths: [['/', 'Prefix', 'c']] }], {
        tls: [{ hosts: ['secure.localhost'], secretName: 'secure-tls' }],
      }),
      ingress('limits', [{ host: 'limits.localhost', paths: [['/', 'Prefix', 'a']] }], {
        annotations: {
          'nginx.ingress.kubernetes.io/whitelist-source-range': '10.0.0.0/8',
          'nginx.ingress.kubernetes.io/proxy-body-size': '1k',
        },
      }),
      ingress('small', [{ host: 'small.localhost', paths: [['/', 'Prefix', 'a']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '1k' },
      }),
      ingress('tlsbackend', [{ host: 'tlsbackend.localhost', paths: [['/', 'Prefix', 'tlsb']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' },
      }),
      // A guarded location beside an open one: only 10.0.0.0/8 may reach /admin.
      ingress('guard', [{ host: 'guard.localhost', paths: [['/', 'Prefix', 'a']] }]),
      ingress('guard-admin', [{ host: 'guard.localhost', paths: [['/admin', 'Prefix', 'b']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/whitelist-source-range': '10.0.0.0/8' },
      }),
      ingress('approot', [{ host: 'root.localhost', paths: [['/', 'Prefix', 'a']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/app-root': '/app1' },
      }),
    ],
    {
      a: [ports.a],
      b: [ports.b],
      c: [ports.c],
      ab: [ports.a, ports.b],
      empty: [],
      down: [ports.dead],
      half: [ports.dead, ports.a],
      tlsb: [ports.tls],
    },
  );
  router = await startServers(
    { table: () => table, pools, accessLog: new AccessLog(pino({ level: 'silent' })), httpsPortFor: () => '8443', random: () => draw() },
    tls,
    { ...localServers, maxHeaderSize: 8192, headersTimeoutMs: 500 },
  );
});

afterAll(async () => {
  await router.close();
  await pools.close();
  await Promise.all(backends.map((s) => new Promise((r) => s.close(r))));
});

describe('proxy', () => {
  it('routes by host and path and sets the forwarding headers', async () => {
    const r = await get('/a/x?q=1', 'app.localhost:8080', { 'x-forwarded-for': '1.2.3.4' });
    expect(r.status).toBe(200);
    const body = r.json();
    expect(body.name).toBe('a');
    expect(body.url).toBe('/a/x?q=1');
    expect(body.headers['x-real-ip']).toBe('127.0.0.1');
    expect(body.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(body.headers['x-original-forwarded-for']).toBe('1.2.3.4');
    expect(body.headers['x-forwarded-host']).toBe('app.localhost:8080');
    expect(body.headers['x-forwarded-proto']).toBe('http');
    expect(body.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(r.headers['x-request-id']).toBeUndefined();
    expect((await get('/b', 'app.localhost')).json().name).toBe('b');
  });
  it('404 without a route, 503 without endpoints, 502 when the endpoint refuses', async () => {
    expect((await get('/b/x', 'app.localhost')).status).toBe(404);
    expect((await get('/', 'nowhere.localhost')).text).toMatch(/404 Not Found/);
    expect((await get('/none', 'app.localhost')).status).toBe(503);
    expect((await get('/down', 'app.localhost')).status).toBe(502);
  });
  it('retries an idempotent request once on another endpoint', async () => {
    for (let i = 0; i < 4; i++) expect((await get('/retry', 'app.localhost')).json().name).toBe('a');
  });
  it('rewrite-target with capture groups', async () => {
    expect((await get('/something/new?x=1', 'rw.localhost')).json().url).toBe('/new?x=1');
    expect((await get('/something', 'rw.localhost')).json().url).toBe('/');
  });
  it('cookie affinity sticks to one endpoint', async () => {
    const first = await get('/', 'sticky.localhost');
    const cookie = String(first.headers['set-cookie']).split(';')[0];
    expect(cookie).toMatch(/^route=[0-9a-f]{40}$/);
    const name = first.json().name;
    for (let i = 0; i < 6; i++) expect((await get('/', 'sticky.localhost', { cookie })).json().name).toBe(name);
  });
  it('canary by header and by weight', async () => {
    expect((await get('/', 'canary.localhost', { 'x-canary': 'always' })).json().name).toBe('b');
    expect((await get('/', 'canary.localhost', { 'x-canary': 'never' })).json().name).toBe('a');
    // canary-weight 30 of 100: draws 0.00, 0.01, ... 0.99 send exactly the first 30 to the canary.
    const draws = Array.from({ length: 100 }, (_, i) => i / 100);
    draw = () => draws.shift() ?? 0.5;
    try {
      const names: string[] = [];
      for (let i = 0; i < 100; i++) names.push((await get('/', 'canary.localhost')).json().name);
      expect(names.filter((n) => n === 'b')).toHaveLength(30);
      expect(names.slice(0, 30).every((n) => n === 'b')).toBe(true);
    } finally {
      draw = Math.random;
    }
  });
  it('TLS hosts: 308 to https, SNI picks the Secret, the fake certificate otherwise', async () => {
    const r = await get('/x?y', 'secure.localhost:8080');
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe('https://secure.localhost:8443/x?y');
    const subject = (servername: string) =>
      new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ port: router.httpsPort, host: '127.0.0.1', servername, rejectUnauthorized: false }, () => {
          resolve(String(s.getPeerCertificate().subject.CN));
          s.end();
        });
        s.on('error', reject);
      });
    expect(await subject('secure.localhost')).toBe('secure.localhost');
    expect(await subject('other.localhost')).toBe('ingress.local');
  });
  it('backend-protocol HTTPS speaks TLS to the pod', async () => {
    expect((await get('/x', 'tlsbackend.localhost')).json()).toEqual({ name: 'secure-backend', url: '/x' });
  });
  it('routes on the normalised path as nginx does: dot-segments, %XX and // cannot slip past a guarded location', async () => {
    for (const p of ['/admin', '/public/../admin', '/%61dmin', '//admin', '/public/%2e%2e/admin', '/x/./../admin/', '/public%2F..%2Fadmin'])
      expect((await rawGet(p, 'guard.localhost')).status, p).toBe(403);
    for (const p of ['/..', '/a/../../admin', '/%zz', '/a%00b']) expect((await rawGet(p, 'guard.localhost')).status, p).toBe(400);
    // The open location gets the client's URI unchanged (ingress-nginx's proxy_pass has no URI part).
    const open = JSON.parse((await rawGet('/admin/../pub//x%41?q=%2e', 'guard.localhost')).text);
    expect(open).toMatchObject({ name: 'a', url: '/admin/../pub//x%41?q=%2e' });
    // rewrite-target: the rewrite runs on the normalised path and the changed URI goes upstream.
    expect(JSON.parse((await rawGet('/other/../something//new%20x?y=1', 'rw.localhost')).text).url).toBe('/new%20x?y=1');
  });
  it('allow-list, body size and app-root', async () => {
    expect((await get('/', 'limits.localhost')).status).toBe(403);
    // proxy-body-size 1k on a location everyone may reach: declared and chunked bodies over it get 413.
    const post = async (body: string | Readable) =>
      (await request(`http://127.0.0.1:${router.httpPort}/`, { method: 'POST', headers: { host: 'small.localhost' }, body })).statusCode;
    expect(await post('x'.repeat(2000))).toBe(413);
    expect(await post('x'.repeat(500))).toBe(200);
    async function* chunks() {
      for (let i = 0; i < 4; i++) yield Buffer.alloc(400, 120);
    }
    expect(await post(Readable.from(chunks()))).toBe(413);
    const r = await get('/', 'root.localhost');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/app1');
  });
  it('websockets are proxied', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${router.httpPort}/a/ws`, { headers: { host: 'app.localhost' } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hello'));
      ws.on('message', (m) => resolve(String(m)));
      ws.on('error', reject);
    });
    ws.close();
    expect(reply).toBe('a:hello');
  });
  it('malformed requests get 4xx and the router keeps serving', async () => {
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        const s = connect(router.httpPort, '127.0.0.1', () => s.write(text));
        let out = '';
        s.on('data', (d) => (out += d));
        s.on('close', () => resolve(out));
        s.on('error', () => resolve(out));
      });
    expect(await raw('GET / HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 400/);
    expect(await raw(`GET / HTTP/1.1\r\nHost: app.localhost\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1.1 431/);
    expect(await raw('GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1.1 400/);
    // Slowloris: a head that never ends is cut after headersTimeout (500 ms here).
    expect(await raw('GET / HTTP/1.1\r\nHost: app.localhost\r\n')).toMatch(/^HTTP\/1.1 408/);
    expect((await get('/a', 'app.localhost')).status).toBe(200);
  });
});
