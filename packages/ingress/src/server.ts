// The listening side: HTTP and HTTPS (SNI) servers sharing one IngressProxy, plus the health endpoint on 10254
// (ingress-nginx's /healthz port). Plain HTTP is accepted by a raw `net` server whose fast path (fast-path.ts)
// serves ordinary HTTP/1.1 proxying itself and hands everything else to a node:http server that never listens.
// Node's HTTP server options are the guard against malformed and slow clients there: header size limit (431),
// header timeout checked every second (408, slowloris), request timeout; the fast path keeps the same limits.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createServer as createNet, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { H2Front, splitByAlpn } from './h2-server';
import { FastPath } from './fast-path';
import { rawResponse } from './pages';
import { IngressProxy, type ProxyContext } from './proxy';
import type { TlsStore } from './tls-store';
import { handleUpgrade } from './upgrade';

export interface ServerOptions {
  httpPort: number;
  httpsPort: number;
  healthPort: number;
  host?: string;
  /** Largest request head (nginx large_client_header_buffers: a too-large head is refused). */
  maxHeaderSize: number;
  /** Whole request head within this long (nginx client_header_timeout). */
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  ready: () => boolean;
  /** Plain HTTP through the raw-socket fast path (default); false: node:http for everything (the bench's comparison). */
  fastPath?: boolean;
  /** nginx client_body_timeout on the fast path (default 60 s). */
  clientBodyTimeoutMs?: number;
  /** nginx lingering_timeout / lingering_time on the fast path (defaults 5 s / 30 s; see fast-path.ts). */
  lingeringTimeoutMs?: number;
  lingeringTimeMs?: number;
}

export interface RunningServers {
  httpPort: number;
  httpsPort: number;
  healthPort: number;
  /** Stops accepting, lets in-flight requests finish, then closes idle keep-alive connections. */
  close(): Promise<void>;
}

function listen(server: Server | NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

export async function startServers(ctx: ProxyContext, tls: TlsStore, o: ServerOptions): Promise<RunningServers> {
  const proxy = new IngressProxy(ctx);
  const common = {
    maxHeaderSize: o.maxHeaderSize,
    headersTimeout: o.headersTimeoutMs,
    requestTimeout: 300_000,
    keepAliveTimeout: o.keepAliveTimeoutMs,
    connectionsCheckingInterval: 1000,
    noDelay: true,
  };
  const onClientError = (err: NodeJS.ErrnoException, socket: Duplex): void => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    if ((socket as Socket).writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) socket.end(rawResponse(status));
    else socket.destroy();
    ctx.accessLog.info({ remote: (socket as Socket).remoteAddress, status, err: err.code ?? err.message }, 'bad request');
  };
  const http = createHttp(common, (req: IncomingMessage, res: ServerResponse) => proxy.handle(req, res, false));
  // Without SNI (clients reaching an IP) the default certificate answers.
  const https = createHttps(
    {
      ...common,
      ALPNProtocols: ['h2', 'http/1.1'],
      cert: tls.defaultPair.cert,
      key: tls.defaultPair.key,
      SNICallback: (name, cb) => cb(null, tls.contextFor(name)),
    },
    (req, res) => proxy.handle(req, res, true),
  );
  for (const [server, secure] of [
    [http, false],
    [https, true],
  ] as const) {
    server.on('clientError', onClientError);
    server.on('upgrade', (req, socket, head) => handleUpgrade(ctx, req, socket, head, secure));
  }
  https.on('tlsClientError', () => undefined);
  // HTTP/2 as ingress-nginx (`http2 on`): ALPN h2 on the TLS listener (h2-server.ts; HTTP/1 stays with https).
  const h2 = new H2Front((req, res, secure) => proxy.handle(req, res, secure), {
    maxHeaderSize: o.maxHeaderSize,
    idleTimeoutMs: o.keepAliveTimeoutMs,
  });
  splitByAlpn(https, h2);
  // Plain HTTP: the fast path on a raw net server, with `http` (never listening) for what it hands over; a
  // connection opening with the HTTP/2 preface goes to the h2 front (h2c with prior knowledge).
  const fast = o.fastPath === false ? undefined : new FastPath(proxy, http, { ...o, h2c: (sock, head) => h2.connection(sock, head) });
  const plain: Server | NetServer = fast ? createNet({ noDelay: true }, fast.connection) : http;
  const health = createHttp((req, res) => {
    const ok = req.url === '/healthz' ? o.ready() : req.url === '/livez';
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
  });
  const host = o.host ?? '0.0.0.0';
  const [httpPort, httpsPort, healthPort] = await Promise.all([
    listen(plain, o.httpPort, host),
    listen(https, o.httpsPort, host),
    listen(health, o.healthPort, host),
  ]);
  return {
    httpPort,
    httpsPort,
    healthPort,
    async close() {
      const closing = [plain, https, health].map((s) => new Promise<void>((r) => s.close(() => r())));
      for (const s of [http, https]) s.closeIdleConnections();
      fast?.closeIdle();
      // Keep-alive connections that stay busy are cut after a while so the pod stops within its grace period.
      const t = setTimeout(() => {
        for (const s of [http, https, health]) s.closeAllConnections();
        fast?.destroyAll();
      }, 5_000);
      t.unref();
      await Promise.all([...closing, h2.close()]);
      clearTimeout(t);
      fast?.destroyAll();
    },
  };
}
