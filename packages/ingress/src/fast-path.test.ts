// The raw-socket fast path (plain HTTP/1.1) against real local sockets, written byte for byte where framing
// matters (pipelining, chunked bodies), plus proxy-send-timeout on both the fast path and the node:http path
// (the HTTPS listener).
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createNet, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { EndpointSlice, Ingress, Service } from '@kubelab/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLog } from './access-log';
import { selfSignedCertificate } from './certs';
import { ingress, localServers } from './fixtures.test-util';
import { parseRequestHead, parseResponseHead, ChunkedScanner } from './http1';
import { buildRouteTable, type RouteTable } from './route-table';
import { startServers, type RunningServers } from './server';
import { TlsStore } from './tls-store';
import { UpstreamPools } from './upstreams';

const closers: (() => void)[] = [];
let router: RunningServers;
let table: RouteTable;
const pools = new UpstreamPools({ retireAfterMs: 10 });
/** Connections the echo backend accepted. */
let echoConnections = 0;
const logged: string[] = [];

/** Echoes method, url, headers and the body it read; `/chunked` answers in chunks, `/close` without a length. */
async function echoBackend(): Promise<number> {
  const s: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString();
      const out = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
        res.write(out.slice(0, 10));
        setTimeout(() => res.end(out.slice(10)), 5);
      } else if (req.url === '/slow') setTimeout(() => res.end(out), 3_000);
      else
        res
          .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) })
          .end(req.method === 'HEAD' ? undefined : out);
    });
  });
  s.keepAliveTimeout = 60_000;
  s.on('connection', () => echoConnections++);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => s.closeAllConnections());
  closers.push(() => s.close());
  return (s.address() as AddressInfo).port;
}

/** Accepts connections and never reads from them (its receive buffer fills: the router's writes block). */
async function deafBackend(): Promise<number> {
  const held: Socket[] = [];
  const s = createNet((sock) => {
    sock.pause();
    held.push(sock);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => {
    for (const h of held) h.destroy();
    s.close();
  });
  return (s.address() as AddressInfo).port;
}

/** A backend whose kept-alive connections are closed 50 ms after each answer (a pod's short keepalive_timeout). */
async function shortKeepAliveBackend(): Promise<number> {
  const s = createServer((req, res) => res.end(`short ${req.url}`));
  s.keepAliveTimeout = 50;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => s.close());
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

/** Writes `text` (or a function's writes) on a fresh connection and collects what comes back until close or `until` matches. */
function exchange(write: string | ((s: Socket) => void), until?: RegExp, port = router.httpPort): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => (typeof write === 'string' ? s.write(write) : write(s)));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      out += d;
      if (until?.test(out)) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
  });
}

/** Streams a big upload (Content-Length 256 MiB) until the router answers; resolves with the status line. */
function upload(write: (chunk: Buffer) => boolean, onDrain: (f: () => void) => void, head: string, start: () => void): void {
  const chunk = Buffer.alloc(1024 * 1024, 120);
  let sent = 0;
  const pump = (): void => {
    while (sent < 256) {
      sent++;
      if (!write(chunk)) return onDrain(pump);
    }
  };
  start();
  write(Buffer.from(head));
  pump();
}

beforeAll(async () => {
  const echo = await echoBackend();
  const deaf = await deafBackend();
  const short = await shortKeepAliveBackend();
  const send = { 'nginx.ingress.kubernetes.io/proxy-send-timeout': '1', 'nginx.ingress.kubernetes.io/proxy-body-size': '0' };
  const ingresses: Ingress[] = [
    ingress('fast', [{ host: 'fast.localhost', paths: [['/', 'Prefix', 'echo']] }]),
    ingress('small', [{ host: 'small.localhost', paths: [['/', 'Prefix', 'echo']] }], {
      annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '16' },
    }),
    ingress('read', [{ host: 'read.localhost', paths: [['/', 'Prefix', 'echo']] }], {
      annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '1' },
    }),
    ingress('deaf', [{ host: 'deaf.localhost', paths: [['/', 'Prefix', 'deaf']] }], { annotations: send }),
    ingress('short', [{ host: 'short.localhost', paths: [['/', 'Prefix', 'short']] }]),
  ];
  table = buildRouteTable({
    ingresses,
    ...world({ echo: [echo], deaf: [deaf], short: [short] }),
    className: 'nginx',
    isDefaultClass: true,
  });
  const tls = new TlsStore(selfSignedCertificate(['ingress.local']));
  router = await startServers(
    {
      table: () => table,
      pools,
      accessLog: new AccessLog(pino({ level: 'silent' }), { write: (l: string) => logged.push(l) }),
      httpsPortFor: () => '443',
    },
    tls,
    { ...localServers, maxHeaderSize: 8192, headersTimeoutMs: 2000, clientBodyTimeoutMs: 1000 },
  );
});

afterAll(async () => {
  await router.close();
  await pools.close();
  for (const c of closers) c();
});

describe('HTTP/1 framing', () => {
  it('parses plain request heads strictly and leaves the rest to node', () => {
    const h = parseRequestHead(
      'POST /a?b HTTP/1.1\r\nHost: x.localhost\r\nContent-Length: 5\r\nX-Forwarded-For: 1.1.1.1\r\nCookie: a=1\r\nCookie: b=2',
    );
    expect(h).toMatchObject({
      method: 'POST',
      target: '/a?b',
      host: 'x.localhost',
      contentLength: 5,
      chunked: false,
      xff: '1.1.1.1',
      cookie: 'a=1; b=2',
    });
    for (const bad of [
      'GET / HTTP/1.0\r\nHost: a',
      'GET http://a/ HTTP/1.1\r\nHost: a',
      'GET / HTTP/1.1\r\nHost: a\r\nHost: b',
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked',
      'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked',
      'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade',
      'GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue',
      'GET / HTTP/1.1\r\nHost: a\r\n folded',
      'GET / HTTP/1.1\r\nBad Name: x\r\nHost: a',
      'GET / HTTP/1.1\r\nX: a\x01b\r\nHost: a',
      'GET / HTTP/1.1\r\nX: 1',
    ])
      expect(parseRequestHead(bad), JSON.stringify(bad)).toBeUndefined();
  });
  it('reads response framing and drops hop-by-hop headers', () => {
    expect(
      parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-A: 1'),
    ).toMatchObject({
      status: 200,
      contentLength: 3,
      chunked: false,
      close: false,
      lines: 'Content-Length: 3\r\nX-A: 1\r\n',
    });
    expect(parseResponseHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9')).toMatchObject({
      chunked: true,
      contentLength: -1,
    });
    expect(parseResponseHead('HTTP/1.0 200 OK\r\nX: y')).toMatchObject({ close: true, contentLength: -1 });
    expect(parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2')).toBeUndefined();
  });
  it('finds the end of a chunked body however it is split', () => {
    const body = Buffer.from('5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\nNEXT');
    for (let cut = 1; cut < body.length - 4; cut++) {
      const s = new ChunkedScanner();
      const a = s.scan(body.subarray(0, cut), 0);
      const b = a >= 0 ? a : cut + s.scan(body.subarray(cut), 0);
      expect(b, `cut at ${cut}`).toBe(body.length - 4);
      expect(s.bytes).toBe(21);
    }
    expect(new ChunkedScanner().scan(Buffer.from('zz\r\n'), 0)).toBe(-2);
  });
});

describe('fast path', () => {
  it('serves plain requests itself, reusing one upstream connection', async () => {
    const before = echoConnections;
    const out = await exchange((s) => {
      let n = 0;
      const next = (): void => {
        s.write(`GET /n${n} HTTP/1.1\r\nHost: fast.localhost\r\nX-Forwarded-For: 9.9.9.9\r\n${n === 4 ? 'Connection: close\r\n' : ''}\r\n`);
      };
      s.on('data', () => {
        if (++n < 5) next();
      });
      next();
    }, undefined);
    const answers = out.split('HTTP/1.1 200 OK').slice(1);
    expect(answers).toHaveLength(5);
    // node:http would add Keep-Alive: timeout=...; the fast path answers with the upstream's head as it came.
    expect(out).not.toMatch(/Keep-Alive: timeout/i);
    expect(out).toMatch(/Connection: close\r\n/);
    const body = JSON.parse(answers[4].slice(answers[4].indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ url: '/n4', method: 'GET' });
    expect(body.headers).toMatchObject({
      'x-real-ip': '127.0.0.1',
      'x-forwarded-for': '127.0.0.1',
      'x-original-forwarded-for': '9.9.9.9',
      'x-forwarded-proto': 'http',
    });
    expect(body.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(echoConnections - before).toBeLessThanOrEqual(1);
  });
  it('pipelined requests are answered in order', async () => {
    const out = await exchange(
      'GET /p1 HTTP/1.1\r\nHost: fast.localhost\r\n\r\nHEAD /p2 HTTP/1.1\r\nHost: fast.localhost\r\n\r\nPOST /p3 HTTP/1.1\r\nHost: fast.localhost\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc',
    );
    const urls = [...out.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual(['/p1', '/p3']);
    expect(out.match(/HTTP\/1.1 200 OK/g)).toHaveLength(3);
    expect(out).toMatch(/"body":"abc"/);
  });
  it('chunked bodies pass both ways; the upload ends where its last chunk says', async () => {
    const out = await exchange(
      'POST /chunked HTTP/1.1\r\nHost: fast.localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n',
    );
    expect(out).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    expect(out).toMatch(/Transfer-Encoding: chunked\r\n/i);
    expect(out).toMatch(/x-upstream: yes/i);
    const decoded = out
      .slice(out.indexOf('\r\n\r\n') + 4)
      .split('\r\n')
      .filter((_, i) => i % 2 === 1)
      .join('');
    expect(JSON.parse(decoded)).toMatchObject({ body: 'abcdefg', headers: { 'transfer-encoding': 'chunked' } });
  });
  it('router answers read and drop the body, and the connection goes on (404)', async () => {
    const body = 'x'.repeat(40);
    const out = await exchange(
      `POST / HTTP/1.1\r\nHost: nowhere.localhost\r\nContent-Length: ${body.length}\r\n\r\n${body}GET /after HTTP/1.1\r\nHost: nowhere.localhost\r\n\r\nGET /after HTTP/1.1\r\nHost: fast.localhost\r\nConnection: close\r\n\r\n`,
    );
    expect(out.match(/^HTTP\/1.1 \d+/gm)).toEqual(['HTTP/1.1 404', 'HTTP/1.1 404', 'HTTP/1.1 200']);
    expect(out).toMatch(/"url":"\/after"/);
  });
  it('413 ends the connection as nginx does (keepalive off for 400/413/414/500/501): what follows is dropped, not served', async () => {
    const body = 'x'.repeat(40);
    const out = await exchange(
      `POST / HTTP/1.1\r\nHost: small.localhost\r\nContent-Length: ${body.length}\r\n\r\n${body}GET /after HTTP/1.1\r\nHost: fast.localhost\r\n\r\n`,
    );
    expect(out.match(/^HTTP\/1.1 \d+/gm)).toEqual(['HTTP/1.1 413']);
    expect(out).toMatch(/\r\nConnection: close\r\n/);
  });
  it('a kept-alive upstream connection the pod closed is not an error', async () => {
    for (let i = 0; i < 3; i++) {
      const out = await exchange(`GET /k${i} HTTP/1.1\r\nHost: short.localhost\r\nConnection: close\r\n\r\n`);
      expect(out).toMatch(new RegExp(`^HTTP/1.1 200 OK[^]*short /k${i}$`));
      await new Promise((r) => setTimeout(r, 120));
    }
  });
  it('client_body_timeout: an upload that stalls is answered 408 and the connection closed', async () => {
    const out = await exchange('POST / HTTP/1.1\r\nHost: fast.localhost\r\nContent-Length: 10\r\n\r\nabc');
    expect(out).toMatch(/^HTTP\/1.1 408 Request Time-out\r\n[\s\S]*Connection: close\r\n/);
  });
  it('proxy-read-timeout: no answer within it is a 504', async () => {
    const out = await exchange('GET /slow HTTP/1.1\r\nHost: read.localhost\r\nConnection: close\r\n\r\n');
    expect(out).toMatch(/^HTTP\/1.1 504 Gateway Time-out/);
  });
});

describe('proxy-send-timeout', () => {
  const head = 'POST /up HTTP/1.1\r\nHost: deaf.localhost\r\nContent-Length: 268435456\r\n\r\n';
  it('plain HTTP (fast path): an upstream that stops reading the upload gets 504 after the timeout', async () => {
    const status = await new Promise<string>((resolve) => {
      let out = '';
      const s = connect(router.httpPort, '127.0.0.1');
      upload(
        (c) => s.write(c),
        (f) => s.once('drain', f),
        head,
        () => undefined,
      );
      s.setEncoding('latin1');
      s.on('data', (d: string) => {
        out += d;
        if (out.includes('\r\n')) {
          s.destroy();
          resolve(out.split('\r\n')[0]);
        }
      });
      s.on('error', () => resolve(out));
    });
    expect(status).toBe('HTTP/1.1 504 Gateway Time-out');
    expect(
      logged.some((l) => l.includes('"host":"deaf.localhost"') && l.includes('"status":504') && l.includes('proxy-send-timeout')),
    ).toBe(true);
  }, 30_000);
  it('HTTPS (node:http and undici): the same 504', async () => {
    const status = await new Promise<string>((resolve) => {
      let out = '';
      const s = tlsConnect({ port: router.httpsPort, host: '127.0.0.1', servername: 'deaf.localhost', rejectUnauthorized: false });
      s.once('secureConnect', () =>
        upload(
          (c) => s.write(c),
          (f) => s.once('drain', f),
          head,
          () => undefined,
        ),
      );
      s.setEncoding('latin1');
      s.on('data', (d: string) => {
        out += d;
        if (out.includes('\r\n')) {
          s.destroy();
          resolve(out.split('\r\n')[0]);
        }
      });
      s.on('error', () => resolve(out));
    });
    expect(status).toMatch(/^HTTP\/1.1 504 /);
  }, 30_000);
});
