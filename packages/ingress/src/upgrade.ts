// Upgrades (websockets and any other `Connection: Upgrade`): routed like requests, then the request head
// is written to a fresh TCP (or TLS) connection to the endpoint and the two sockets are piped both ways,
// as nginx does with proxy_http_version 1.1 and the Upgrade/Connection headers passed on.
import type { IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { allowed, clientIP, useCanary, type ProxyContext, upstreamScheme, upstreamURI } from './proxy';
import { normalizePath } from './uri';
import { rawResponse } from './pages';
import { normalizeHost, route } from './route-table';

const dropped = new Set(['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-proto', 'x-real-ip']);

export function handleUpgrade(ctx: ProxyContext, req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void {
  const start = performance.now();
  socket.on('error', () => socket.destroy());
  const host = normalizeHost(req.headers.host);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const path = normalizePath(rawPath);
  const answer = (status: number, extra = ''): void => {
    socket.end(rawResponse(status, extra));
    ctx.accessLog.request({
      remote: clientIP(req),
      method: req.method,
      host: host ?? '',
      path: rawPath,
      status,
      upstream: '',
      upgrade: req.headers.upgrade,
      duration: Math.round((performance.now() - start) * 1000) / 1000,
      requestId: String(req.headers['x-request-id'] ?? ''),
    });
  };
  if (host === undefined || path === undefined) return answer(400);
  const { server, location: loc } = route(ctx.table(), host, path);
  if (!loc) return answer(404);
  const cfg = loc.config;
  if (!secure && ((server.tlsSecret !== undefined && cfg.sslRedirect) || cfg.forceSslRedirect)) {
    const [name, port] = (req.headers.host ?? host).split(':');
    const p = ctx.httpsPortFor(port);
    return answer(308, `Location: https://${name}${p === '443' ? '' : `:${p}`}${url}\r\n`);
  }
  if (cfg.denied) return answer(503);
  const ip = clientIP(req);
  if (!allowed(loc, ip)) return answer(403);
  const upstream = loc.canary && useCanary(loc, req, ctx.random) ? loc.canary.upstream : loc.upstream;
  if (!upstream) return answer(404);
  const endpoint = ctx.pools.pick(upstream);
  if (!endpoint) return answer(503);
  const colon = endpoint.lastIndexOf(':');
  const target = { host: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)) };
  const tls = upstreamScheme(loc, upstream, secure) === 'https';
  const upstreamSocket: Socket = tls ? tlsConnect({ ...target, rejectUnauthorized: false, servername: undefined }) : netConnect(target);
  const timer = setTimeout(
    () => upstreamSocket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
    cfg.connectTimeoutMs,
  );
  let connected = false;
  upstreamSocket.once(tls ? 'secureConnect' : 'connect', () => {
    connected = true;
    clearTimeout(timer);
    const lines = [`${req.method} ${upstreamURI(loc, path, url, q)} HTTP/1.1`];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) if (!dropped.has(raw[i].toLowerCase())) lines.push(`${raw[i]}: ${raw[i + 1]}`);
    const proto = secure ? 'https' : 'http';
    lines.push(`X-Real-IP: ${ip}`, `X-Forwarded-For: ${ip}`, `X-Forwarded-Host: ${req.headers.host ?? ''}`);
    lines.push(`X-Forwarded-Port: ${req.socket.localPort ?? ''}`, `X-Forwarded-Proto: ${proto}`);
    if (!req.headers['x-request-id']) lines.push(`X-Request-ID: ${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`);
    upstreamSocket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstreamSocket.write(head);
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
    ctx.accessLog.request({
      remote: ip,
      method: req.method,
      host,
      path,
      status: 101,
      upstream: endpoint,
      upgrade: req.headers.upgrade,
      duration: Math.round((performance.now() - start) * 1000) / 1000,
      requestId: String(req.headers['x-request-id'] ?? ''),
    });
  });
  upstreamSocket.on('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    if (!connected) answer(err.code === 'ETIMEDOUT' ? 504 : 502);
    else socket.destroy();
  });
  socket.on('close', () => upstreamSocket.destroy());
  upstreamSocket.on('close', () => socket.destroy());
}
