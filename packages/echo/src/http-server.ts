// The whoami-style HTTP side: what lab users curl to see which pod answered and what arrived
// after kube-proxy style NAT, plus a few knobs (/status, /delay) for probing timeouts and retries.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { collectIps, describeJson, describeText, normalizeAddress, type RequestDescription } from './describe';
import { pathOf } from './net-util';

export const MAX_DELAY_MS = 60_000;

export interface HttpServerOptions {
  logger: Logger;
  hostname: string;
  podIp?: string;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

function describeRequest(req: IncomingMessage, opts: HttpServerOptions): RequestDescription {
  return {
    hostname: opts.hostname,
    // Read per request: the lab may attach or re-address interfaces after this process started.
    ips: collectIps(networkInterfaces(), opts.podIp),
    remoteAddress: req.socket.remoteAddress ?? '',
    remotePort: req.socket.remotePort ?? 0,
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    httpVersion: req.httpVersion,
    rawHeaders: req.rawHeaders,
  };
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function answerStatus(res: ServerResponse, raw: string): void {
  const code = /^\d{3}$/.test(raw) ? Number(raw) : NaN;
  if (!(code >= 100 && code <= 599)) {
    send(res, 400, `invalid status code ${JSON.stringify(raw)}: expected an integer from 100 to 599\n`);
    return;
  }
  if (code < 200 || code === 204 || code === 304) {
    // These may not carry a body. A 1xx as the final answer leaves clients waiting for the "real"
    // response, so close the connection to make the odd request end instead of hang.
    res.writeHead(code, code < 200 ? { Connection: 'close' } : {});
    res.end();
    return;
  }
  send(res, code, `${code} ${http.STATUS_CODES[code] ?? 'Unknown'}\n`);
}

function answerDelay(req: IncomingMessage, res: ServerResponse, raw: string, opts: HttpServerOptions): void {
  if (!/^\d{1,15}$/.test(raw)) {
    send(res, 400, `invalid delay ${JSON.stringify(raw)}: expected milliseconds as a non-negative integer\n`);
    return;
  }
  // Describe now: once the client gives up, the socket no longer knows its remote address.
  const text = describeText(describeRequest(req, opts));
  const timer = setTimeout(() => send(res, 200, text), Math.min(Number(raw), MAX_DELAY_MS));
  res.once('close', () => clearTimeout(timer));
}

export function createRequestHandler(opts: HttpServerOptions): RequestHandler {
  const { logger } = opts;
  return (req, res) => {
    // Aborted uploads and resets surface here; the 'close' log line below already records them.
    req.on('error', () => {});
    res.on('error', () => {});
    const started = performance.now();
    const path = pathOf(req.url);
    // Captured up front: a closed socket forgets its peer, and 'close' is when we log.
    const remote = normalizeAddress(req.socket.remoteAddress ?? '');
    res.once('close', () => {
      const entry = {
        method: req.method,
        url: req.url,
        status: res.statusCode,
        remote,
        ms: Math.round(performance.now() - started),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      // Health probes arrive every few seconds from every node; at info they would drown real traffic.
      if (path === '/healthz') logger.debug(entry, 'request');
      else logger.info(entry, 'request');
    });

    if (path === '/healthz') return send(res, 200, 'ok');
    if (path === '/json') {
      return send(res, 200, `${JSON.stringify(describeJson(describeRequest(req, opts)))}\n`, 'application/json');
    }
    if (path === '/ws') return send(res, 426, 'websocket echo: connect with a WebSocket client\n');
    const status = /^\/status\/([^/]*)\/?$/.exec(path);
    if (status) return answerStatus(res, status[1]);
    const delay = /^\/delay\/([^/]*)\/?$/.exec(path);
    if (delay) return answerDelay(req, res, delay[1], opts);
    return send(res, 200, describeText(describeRequest(req, opts)));
  };
}

/** Headers already on the wire mean a 400 would corrupt the response in flight; Node's default does the same check. */
function responseStarted(socket: Socket): boolean {
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  return Boolean(current?.headersSent);
}

export function createHttpServer(opts: HttpServerOptions): { server: http.Server; handler: RequestHandler } {
  const handler = createRequestHandler(opts);
  const server = http.createServer(handler);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    opts.logger.debug({ code: err.code, err: err.message }, 'client error');
    if (err.code === 'ECONNRESET' || !socket.writable || responseStarted(socket)) {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  // After listen() succeeds, errors here (e.g. EMFILE on accept) are transient; log, keep serving.
  server.on('error', (err) => opts.logger.warn({ err: err.message }, 'http server error'));
  return { server, handler };
}
