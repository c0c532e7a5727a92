// backend-protocol GRPC and GRPCS: nginx's grpc_pass. The request goes to the endpoint over HTTP/2 — h2c with
// prior knowledge for GRPC, h2 over TLS (ALPN h2, certificate not verified, ingress-nginx's default) for
// GRPCS — on one multiplexed session per endpoint. The response's headers, DATA and trailers
// (grpc-status, grpc-message, ...) are passed back; HTTP/2 clients get real trailers, HTTP/1.1 clients get
// them as chunked trailers. Upstream failures before the response head answer 502/504 like the HTTP path.
import {
  connect as h2connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import type { Logger } from 'pino';
import { sendError } from './pages';
import type { BackendExchange, BackendHandler } from './proxy';
import type { UpstreamPools } from './upstreams';

/** Connection-specific headers HTTP/2 forbids (RFC 9113 §8.2.2), plus Host (sent as :authority). */
const notForwarded = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
  'te',
  'http2-settings',
]);

/** The request head for the upstream stream: pseudo-headers, then the router's header list lower-cased. */
export function upstreamHeaders(
  x: Pick<BackendExchange, 'headers' | 'upstreamPath'>,
  method: string,
  scheme: string,
  authority: string,
  te: boolean,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {
    [constants.HTTP2_HEADER_METHOD]: method,
    [constants.HTTP2_HEADER_PATH]: x.upstreamPath,
    [constants.HTTP2_HEADER_SCHEME]: scheme,
    [constants.HTTP2_HEADER_AUTHORITY]: authority,
  };
  for (let i = 0; i < x.headers.length; i += 2) {
    const k = x.headers[i].toLowerCase();
    if (k.startsWith(':') || notForwarded.has(k)) continue;
    const prev = out[k];
    out[k] = prev === undefined ? x.headers[i + 1] : Array.isArray(prev) ? [...prev, x.headers[i + 1]] : [String(prev), x.headers[i + 1]];
  }
  // nginx sends `TE: trailers` upstream when the client asked for trailers ($grpc_internal_trailers).
  if (te) out.te = 'trailers';
  return out;
}

/** Response headers without pseudo-headers, as a flat list for writeHead. */
export function responseHeaders(h: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith(':') || v === undefined || notForwarded.has(k)) continue;
    if (Array.isArray(v)) for (const one of v) out.push(k, one);
    else out.push(k, String(v));
  }
  return out;
}

export class GrpcUpstreams {
  private readonly sessions = new Map<string, ClientHttp2Session>();

  constructor(readonly log: Logger) {}

  /** One HTTP/2 session per endpoint and protocol, dropped when it closes, fails or is told to go away. */
  session(tls: boolean, endpoint: string, connectTimeoutMs: number): ClientHttp2Session {
    const key = `${tls ? 'grpcs' : 'grpc'}://${endpoint}`;
    const known = this.sessions.get(key);
    if (known && !known.closed && !known.destroyed) return known;
    const s = h2connect(tls ? `https://${endpoint}` : `http://${endpoint}`, {
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
      servername: undefined,
    });
    this.sessions.set(key, s);
    const drop = (): void => {
      if (this.sessions.get(key) === s) this.sessions.delete(key);
    };
    const t = setTimeout(
      () => s.destroy(Object.assign(new Error('upstream timed out (connect)'), { code: 'ETIMEDOUT' })),
      connectTimeoutMs,
    );
    s.once('connect', () => clearTimeout(t));
    s.once('close', () => {
      clearTimeout(t);
      drop();
    });
    s.once('goaway', drop);
    s.on('error', (err) => {
      drop();
      this.log.debug({ upstream: endpoint, err: err.message }, 'gRPC upstream session failed');
    });
    // An idle session is closed after a minute (nginx's upstream keepalive_timeout 60 s), so sessions to pods
    // that left the upstream do not linger; idle sessions must not keep the process alive at shutdown either.
    s.setTimeout(60_000, () => s.close());
    s.unref();
    return s;
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}

/** Connection failures that leave a gRPC request unsent, so another endpoint may take it (grpc_next_upstream error timeout). */
function notSent(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'ENETUNREACH';
}

/**
 * What ingress-nginx's template gives a GRPC/GRPCS location (nginx.tmpl): client_max_body_size from
 * proxy-body-size (a Content-Length over it is refused by the router before this handler; a streamed body is
 * counted: 413 while no response has started), grpc_connect_timeout / grpc_send_timeout / grpc_read_timeout
 * from the proxy-*-timeout annotations. Retries are NOT proxy-next-upstream's: the template sets that for
 * proxy_pass only, so grpc_pass keeps nginx's default `grpc_next_upstream error timeout` without
 * non_idempotent. gRPC calls are POSTs, so only a request not yet sent (the connection to the pod failed or
 * timed out) goes to another endpoint; each other endpoint is tried at most once.
 */
export function grpcHandler(upstreams: GrpcUpstreams, pools?: Pick<UpstreamPools, 'pick'>): BackendHandler {
  return (x) => {
    const tried = new Set<string>();
    const attempt = (endpoint: string): void => {
      tried.add(endpoint);
      const cfg = x.loc.config;
      let session: ClientHttp2Session;
      try {
        session = upstreams.session(cfg.backendProtocol === 'GRPCS', endpoint, cfg.connectTimeoutMs);
      } catch (err) {
        sendError(x.res, 502, { 'x-request-id': x.id });
        return x.log(502, endpoint, err as Error);
      }
      if (!session.connecting) return exchange(x, session, endpoint);
      const onConnect = (): void => {
        session.off('error', onError);
        session.off('close', onError);
        exchange(x, session, endpoint);
      };
      const onError = (err?: Error): void => {
        session.off('connect', onConnect);
        session.off('error', onError);
        session.off('close', onError);
        const e = err ?? Object.assign(new Error('upstream closed the connection'), { code: 'ECONNRESET' });
        if (x.res.destroyed) return x.log(499, endpoint, e);
        const next = notSent(e) && pools ? pools.pick(x.upstream, endpoint) : undefined;
        if (next && !tried.has(next)) {
          upstreams.log.warn(
            { requestId: x.id, upstream: endpoint, err: (e as NodeJS.ErrnoException).code },
            'upstream failed, retrying on another endpoint',
          );
          return attempt(next);
        }
        const status = (e as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? 504 : 502;
        sendError(x.res, status, { 'x-request-id': x.id });
        x.log(status, endpoint, e);
      };
      session.once('connect', onConnect);
      session.once('error', onError);
      session.once('close', onError);
    };
    attempt(x.endpoint);
  };
}

/** One gRPC call on a connected session: the request streamed up, the response, DATA and trailers down. */
function exchange(x: BackendExchange, session: ClientHttp2Session, endpoint: string): void {
  const cfg = x.loc.config;
  const tls = cfg.backendProtocol === 'GRPCS';
  const { req, res } = x;
  const te = /\btrailers\b/i.test(String(req.headers.te ?? ''));
  const bodyless = req.method === 'GET' || req.method === 'HEAD';
  if (res.destroyed) return x.log(499, endpoint, new Error('client closed the connection'));
  let stream: ClientHttp2Stream;
  try {
    const authority = req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? endpoint;
    stream = session.request(upstreamHeaders(x, req.method ?? 'POST', tls ? 'https' : 'http', authority, te), {
      endStream: bodyless,
    });
  } catch (err) {
    sendError(res, 502, { 'x-request-id': x.id });
    return x.log(502, endpoint, err as Error);
  }
  let headSent = false;
  let status = 0;
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  let sendTimer: NodeJS.Timeout | undefined;
  const finish = (err?: Error): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    clearTimeout(sendTimer);
    res.off('close', onClientClose);
    req.off('data', onData);
    if (!err) return x.log(status, endpoint);
    if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    if (headSent || res.headersSent) {
      res.destroy(err);
      return x.log(status, endpoint, err);
    }
    if (res.destroyed) return x.log(499, endpoint, err);
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const s = code === 'ETOOLARGE' ? 413 : code === 'ETIMEDOUT' ? 504 : 502;
    sendError(res, s, { 'x-request-id': x.id });
    x.log(s, endpoint, err);
  };
  // grpc_read_timeout: between two reads of the response (proxy-read-timeout), as nginx.
  const armRead = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => finish(Object.assign(new Error('upstream timed out (read)'), { code: 'ETIMEDOUT' })), cfg.readTimeoutMs);
  };
  const onClientClose = (): void => {
    if (!res.writableFinished) finish(new Error('client closed the connection'));
  };
  res.once('close', onClientClose);
  armRead();
  // The request body, counted against proxy-body-size; grpc_send_timeout: the pod takes nothing more (HTTP/2
  // flow control keeps the write blocked) for that long -> 504.
  let sent = 0;
  const onData = (chunk: Buffer): void => {
    if (done) return;
    sent += chunk.length;
    if (cfg.proxyBodySize > 0 && sent > cfg.proxyBodySize)
      return finish(Object.assign(new Error(`client intended to send too large body: ${sent} bytes`), { code: 'ETOOLARGE' }));
    if (stream.write(chunk)) return;
    req.pause();
    sendTimer = setTimeout(
      () => finish(Object.assign(new Error('upstream timed out while the request was sent (proxy-send-timeout)'), { code: 'ETIMEDOUT' })),
      cfg.sendTimeoutMs,
    );
    stream.once('drain', () => {
      clearTimeout(sendTimer);
      if (!done) req.resume();
    });
  };
  if (!bodyless) {
    req.on('data', onData);
    req.once('end', () => {
      if (!done) stream.end();
    });
  }
  stream.on('response', (h) => {
    armRead();
    status = Number(h[constants.HTTP2_HEADER_STATUS] ?? 502);
    if (status < 200) return;
    headSent = true;
    res.writeHead(status, responseHeaders(h));
  });
  stream.on('data', (chunk: Buffer) => {
    armRead();
    if (!res.write(chunk)) {
      stream.pause();
      res.once('drain', () => stream.resume());
    }
  });
  stream.on('trailers', (t) => {
    const list = responseHeaders(t);
    const obj: Record<string, string> = {};
    for (let i = 0; i < list.length; i += 2) obj[list[i]] = list[i + 1];
    res.addTrailers(obj);
  });
  stream.on('end', () => {
    if (done) return;
    if (!headSent) return finish(new Error('upstream closed the stream before a response'));
    res.end();
    finish();
  });
  stream.on('error', (err) => finish(err));
  stream.on('close', () => {
    if (!done && stream.rstCode && stream.rstCode !== constants.NGHTTP2_NO_ERROR)
      finish(new Error(`upstream reset the stream (HTTP/2 error ${stream.rstCode})`));
  });
}
