// The request path: route by Host and path, apply the location's ingress-nginx behaviour (redirects,
// allow-list, body size, canary, affinity, rewrite), then proxy straight to an endpoint pod through its
// undici Pool with a raw dispatch handler (no per-request streams or header objects beyond one array).
// Status codes as ingress-nginx: 404 no route, 503 no ready endpoint, 502 upstream error, 504 timeout,
// with one retry on another endpoint for idempotent requests that failed before any byte came back.
import { randomFillSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { ipToInt } from '@kubelab/api';
import type { Dispatcher } from 'undici';
import type { AccessLog } from './access-log';
import { stickyEndpoint } from './affinity';
import { sendError } from './pages';
import { normalizeHost, route, type Location, type RouteTable, type Upstream } from './route-table';
import type { UpstreamPools } from './upstreams';
import { escapePath, normalizePath } from './uri';

export interface ProxyContext {
  table: () => RouteTable;
  pools: UpstreamPools;
  accessLog: AccessLog;
  /** Host port -> the matching HTTPS host port, for redirects of requests that came through Docker's publishing. */
  httpsPortFor(hostPort: string | undefined): string;
  /** The canary-weight draw, in [0, 1): Math.random unless a test injects a fixed sequence. */
  random?: () => number;
  /** Handlers for backend-protocol values other than HTTP/HTTPS (GRPC, GRPCS, FCGI), keyed by that value. */
  backends?: Partial<Record<string, BackendHandler>>;
  /** nginx lingering_timeout / lingering_time for an unread body after a router answer (5 s / 30 s). */
  lingering?: { timeoutMs: number; timeMs: number };
}

/**
 * After a router answer on node's HTTP/1 server, the unread body is read and dropped (node's own dump does that,
 * keeping the connection alive) but, as nginx, not for ever: no byte for lingering_timeout or lingering_time
 * since the answer closes the connection. HTTP/2 streams are reset by node:http2 itself (NO_ERROR).
 */
export function lingerOnUnreadBody(
  req: IncomingMessage,
  limits: { timeoutMs: number; timeMs: number } = { timeoutMs: 5000, timeMs: 30_000 },
): void {
  if (req.complete || req.httpVersionMajor !== 1) return;
  const since = Date.now();
  let last = since;
  const onData = (): void => {
    last = Date.now();
  };
  req.on('data', onData);
  const t = setInterval(
    () => {
      const now = Date.now();
      if (now - last > limits.timeoutMs || now - since > limits.timeMs) {
        stop();
        req.socket.destroy();
      }
    },
    Math.min(1000, limits.timeoutMs),
  );
  t.unref();
  const stop = (): void => {
    clearInterval(t);
    req.off('data', onData);
  };
  req.once('end', stop);
  req.once('close', stop);
}

/** A routed request handed to a backend-protocol handler, after every router check (see ingress-coord notes). */
export interface BackendExchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** Came in over TLS. */
  secure: boolean;
  loc: Location;
  /** The main or canary upstream chosen. */
  upstream: Upstream;
  /** `ip:port` picked (round robin or affinity); `pools.pick(upstream, endpoint)` gives another. */
  endpoint: string;
  /** Flat name/value list to send upstream: the client's headers minus hop-by-hop and replaced ones, plus X-Forwarded-*. */
  headers: string[];
  /** The request target sent upstream (rewritten, or the raw URI), with the query. */
  upstreamPath: string;
  /** The normalised path used for routing. */
  path: string;
  id: string;
  /** Writes the request's access-log line (once, when the exchange is over). */
  log(status: number, upstream: string, err?: Error): void;
}
export type BackendHandler = (x: BackendExchange) => void;

/** Request headers that end at the router (hop-by-hop). */
export const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);
/** Set by the router: incoming copies are dropped (ingress-nginx's use-forwarded-headers=false). */
export const replaced = new Set([
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-forwarded-scheme',
  'x-scheme',
  'x-real-ip',
  'x-request-id',
]);
/**
 * The scheme spoken to the pod. ingress-nginx's buildProxyPass writes `proxy_pass $scheme://upstream_balancer`
 * for AUTO_HTTP: http to the pod for a plain client, https (to the same endpoint and port) for a client that
 * came over TLS; otherwise the upstream's own (https for HTTPS, http for HTTP).
 */
export function upstreamScheme(loc: Location, upstream: Upstream, secure: boolean): 'http' | 'https' {
  return loc.config.backendProtocol === 'AUTO_HTTP' ? (secure ? 'https' : 'http') : upstream.protocol;
}

/** backend-protocol values the HTTP proxy serves itself; the others go to ProxyContext.backends. */
export function proxiedAsHttp(p: Location['config']['backendProtocol']): boolean {
  return p === 'HTTP' || p === 'AUTO_HTTP' || p === 'HTTPS';
}

/** Methods retried on another endpoint when the first connection failed. */
export const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export function clientIP(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

// nginx's $request_id: 16 random bytes as hex. Taken from a pool refilled 256 ids at a time (one
// randomFillSync per request was 3 % of the router's CPU under load).
const idPool = Buffer.alloc(16 * 256);
let idNext = idPool.length;

export function requestId(given: string | undefined): string {
  if (given !== undefined && given.length > 0 && given.length <= 200) return given;
  if (idNext === idPool.length) {
    randomFillSync(idPool);
    idNext = 0;
  }
  idNext += 16;
  return idPool.toString('hex', idNext - 16, idNext);
}

export function allowed(loc: Location, ip: string): boolean {
  const ranges = loc.config.allowSourceRanges;
  if (!ranges) return true;
  let n: number;
  try {
    n = ipToInt(ip);
  } catch {
    return false;
  }
  return ranges.some((r) => (n & r.mask) >>> 0 === r.base);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** ingress-nginx's canary decision: header, then cookie, then weight (route_to_alternative_balancer). */
export function useCanary(loc: Location, req: { headers: Record<string, string | string[] | undefined> }, random = Math.random): boolean {
  const c = loc.canary?.config;
  if (!c || !loc.canary?.upstream.endpoints.length) return false;
  if (c.header) {
    const v = req.headers[c.header];
    if (typeof v === 'string') {
      if (c.headerValue) {
        if (v === c.headerValue) return true;
      } else if (c.headerPattern) {
        if (c.headerPattern.test(v)) return true;
      } else if (v === 'always') return true;
      else if (v === 'never') return false;
    }
  }
  if (c.cookie) {
    const v = cookieValue(req.headers.cookie as string | undefined, c.cookie);
    if (v === 'always') return true;
    if (v === 'never') return false;
  }
  return c.weight > 0 && Math.floor(random() * c.weightTotal) < c.weight;
}

export { endpointHash } from './affinity';

/**
 * The request line's URI sent upstream. ingress-nginx writes `proxy_pass http://upstream_balancer;`, a
 * proxy_pass without a URI part, so nginx sends the client's URI exactly as it came (raw, not normalised) unless
 * the URI was changed; with rewrite-target (`rewrite ... break;`) it sends the changed URI: the rewrite of the
 * normalised path, escaped again, plus the original query. The router does the same.
 */
export function upstreamURI(loc: Location, path: string, url: string, q: number): string {
  if (!loc.rewrite) return url;
  return escapePath(rewritePath(loc, path)) + (q < 0 ? '' : url.slice(q));
}

/** nginx `rewrite (?i)PATH TARGET break;`: the whole path becomes TARGET with $n filled in; the query stays. */
export function rewritePath(loc: Location, path: string): string {
  const m = loc.rewrite?.exec(path);
  if (!m || loc.config.rewriteTarget === undefined) return path;
  const out = loc.config.rewriteTarget.replace(/\$(\d)/g, (_, n: string) => m[Number(n)] ?? '');
  return out.startsWith('/') ? out : `/${out}`;
}

/** A chunked request body counted as it streams: past the limit the upload is cut and the answer is 413. */
async function* limitedBody(req: IncomingMessage, max: number, x: { tooLarge?: boolean }): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > max) {
      x.tooLarge = true;
      throw new Error(`request body larger than proxy-body-size (${max} bytes)`);
    }
    yield chunk;
  }
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  start: number;
  host: string;
  path: string;
  id: string;
  loc: Location;
  upstream: Upstream;
  endpoint: string;
  headers: string[];
  upstreamPath: string;
  body: boolean;
  setCookie?: string;
  tried: number;
  /** http or https to the pod (upstreamScheme). */
  scheme: 'http' | 'https';
  /** Set when a chunked upload went past proxy-body-size. */
  tooLarge?: boolean;
  /** Clears the proxy-send-timeout timer of the upload. */
  stopSendTimer?: () => void;
}

/** What the router needs to know of a request to decide where it goes (node:http and the raw fast path). */
export interface RequestView {
  method: string;
  /** The request target as sent. */
  url: string;
  /** The Host header as sent. */
  hostHeader: string | undefined;
  remote: string;
  secure: boolean;
  contentLength: number;
  /** X-Request-ID as sent. */
  givenId: string | undefined;
  cookie: string | undefined;
  /** Request headers by lower-case name (canary by header); only called when a canary needs it. */
  headers(): Record<string, string | string[] | undefined>;
}

/** The router's decision: its own answer (status > 0), or an endpoint to proxy to (status 0). */
export interface Decision {
  status: number;
  extra?: Record<string, string>;
  host: string;
  /** The normalised path (the raw one when it could not be normalised). */
  path: string;
  id: string;
  loc?: Location;
  upstream?: Upstream;
  endpoint?: string;
  setCookie?: string;
  /** The request target to send upstream. */
  upstreamPath?: string;
}

export class IngressProxy {
  constructor(readonly ctx: ProxyContext) {}

  /** Route, then every ingress-nginx check before an upstream is touched: 400/404/308/503/403/302/413, canary, affinity. */
  decide(v: RequestView): Decision {
    const host = normalizeHost(v.hostHeader);
    const url = v.url;
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    // Route, rewrite and allow/deny on nginx's normalised $uri (see uri.ts); a path nginx refuses is a 400.
    const path = host === undefined ? undefined : normalizePath(rawPath);
    if (host === undefined || path === undefined) return { status: 400, host: host ?? '', path: rawPath, id: '' };
    const id = requestId(v.givenId);
    const { server, location: loc } = route(this.ctx.table(), host, path);
    const answer = (status: number, extra?: Record<string, string>): Decision => ({ status, extra, host, path, id });
    if (!loc) return answer(404);
    const cfg = loc.config;
    if (!v.secure && ((server.tlsSecret !== undefined && cfg.sslRedirect) || cfg.forceSslRedirect)) {
      const [name, port] = (v.hostHeader ?? host).split(':');
      const p = this.ctx.httpsPortFor(port);
      return answer(308, { location: `https://${name}${p === '443' ? '' : `:${p}`}${url}` });
    }
    if (cfg.denied) return answer(503);
    if (!allowed(loc, v.remote)) return answer(403);
    if (cfg.appRoot && path === '/') return answer(302, { location: cfg.appRoot });
    if (cfg.proxyBodySize > 0 && v.contentLength > cfg.proxyBodySize) return answer(413);
    let upstream = loc.upstream;
    if (loc.canary && useCanary(loc, { headers: v.headers() }, this.ctx.random)) upstream = loc.canary.upstream;
    if (!upstream) return answer(404);
    let endpoint: string | undefined;
    let setCookie: string | undefined;
    if (cfg.affinity && upstream === loc.upstream) {
      const a = cfg.affinity;
      const up = upstream;
      const choice = stickyEndpoint(a.mode, up, cookieValue(v.cookie, a.cookieName), () => this.ctx.pools.pick(up));
      endpoint = choice.endpoint;
      if (endpoint && choice.cookie) {
        const cookiePath = a.path ?? (server.regexMode ? '/' : loc.path);
        setCookie = `${a.cookieName}=${choice.cookie}; Path=${cookiePath}; HttpOnly${a.maxAge !== undefined ? `; Max-Age=${a.maxAge}; Expires=${new Date(Date.now() + a.maxAge * 1000).toUTCString()}` : ''}`;
      }
    } else endpoint = this.ctx.pools.pick(upstream);
    if (!endpoint) return answer(503);
    return { status: 0, host, path, id, loc, upstream, endpoint, setCookie, upstreamPath: upstreamURI(loc, path, url, q) };
  }

  handle(req: IncomingMessage, res: ServerResponse, secure: boolean): void {
    const start = performance.now();
    const ip = clientIP(req);
    const given = req.headers['x-request-id'];
    const d = this.decide({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      hostHeader: req.headers.host,
      remote: ip,
      secure,
      contentLength: Number(req.headers['content-length'] ?? 0),
      givenId: typeof given === 'string' ? given : undefined,
      cookie: req.headers.cookie,
      headers: () => req.headers,
    });
    const { host, path, id } = d;
    if (d.status === 400 && id === '') {
      sendError(res, 400);
      return this.log(req, host, path, 400, '', start, '');
    }
    if (d.status > 0) {
      sendError(res, d.status, { 'x-request-id': id, ...d.extra });
      lingerOnUnreadBody(req, this.ctx.lingering);
      return this.log(req, host, path, d.status, '', start, id);
    }
    const loc = d.loc as Location;
    const upstream = d.upstream as Upstream;
    const endpoint = d.endpoint as string;
    const upstreamPath = d.upstreamPath as string;
    const cfg = loc.config;
    const xfp = secure ? 'https' : 'http';
    const headers: string[] = [];
    const raw = req.rawHeaders;
    let xff: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i].toLowerCase();
      if (hopByHop.has(k)) continue;
      if (replaced.has(k)) {
        if (k === 'x-forwarded-for') xff = raw[i + 1];
        continue;
      }
      headers.push(raw[i], raw[i + 1]);
    }
    headers.push(
      'x-request-id',
      id,
      'x-real-ip',
      ip,
      'x-forwarded-for',
      ip,
      'x-forwarded-host',
      req.headers.host ?? '',
      'x-forwarded-port',
      String(req.socket.localPort ?? (secure ? 443 : 80)),
      'x-forwarded-proto',
      xfp,
      'x-forwarded-scheme',
      xfp,
      'x-scheme',
      xfp,
    );
    if (xff !== undefined) headers.push('x-original-forwarded-for', xff);
    const body = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    const special = proxiedAsHttp(cfg.backendProtocol) ? undefined : this.ctx.backends?.[cfg.backendProtocol];
    if (special) {
      const log = (status: number, up: string, err?: Error): void => this.log(req, host, path, status, up, start, id, err);
      return special({ req, res, secure, loc, upstream, endpoint, headers, upstreamPath, path, id, log });
    }
    this.dispatch({
      req,
      res,
      start,
      host,
      path,
      id,
      loc,
      upstream,
      endpoint,
      headers,
      upstreamPath,
      body,
      setCookie: d.setCookie,
      tried: 0,
      scheme: upstreamScheme(loc, upstream, secure),
    });
  }

  private dispatch(x: Exchange): void {
    const cfg = x.loc.config;
    const pool = this.ctx.pools.pool(x.scheme, x.endpoint, cfg.connectTimeoutMs);
    let started = false;
    let held: Buffer | undefined;
    let abort: ((err?: Error) => void) | undefined;
    let resume: (() => void) | undefined;
    const res = x.res;
    const onClose = (): void => {
      if (!res.writableFinished) abort?.(new Error('client closed the connection'));
    };
    const onDrain = (): void => resume?.();
    res.once('close', onClose);
    // undici's raw handler interface: the response head arrives as undici parsed it, a flat list of
    // name/value Buffers, passed on as one flat array (no header object built and taken apart per request).
    const handler = {
      onConnect: (a: (err?: Error) => void) => {
        abort = a;
      },
      onHeaders: (status: number, raw: Buffer[], r: () => void, statusText: string): boolean => {
        if (status < 200) return true; // 1xx: nothing to pass on (Node answers 100-continue itself)
        started = true;
        resume = r;
        const out: string[] = [];
        for (let i = 0; i < raw.length; i += 2) {
          const name = raw[i].toString('latin1');
          if (hopByHop.has(name.toLowerCase())) continue;
          out.push(name, raw[i + 1].toString('latin1'));
        }
        if (x.setCookie) out.push('set-cookie', x.setCookie);
        res.writeHead(status, statusText || undefined, out);
        return true;
      },
      // The last chunk is held back and sent with end(): a one-chunk answer then leaves in one writev
      // (head + body) instead of a write and an empty end write.
      onData: (chunk: Buffer): boolean => {
        const prev = held;
        held = chunk;
        if (prev && !res.write(prev)) {
          res.once('drain', onDrain);
          return false;
        }
        return true;
      },
      onComplete: () => {
        x.stopSendTimer?.();
        res.off('close', onClose);
        res.end(held);
        this.log(x.req, x.host, x.path, res.statusCode, x.endpoint, x.start, x.id);
      },
      onError: (err: Error) => {
        x.stopSendTimer?.();
        res.off('close', onClose);
        if (started) {
          res.destroy(err);
          return this.log(x.req, x.host, x.path, res.statusCode, x.endpoint, x.start, x.id, err);
        }
        if (res.destroyed) return;
        const code = (err as { code?: string }).code ?? '';
        const timeout =
          code === 'UND_ERR_CONNECT_TIMEOUT' ||
          code === 'UND_ERR_HEADERS_TIMEOUT' ||
          code === 'UND_ERR_BODY_TIMEOUT' ||
          code === 'UND_ERR_SEND_TIMEOUT';
        const connectFailure =
          code === 'ECONNREFUSED' ||
          code === 'EHOSTUNREACH' ||
          code === 'ECONNRESET' ||
          code === 'UND_ERR_CONNECT_TIMEOUT' ||
          code === 'UND_ERR_SOCKET';
        // proxy_next_upstream error timeout, one more try, only when the request can be sent again.
        if (connectFailure && x.tried === 0 && !x.body && idempotent.has(x.req.method ?? '') && x.upstream.endpoints.length > 1) {
          const next = this.ctx.pools.pick(x.upstream, x.endpoint);
          if (next && next !== x.endpoint) {
            this.ctx.accessLog.warn({ requestId: x.id, upstream: x.endpoint, err: code }, 'upstream failed, retrying on another endpoint');
            this.dispatch({ ...x, endpoint: next, tried: 1 });
            return;
          }
        }
        const status = x.tooLarge ? 413 : timeout ? 504 : 502;
        sendError(res, status, { 'x-request-id': x.id });
        this.log(x.req, x.host, x.path, status, x.endpoint, x.start, x.id, err);
      },
    };
    const body = !x.body
      ? null
      : cfg.proxyBodySize > 0 && x.req.headers['content-length'] === undefined
        ? Readable.from(limitedBody(x.req, cfg.proxyBodySize, x))
        : x.req;
    // proxy_send_timeout: undici pauses the body while the upstream socket does not take more (write returned
    // false) and resumes it on drain; paused longer than the timeout, the exchange fails with 504.
    if (body) {
      let t: NodeJS.Timeout | undefined;
      const stop = (): void => {
        clearTimeout(t);
        t = undefined;
      };
      body.on('pause', () => {
        stop();
        t = setTimeout(() => {
          const err = Object.assign(new Error('upstream timed out while the request was sent (proxy-send-timeout)'), {
            code: 'UND_ERR_SEND_TIMEOUT',
          });
          abort?.(err);
        }, cfg.sendTimeoutMs);
      });
      body.on('resume', stop);
      body.on('end', stop);
      body.on('close', stop);
      res.once('close', stop);
      x.stopSendTimer = stop;
    }
    pool.dispatch(
      {
        path: x.upstreamPath,
        method: (x.req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: x.headers,
        body,
        headersTimeout: cfg.readTimeoutMs,
        bodyTimeout: cfg.readTimeoutMs,
        blocking: false,
      },
      handler as unknown as Dispatcher.DispatchHandler,
    );
  }

  log(req: IncomingMessage, host: string, path: string, status: number, upstream: string, start: number, id: string, err?: Error): void {
    this.ctx.accessLog.request({
      remote: clientIP(req),
      method: req.method,
      host,
      path,
      status,
      upstream,
      duration: Math.round((performance.now() - start) * 1000) / 1000,
      requestId: id,
      err: err?.message,
    });
  }
}
