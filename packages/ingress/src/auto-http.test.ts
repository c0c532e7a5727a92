// backend-protocol AUTO_HTTP through the router's real listeners: ingress-nginx proxies with `$scheme://`, so
// the pod is spoken to in plain HTTP when the client came in plain and over TLS (same endpoint and port) when
// the client came over TLS, whatever the HTTP version. The pod here answers both on one port (it sniffs the
// TLS handshake byte) and says which it got.
import { once } from 'node:events';
import { createServer as createHttp, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { createServer as createHttps, request as httpsRequest } from 'node:https';
import { type AddressInfo, createServer as createNet, type Server as NetServer, type Socket } from 'node:net';
import type { EndpointSlice, Service } from '@kubelab/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLog } from './access-log';
import { parseAnnotations } from './annotations';
import { selfSignedCertificate } from './certs';
import { ingress, localServers } from './fixtures.test-util';
import { buildRouteTable, type RouteTable } from './route-table';
import { startServers, type RunningServers } from './server';
import { TlsStore } from './tls-store';
import { UpstreamPools } from './upstreams';

const pools = new UpstreamPools({ retireAfterMs: 10 });
let router: RunningServers;
let pod: NetServer;
let table: RouteTable;

const answer = (req: IncomingMessage, res: ServerResponse): void => {
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({ tls: (req.socket as Socket & { encrypted?: boolean }).encrypted === true, proto: req.headers['x-forwarded-proto'] }),
  );
};

beforeAll(async () => {
  const cert = selfSignedCertificate(['pod.internal']);
  const plain = createHttp(answer);
  const secure = createHttps({ cert: cert.cert, key: cert.key }, answer);
  // One port for both: a TLS ClientHello starts with 0x16.
  pod = createNet((sock) => {
    sock.once('data', (b: Buffer) => {
      sock.pause();
      sock.unshift(b);
      if (b[0] === 0x16) secure.emit('connection', sock);
      else {
        plain.emit('connection', sock);
        sock.resume(); // node:http does not resume a socket paused before it took it
      }
    });
  });
  pod.listen(0, '127.0.0.1');
  await once(pod, 'listening');
  const port = (pod.address() as AddressInfo).port;
  table = buildRouteTable({
    ingresses: [
      ingress('auto', [{ host: 'auto.localhost', paths: [['/', 'Prefix', 'auto']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/backend-protocol': 'auto_http' },
      }),
    ],
    service: () =>
      ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'auto', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }) as Service,
    slices: () =>
      [
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: 'auto-0', namespace: 'default', labels: { 'kubernetes.io/service-name': 'auto' } },
          addressType: 'IPv4',
          ports: [{ name: '', port }],
          endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
        },
      ] as EndpointSlice[],
    className: 'nginx',
    isDefaultClass: true,
  });
  router = await startServers(
    { table: () => table, pools, accessLog: new AccessLog(pino({ level: 'silent' })), httpsPortFor: () => '443' },
    new TlsStore(selfSignedCertificate(['ingress.local'])),
    localServers,
  );
});

afterAll(async () => {
  await router?.close();
  await pools.close();
  pod?.close();
});

async function body(res: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const c of res) parts.push(c as Buffer);
  return JSON.parse(Buffer.concat(parts).toString());
}

describe('backend-protocol AUTO_HTTP', () => {
  it('is its own value (case-insensitive), not a warning', () => {
    const p = parseAnnotations({ 'nginx.ingress.kubernetes.io/backend-protocol': ' Auto_Http ' });
    expect([p.config.backendProtocol, p.warnings]).toEqual(['AUTO_HTTP', []]);
  });

  it('a plain HTTP/1.1 client: plain HTTP to the pod', async () => {
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      httpRequest({ host: '127.0.0.1', port: router.httpPort, path: '/', headers: { host: 'auto.localhost' } }, resolve)
        .on('error', reject)
        .end(),
    );
    expect(await body(res)).toEqual({ tls: false, proto: 'http' });
  });

  it('an HTTPS client: TLS to the same endpoint and port (certificate not verified)', async () => {
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      httpsRequest(
        {
          host: '127.0.0.1',
          port: router.httpsPort,
          path: '/',
          servername: 'auto.localhost',
          rejectUnauthorized: false,
          headers: { host: 'auto.localhost' },
        },
        resolve,
      )
        .on('error', reject)
        .end(),
    );
    expect(await body(res)).toEqual({ tls: true, proto: 'https' });
  });

  it('HTTP/2 over TLS: TLS to the pod; h2c on the plain port: plain', async () => {
    for (const [url, tls] of [
      [`https://127.0.0.1:${router.httpsPort}`, true],
      [`http://127.0.0.1:${router.httpPort}`, false],
    ] as const) {
      const session = h2connect(url, { rejectUnauthorized: false, servername: 'auto.localhost' });
      try {
        const s = session.request({ ':path': '/', ':authority': 'auto.localhost' });
        s.end();
        const parts: Buffer[] = [];
        for await (const c of s) parts.push(c as Buffer);
        expect(JSON.parse(Buffer.concat(parts).toString())).toMatchObject({ tls });
      } finally {
        session.close();
      }
    }
  });
});
