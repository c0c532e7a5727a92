// What ingress-nginx applies to a GRPC location besides grpc_pass (nginx.tmpl): client_max_body_size
// (proxy-body-size), grpc_send_timeout (proxy-send-timeout), and nginx's default grpc_next_upstream
// `error timeout`: a call whose connection to the pod failed goes to another endpoint. Real listeners: an
// h2c echo on 127.0.0.1, a pod that never reads, and 127.0.0.2 on the echo's port where nothing listens.
import { once } from 'node:events';
import {
  constants,
  connect as h2connect,
  createServer as createH2,
  type ClientHttp2Session,
  type Http2Server,
  type ServerHttp2Session,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { EndpointSlice, Service } from '@kubelab/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLog } from './access-log';
import { selfSignedCertificate } from './certs';
import { ingress, localServers } from './fixtures.test-util';
import { GrpcUpstreams, grpcHandler } from './grpc';
import { buildRouteTable, type RouteTable } from './route-table';
import { startServers, type RunningServers } from './server';
import { TlsStore } from './tls-store';
import { UpstreamPools } from './upstreams';

const lines: string[] = [];
const log = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
const pools = new UpstreamPools({ retireAfterMs: 10 });
const upstreams = new GrpcUpstreams(log);
const servers: Http2Server[] = [];
const podSessions: ServerHttp2Session[] = [];
let router: RunningServers;
let session: ClientHttp2Session;
let table: RouteTable;
const received: Record<string, number> = {};

async function h2server(name: string, read: boolean): Promise<number> {
  const s = createH2((req, res) => {
    if (!read) return; // never reads: HTTP/2 flow control stops the upload
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      received[name] = (received[name] ?? 0) + n;
      res.writeHead(200, { 'content-type': 'application/grpc', 'x-bytes': String(n) });
      res.end();
    });
  });
  s.on('session', (x) => podSessions.push(x));
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  servers.push(s);
  return (s.address() as AddressInfo).port;
}

const P = 'nginx.ingress.kubernetes.io/';

beforeAll(async () => {
  const echo = await h2server('echo', true);
  const stuck = await h2server('stuck', false);
  const svc: Record<string, { port: number; ips: string[] }> = {
    echo: { port: echo, ips: ['127.0.0.1'] },
    stuck: { port: stuck, ips: ['127.0.0.1'] },
    // 127.0.0.2 on the echo's port: nothing listens there (connection refused).
    pair: { port: echo, ips: ['127.0.0.2', '127.0.0.1'] },
    dead: { port: echo, ips: ['127.0.0.2'] },
  };
  table = buildRouteTable({
    ingresses: [
      ingress('small', [{ host: 'small.localhost', paths: [['/', 'Prefix', 'echo']] }], {
        annotations: { [`${P}backend-protocol`]: 'GRPC', [`${P}proxy-body-size`]: '1k' },
      }),
      ingress('stuck', [{ host: 'stuck.localhost', paths: [['/', 'Prefix', 'stuck']] }], {
        annotations: { [`${P}backend-protocol`]: 'GRPC', [`${P}proxy-send-timeout`]: '1', [`${P}proxy-body-size`]: '0' },
      }),
      ingress('pair', [{ host: 'pair.localhost', paths: [['/', 'Prefix', 'pair']] }], {
        annotations: { [`${P}backend-protocol`]: 'GRPC' },
      }),
      ingress('dead', [{ host: 'dead.localhost', paths: [['/', 'Prefix', 'dead']] }], {
        annotations: { [`${P}backend-protocol`]: 'GRPC' },
      }),
    ],
    service: (_ns, n) =>
      svc[n]
        ? ({ apiVersion: 'v1', kind: 'Service', metadata: { name: n, namespace: 'default' }, spec: { ports: [{ port: 80 }] } } as Service)
        : undefined,
    slices: (_ns, n) =>
      svc[n]
        ? ([
            {
              apiVersion: 'discovery.k8s.io/v1',
              kind: 'EndpointSlice',
              metadata: { name: `${n}-0`, namespace: 'default', labels: { 'kubernetes.io/service-name': n } },
              addressType: 'IPv4',
              ports: [{ name: '', port: svc[n].port }],
              endpoints: svc[n].ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
            },
          ] as EndpointSlice[])
        : [],
    className: 'nginx',
    isDefaultClass: true,
  });
  const grpc = grpcHandler(upstreams, pools);
  router = await startServers(
    { table: () => table, pools, accessLog: new AccessLog(log), httpsPortFor: () => '443', backends: { GRPC: grpc } },
    new TlsStore(selfSignedCertificate(['ingress.local'])),
    localServers,
  );
  session = h2connect(`http://127.0.0.1:${router.httpPort}`);
  await once(session, 'connect');
});

afterAll(async () => {
  session?.destroy();
  for (const s of podSessions) s.destroy();
  upstreams.close();
  await router?.close();
  await pools.close();
  for (const s of servers) s.close();
});

/** A call with a streamed body (no content-length, as gRPC clients send): the status and response headers. */
async function call(authority: string, body: Buffer, headers: Record<string, string> = {}): Promise<Record<string, string>> {
  const s = session.request({
    ':method': 'POST',
    ':path': '/echo.Echo/Say',
    ':authority': authority,
    'content-type': 'application/grpc',
    ...headers,
  });
  s.on('error', () => undefined);
  s.write(body);
  s.end();
  const [h] = (await once(s, 'response')) as [Record<string, string>];
  s.resume();
  // Answered while still uploading: stop sending, as a gRPC client does on a final status.
  await once(s, 'end');
  if (!s.closed) s.close(constants.NGHTTP2_CANCEL);
  return h;
}

describe('GRPC locations', () => {
  it('proxy-body-size: a streamed body over it is 413 (client_max_body_size); under it passes', async () => {
    expect((await call('small.localhost', Buffer.alloc(1000)))[':status']).toBe(200);
    expect((await call('small.localhost', Buffer.alloc(1500)))[':status']).toBe(413);
    // A Content-Length over it is refused before the pod is asked.
    expect((await call('small.localhost', Buffer.alloc(2000), { 'content-length': '2000' }))[':status']).toBe(413);
  });

  it('proxy-send-timeout: a pod that takes nothing more for that long is a 504 (grpc_send_timeout)', async () => {
    const h = await call('stuck.localhost', Buffer.alloc(1024 * 1024));
    expect(h[':status']).toBe(504);
  }, 15_000);

  it('a refused connection goes to another endpoint (grpc_next_upstream error timeout); one dead endpoint is a 502', async () => {
    lines.length = 0;
    for (let i = 0; i < 4; i++) {
      const h = await call('pair.localhost', Buffer.from('hi'));
      expect([h[':status'], h['x-bytes']]).toEqual([200, '2']);
    }
    expect(lines.some((l) => l.includes('retrying on another endpoint') && l.includes('127.0.0.2'))).toBe(true);
    expect((await call('dead.localhost', Buffer.from('x')))[':status']).toBe(502);
  });
});
