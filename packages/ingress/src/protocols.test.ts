// backend-protocol GRPC, GRPCS and FCGI, and HTTP/2 from clients, through the router's real listeners:
// local gRPC servers (h2c and h2 over TLS) and a FastCGI responder on 127.0.0.1, the route table built from
// plain objects, clients over TLS with ALPN h2 and over plain HTTP/1.1.
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect as h2connect, createSecureServer, createServer as createH2, type ClientHttp2Session } from 'node:http2';
import { type AddressInfo, createServer as createNet, type Server as NetServer } from 'node:net';
import type { EndpointSlice, Ingress, Service } from '@kubelab/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLog } from './access-log';
import { selfSignedCertificate } from './certs';
import { fastcgiHandler } from './fastcgi-client';
import { decodeParams, encodeRecord, endRequestBody, RecordDecoder, RecordType } from './fastcgi-records';
import { ingress, localServers } from './fixtures.test-util';
import { GrpcUpstreams, grpcHandler } from './grpc';
import { H2Front, isH2Preface } from './h2-server';
import { buildRouteTable, type RouteTable } from './route-table';
import { startServers, type RunningServers } from './server';
import { TlsStore } from './tls-store';
import { UpstreamPools } from './upstreams';

const log = pino({ level: 'silent' });
const pools = new UpstreamPools({ retireAfterMs: 10 });
const grpcUpstreams = new GrpcUpstreams(log);
const closers: (() => unknown)[] = [];
const ports: Record<string, number> = {};
let table: RouteTable;
let router: RunningServers;
const stderrSeen: string[] = [];

/** A gRPC echo: answers each request with the same length-prefixed messages and grpc-status 0 in trailers. */
function grpcEcho(req: import('node:http2').ServerHttp2Stream, headers: import('node:http2').IncomingHttpHeaders, tag: string): void {
  if (headers[':path'] === '/echo.Echo/Unimplemented') {
    req.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'not here' },
      { endStream: true },
    );
    return;
  }
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    req.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'x-served-by': tag,
        'x-saw-te': String(headers.te),
        'x-saw-authority': String(headers[':authority']),
      },
      { waitForTrailers: true },
    );
    req.once('wantTrailers', () => req.sendTrailers({ 'grpc-status': '0', 'grpc-message': `${tag} ok` }));
    req.end(Buffer.concat(parts));
  });
}

/** A FastCGI responder: echoes its params and stdin as JSON; `/status` answers 404 via Status:, `/err` writes stderr. */
function fastcgiResponder(): NetServer {
  return createNet((sock) => {
    const d = new RecordDecoder();
    let params = Buffer.alloc(0);
    const stdin: Buffer[] = [];
    sock.on('data', (chunk) => {
      for (const r of d.push(chunk)) {
        if (r.type === RecordType.Params) params = Buffer.concat([params, r.content]);
        if (r.type === RecordType.Stdin && r.content.length) stdin.push(r.content);
        if (r.type === RecordType.Stdin && r.content.length === 0) {
          const p = Object.fromEntries(decodeParams(params));
          const body = JSON.stringify({ params: p, stdin: Buffer.concat(stdin).toString() });
          const head =
            p.DOCUMENT_URI === '/status'
              ? 'Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\n'
              : 'Content-Type: application/json\r\nX-Powered-By: test\r\n\r\n';
          const out = [encodeRecord(RecordType.Stdout, r.requestId, Buffer.from(head + body))];
          if (p.DOCUMENT_URI === '/err') out.push(encodeRecord(RecordType.Stderr, r.requestId, Buffer.from('PHP Warning: boom')));
          out.push(encodeRecord(RecordType.Stdout, r.requestId), encodeRecord(RecordType.EndRequest, r.requestId, endRequestBody(0, 0)));
          sock.end(Buffer.concat(out));
        }
      }
    });
    sock.on('error', () => undefined);
  });
}

async function listen(s: NetServer | import('node:http2').Http2Server, name: string): Promise<void> {
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  ports[name] = (s.address() as AddressInfo).port;
  closers.push(() => s.close());
}

function world(): { service(ns: string, n: string): Service | undefined; slices(ns: string, n: string): EndpointSlice[] } {
  return {
    service: (_ns, n) =>
      ports[n]
        ? ({
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: n, namespace: 'default' },
            spec: { ports: [{ port: 80, name: '' }] },
          } as Service)
        : undefined,
    slices: (_ns, n) =>
      ports[n]
        ? ([
            {
              apiVersion: 'discovery.k8s.io/v1',
              kind: 'EndpointSlice',
              metadata: { name: `${n}-0`, namespace: 'default', labels: { 'kubernetes.io/service-name': n } },
              addressType: 'IPv4',
              ports: [{ name: '', port: ports[n] }],
              endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
            },
          ] as EndpointSlice[])
        : [],
  };
}

const P = 'nginx.ingress.kubernetes.io/';
function routes(): Ingress[] {
  return [
    ingress('grpc', [{ host: 'grpc.localhost', paths: [['/', 'Prefix', 'grpc']] }], { annotations: { [`${P}backend-protocol`]: 'GRPC' } }),
    ingress('grpcs', [{ host: 'grpcs.localhost', paths: [['/', 'Prefix', 'grpcs']] }], {
      annotations: { [`${P}backend-protocol`]: 'grpcs' },
    }),
    ingress('php', [{ host: 'php.localhost', paths: [['/', 'Prefix', 'fcgi']] }], {
      annotations: { [`${P}backend-protocol`]: 'FCGI', [`${P}fastcgi-index`]: 'index.php', [`${P}fastcgi-params-configmap`]: 'fcgi-cm' },
    }),
    ingress('web', [{ host: 'web.localhost', paths: [['/', 'Prefix', 'web']] }]),
  ];
}

function rebuild(): void {
  table = buildRouteTable({
    ingresses: routes(),
    ...world(),
    configMap: (ns, n) =>
      ns === 'default' && n === 'fcgi-cm' ? { data: { SCRIPT_FILENAME: '/var/www/html$fastcgi_script_name' } } : undefined,
    className: 'nginx',
    isDefaultClass: true,
  });
}

beforeAll(async () => {
  await listen(
    createH2().on('stream', (s, h) => grpcEcho(s, h, 'h2c')),
    'grpc',
  );
  const c = selfSignedCertificate(['grpcs.internal']);
  await listen(
    createSecureServer({ cert: c.cert, key: c.key }).on('stream', (s, h) => grpcEcho(s, h, 'h2')),
    'grpcs',
  );
  await listen(fastcgiResponder(), 'fcgi');
  const web = (await import('node:http')).createServer((req, res) =>
    res.end(JSON.stringify({ url: req.url, host: req.headers.host, v: req.httpVersion })),
  );
  await listen(web as unknown as NetServer, 'web');
  rebuild();
  const accessLog = new AccessLog(log);
  const grpc = grpcHandler(grpcUpstreams);
  const fcgiLog = pino({ level: 'warn' }, { write: (l: string) => stderrSeen.push(l) });
  router = await startServers(
    {
      table: () => table,
      pools,
      accessLog,
      httpsPortFor: () => '443',
      backends: { GRPC: grpc, GRPCS: grpc, FCGI: fastcgiHandler(pools, fcgiLog) },
    },
    new TlsStore(selfSignedCertificate(['ingress.local'])),
    localServers,
  );
});

afterAll(async () => {
  await router?.close();
  grpcUpstreams.close();
  await pools.close();
  for (const c of closers) c();
});

/** gRPC's length-prefixed message (uncompressed). */
const frame = (s: string): Buffer => {
  const b = Buffer.from(s);
  const h = Buffer.alloc(5);
  h.writeUInt32BE(b.length, 1);
  return Buffer.concat([h, b]);
};

async function h2call(session: ClientHttp2Session, authority: string, path: string, body?: Buffer) {
  const s = session.request({
    ':method': 'POST',
    ':path': path,
    ':authority': authority,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  s.end(body);
  const [headers] = (await once(s, 'response')) as [Record<string, string>];
  const parts: Buffer[] = [];
  let trailers: Record<string, string> = {};
  s.on('trailers', (t) => (trailers = t as Record<string, string>));
  for await (const c of s) parts.push(c as Buffer);
  return { headers, trailers, body: Buffer.concat(parts) };
}

describe('gRPC through the router (client h2 over TLS with ALPN)', () => {
  let session: ClientHttp2Session;
  beforeAll(async () => {
    session = h2connect(`https://127.0.0.1:${router.httpsPort}`, { rejectUnauthorized: false, servername: 'grpc.localhost' });
    await once(session, 'connect');
  });
  afterAll(() => session.close());

  it('negotiates h2 and passes messages and the grpc-status/grpc-message trailers (GRPC: h2c upstream)', async () => {
    expect(session.alpnProtocol).toBe('h2');
    const r = await h2call(session, 'grpc.localhost', '/echo.Echo/Say', Buffer.concat([frame('hi'), frame('there')]));
    expect(r.headers[':status']).toBe(200);
    expect(r.headers['x-served-by']).toBe('h2c');
    expect(r.headers['x-saw-te']).toBe('trailers');
    expect(r.headers['x-saw-authority']).toBe('grpc.localhost');
    expect(r.body.equals(Buffer.concat([frame('hi'), frame('there')]))).toBe(true);
    expect(r.trailers).toMatchObject({ 'grpc-status': '0', 'grpc-message': 'h2c ok' });
  });
  it('GRPCS speaks h2 over TLS to the pod without verifying its certificate', async () => {
    const r = await h2call(session, 'grpcs.localhost', '/echo.Echo/Say', frame('secure'));
    expect(r.headers['x-served-by']).toBe('h2');
    expect(r.body.equals(frame('secure'))).toBe(true);
    expect(r.trailers['grpc-status']).toBe('0');
  });
  it('a trailers-only answer (grpc-status in the head) passes as it came', async () => {
    const r = await h2call(session, 'grpc.localhost', '/echo.Echo/Unimplemented', frame('x'));
    expect(r.headers['grpc-status']).toBe('12');
    expect(r.headers['grpc-message']).toBe('not here');
  });
  it('plain HTTP backends are served over h2 too (Host from :authority)', async () => {
    const s = session.request({ ':method': 'GET', ':path': '/x?y=1', ':authority': 'web.localhost' });
    s.end();
    const [h] = (await once(s, 'response')) as [Record<string, string>];
    const parts: Buffer[] = [];
    for await (const c of s) parts.push(c as Buffer);
    expect(h[':status']).toBe(200);
    expect(JSON.parse(Buffer.concat(parts).toString())).toEqual({ url: '/x?y=1', host: 'web.localhost', v: '1.1' });
  });
  it('an unreachable gRPC endpoint is a 502', async () => {
    const saved = ports.grpc;
    ports.grpc = 1; // nothing listens on port 1
    rebuild();
    try {
      const r = await h2call(session, 'grpc.localhost', '/echo.Echo/Say', frame('x'));
      expect(r.headers[':status']).toBe(502);
    } finally {
      ports.grpc = saved;
    }
  });
});

describe('h2c with prior knowledge on the plain listener (nginx sniffs the preface on port 80)', () => {
  it('a gRPC call and a FastCGI request over cleartext HTTP/2', async () => {
    rebuild();
    const session = h2connect(`http://127.0.0.1:${router.httpPort}`);
    try {
      const r = await h2call(session, 'grpc.localhost', '/echo.Echo/Say', frame('clear'));
      expect(r.headers['x-served-by']).toBe('h2c');
      expect(r.body.equals(frame('clear'))).toBe(true);
      expect(r.trailers['grpc-status']).toBe('0');
      const s = session.request({ ':path': '/x.php', ':authority': 'php.localhost' });
      s.end();
      const parts: Buffer[] = [];
      for await (const c of s) parts.push(c as Buffer);
      expect(JSON.parse(Buffer.concat(parts).toString()).params).toMatchObject({ SERVER_PROTOCOL: 'HTTP/2.0', REQUEST_SCHEME: 'http' });
    } finally {
      session.close();
    }
  });
  it('HTTP/1.1 on the same port still works', async () => {
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const r = httpRequest({ host: '127.0.0.1', port: router.httpPort, path: '/p', headers: { host: 'web.localhost' } }, resolve);
      r.on('error', reject);
      r.end();
    });
    const parts: Buffer[] = [];
    for await (const c of res) parts.push(c as Buffer);
    expect(JSON.parse(Buffer.concat(parts).toString())).toMatchObject({ url: '/p', v: '1.1' });
  });
});

describe('gRPC from an HTTP/1.1 client', () => {
  it('gets the trailers in the chunked body when it sent TE: trailers', async () => {
    rebuild();
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const r = httpRequest(
        {
          host: '127.0.0.1',
          port: router.httpPort,
          method: 'POST',
          path: '/echo.Echo/Say',
          headers: { host: 'grpc.localhost', te: 'trailers', 'content-type': 'application/grpc' },
        },
        resolve,
      );
      r.on('error', reject);
      r.end(frame('h1'));
    });
    const parts: Buffer[] = [];
    for await (const c of res) parts.push(c as Buffer);
    expect(res.statusCode).toBe(200);
    expect(Buffer.concat(parts).equals(frame('h1'))).toBe(true);
    expect(res.trailers).toMatchObject({ 'grpc-status': '0', 'grpc-message': 'h2c ok' });
  });
});

describe('FastCGI through the router', () => {
  const fcgi = async (path: string, method = 'GET', body?: string) => {
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const r = httpRequest(
        { host: '127.0.0.1', port: router.httpPort, method, path, headers: { host: 'php.localhost', 'x-trace': 't1' } },
        resolve,
      );
      r.on('error', reject);
      r.end(body);
    });
    const parts: Buffer[] = [];
    for await (const c of res) parts.push(c as Buffer);
    return { status: res.statusCode, headers: res.headers, text: Buffer.concat(parts).toString() };
  };

  it('sends fastcgi_params, the index and the ConfigMap params, and returns the responder stdout as the response', async () => {
    const r = await fcgi('/app/?q=1');
    expect(r.status).toBe(200);
    expect(r.headers['x-powered-by']).toBe('test');
    const { params } = JSON.parse(r.text);
    expect(params).toMatchObject({
      REQUEST_METHOD: 'GET',
      QUERY_STRING: 'q=1',
      REQUEST_URI: '/app/?q=1',
      DOCUMENT_URI: '/app/',
      SCRIPT_NAME: '/app/index.php',
      SCRIPT_FILENAME: '/var/www/html/app/index.php',
      SERVER_PROTOCOL: 'HTTP/1.1',
      SERVER_NAME: 'php.localhost',
      GATEWAY_INTERFACE: 'CGI/1.1',
      REMOTE_ADDR: '127.0.0.1',
      HTTP_HOST: 'php.localhost',
      HTTP_X_TRACE: 't1',
      REDIRECT_STATUS: '200',
    });
    expect(params.HTTPS).toBeUndefined();
  });
  it('buffers the request body and sends it as STDIN with CONTENT_LENGTH', async () => {
    const r = await fcgi('/form.php', 'POST', 'a=1&b=2');
    const j = JSON.parse(r.text);
    expect(j.stdin).toBe('a=1&b=2');
    expect(j.params.CONTENT_LENGTH).toBe('7');
  });
  it('Status: sets the HTTP status; stderr goes to the log', async () => {
    expect((await fcgi('/status')).status).toBe(404);
    expect((await fcgi('/err')).status).toBe(200);
    expect(stderrSeen.join('')).toContain('FastCGI sent in stderr: \\"PHP Warning: boom\\"');
  });
});

describe('cleartext HTTP/2 preface sniffing', () => {
  it('H2Front takes over a plain socket whose first bytes were already read (h2c with prior knowledge)', async () => {
    const seen: string[] = [];
    const front = new H2Front((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.host}`);
      res.writeHead(200, 'OK', ['content-type', 'text/plain']);
      res.end('over h2c');
    });
    // A listener that reads the first chunk itself (as the plain listener's sniffing does), then hands over.
    const sniffer = createNet((sock) => {
      sock.once('data', (head: Buffer) => {
        sock.pause();
        if (isH2Preface(head) !== false) front.connection(sock, head);
        else sock.destroy();
      });
    });
    sniffer.listen(0, '127.0.0.1');
    await once(sniffer, 'listening');
    const session = h2connect(`http://127.0.0.1:${(sniffer.address() as AddressInfo).port}`);
    try {
      const s = session.request({ ':path': '/h2c?x=1', ':authority': 'web.localhost' });
      s.end();
      const [h] = (await once(s, 'response')) as [Record<string, string>];
      const parts: Buffer[] = [];
      for await (const c of s) parts.push(c as Buffer);
      expect([h[':status'], Buffer.concat(parts).toString()]).toEqual([200, 'over h2c']);
      expect(seen).toEqual(['GET /h2c?x=1 web.localhost']);
    } finally {
      session.close();
      await front.close();
      sniffer.close();
    }
  });

  it('tells the preface from HTTP/1 and waits on a partial preface', () => {
    expect(isH2Preface(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'))).toBe(true);
    expect(isH2Preface(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04'))).toBe(true);
    expect(isH2Preface(Buffer.from('PRI * HT'))).toBeUndefined();
    expect(isH2Preface(Buffer.from('GET / HTTP/1.1\r\n'))).toBe(false);
    expect(isH2Preface(Buffer.from('P'))).toBeUndefined();
  });
});
