// backend-protocol FCGI: the routed request goes to the endpoint as one FastCGI RESPONDER request on a fresh
// connection (nginx's fastcgi_pass with fastcgi_keep_conn off, ingress-nginx's default). As nginx
// (fastcgi_request_buffering on) the request body is read first, so CONTENT_LENGTH is known; the responder's
// stdout is parsed into the HTTP response, its stderr goes to the log. Failures answer as nginx: 502 for a
// refused or broken upstream, 504 on connect/read timeouts, with one more try on another endpoint for an
// idempotent request whose connection failed (fastcgi_next_upstream error timeout).
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { beginRequest, encodeParams, RecordDecoder, RecordType, stream } from './fastcgi-records';
import { buildParams, headEnd, parseCgiHead, type FcgiRequest } from './fastcgi-params';
import { sendError } from './pages';
import { clientIP, idempotent, rewritePath, type BackendExchange, type BackendHandler } from './proxy';
import { normalizeHost } from './route-table';
import type { UpstreamPools } from './upstreams';

/** nginx's fastcgi_buffer_size is 4-8k; a larger header block is "upstream sent too big header" (502). */
const MAX_HEAD = 64 * 1024;
const REQUEST_ID = 1;

class BodyTooLarge extends Error {
  readonly code = 'KUBELAB_BODY_TOO_LARGE';
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody && !(req.httpVersionMajor === 2 && !req.readableEnded)) return undefined;
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (max > 0 && n > max) throw new BodyTooLarge(`request body larger than proxy-body-size (${max} bytes)`);
    parts.push(c);
  }
  return hasBody || n > 0 ? Buffer.concat(parts, n) : undefined;
}

/** The client's own headers (HTTP/2 pseudo-headers left out), as nginx passes them on as HTTP_*. */
export function clientHeaders(req: IncomingMessage): string[] {
  const out: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (!raw[i].startsWith(':')) out.push(raw[i], raw[i + 1]);
  return out;
}

export function fcgiRequest(x: BackendExchange, body: Buffer | undefined): FcgiRequest {
  const req = x.req;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const host = normalizeHost(req.headers.host ?? (req.headers[':authority'] as string | undefined)) ?? '';
  const local = req.socket.localAddress ?? '';
  return {
    method: req.method ?? 'GET',
    requestUri: url,
    uri: rewritePath(x.loc, x.path),
    args: q < 0 ? '' : url.slice(q + 1),
    headers: clientHeaders(req),
    contentLength: body?.length,
    protocol: `HTTP/${req.httpVersion}`,
    secure: x.secure,
    remoteAddr: clientIP(req),
    remotePort: req.socket.remotePort ?? 0,
    serverAddr: local.startsWith('::ffff:') ? local.slice(7) : local,
    serverPort: req.socket.localPort ?? 0,
    serverName: host || '_',
    host,
    requestId: x.id,
    index: x.loc.config.fastcgiIndex,
    params: x.loc.config.fastcgiParams,
  };
}

/** The request as bytes on the wire: BEGIN_REQUEST, the PARAMS stream, the STDIN stream. */
export function encodeRequest(params: [string, string][], body: Buffer | undefined): Buffer {
  return Buffer.concat([
    beginRequest(REQUEST_ID),
    ...stream(RecordType.Params, REQUEST_ID, encodeParams(params), true),
    ...stream(RecordType.Stdin, REQUEST_ID, body ?? Buffer.alloc(0), true),
  ]);
}

export function fastcgiHandler(pools: Pick<UpstreamPools, 'pick'>, log: Logger): BackendHandler {
  return (x) => {
    readBody(x.req, x.loc.config.proxyBodySize).then(
      (body) => send(x, encodeRequest(buildParams(fcgiRequest(x, body)), body), x.endpoint, 0),
      (err: Error) => {
        const status = err instanceof BodyTooLarge ? 413 : 400;
        sendError(x.res, status, { 'x-request-id': x.id });
        x.log(status, '', err);
      },
    );
  };

  function send(x: BackendExchange, request: Buffer, endpoint: string, tried: number): void {
    const cfg = x.loc.config;
    const res = x.res;
    const colon = endpoint.lastIndexOf(':');
    const socket: Socket = connect({ host: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)), noDelay: true });
    const decoder = new RecordDecoder();
    let connected = false;
    let head: Buffer | undefined = Buffer.alloc(0);
    let status = 0;
    let finished = false;
    const finish = (err?: Error, failStatus?: number): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      res.off('close', onClientClose);
      socket.destroy();
      if (!err) {
        res.end();
        return x.log(status, endpoint);
      }
      if (head === undefined) {
        // Part of the answer went out already: cut the client connection, as nginx does.
        res.destroy(err);
        return x.log(status, endpoint, err);
      }
      if (res.destroyed) return x.log(499, endpoint, err);
      const code = (err as NodeJS.ErrnoException).code ?? '';
      const refused = !connected && (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ECONNRESET' || code === 'ETIMEDOUT');
      if (refused && tried === 0 && idempotent.has(x.req.method ?? '') && x.upstream.endpoints.length > 1) {
        const next = pools.pick(x.upstream, endpoint);
        if (next && next !== endpoint) {
          log.warn({ requestId: x.id, upstream: endpoint, err: code }, 'FastCGI upstream failed, retrying on another endpoint');
          return send(x, request, next, 1);
        }
      }
      const s = failStatus ?? (code === 'ETIMEDOUT' ? 504 : 502);
      sendError(res, s, { 'x-request-id': x.id });
      x.log(s, endpoint, err);
    };
    const timeoutErr = (what: string): Error => Object.assign(new Error(`upstream timed out (${what})`), { code: 'ETIMEDOUT' });
    // proxy-connect-timeout until connected, then proxy-read-timeout between two reads (nginx's semantics).
    let timer = setTimeout(() => finish(timeoutErr('connect')), cfg.connectTimeoutMs);
    const armRead = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(timeoutErr('read')), cfg.readTimeoutMs);
    };
    const onClientClose = (): void => {
      if (!res.writableFinished) finish(new Error('client closed the connection'));
    };
    res.once('close', onClientClose);
    socket.once('connect', () => {
      connected = true;
      armRead();
      socket.write(request);
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('upstream prematurely closed FastCGI stdout')));
    socket.on('data', (chunk: Buffer) => {
      armRead();
      let records: ReturnType<RecordDecoder['push']>;
      try {
        records = decoder.push(chunk);
      } catch (err) {
        return finish(err as Error);
      }
      for (const r of records) {
        if (finished) return;
        if (r.type === RecordType.Stdout) {
          if (head === undefined) {
            if (r.content.length && !res.write(r.content)) {
              socket.pause();
              res.once('drain', () => socket.resume());
            }
            continue;
          }
          head = Buffer.concat([head, r.content]);
          const end = headEnd(head);
          if (!end) {
            if (head.length > MAX_HEAD) return finish(new Error('upstream sent too big header'));
            continue;
          }
          let h: ReturnType<typeof parseCgiHead>;
          try {
            h = parseCgiHead(head.toString('latin1', 0, end[0]));
          } catch (err) {
            return finish(err as Error);
          }
          const rest = head.subarray(end[1]);
          head = undefined;
          status = h.status;
          res.writeHead(h.status, h.statusText || undefined, h.headers);
          if (rest.length) res.write(rest);
        } else if (r.type === RecordType.Stderr) {
          if (r.content.length)
            log.warn({ requestId: x.id, upstream: endpoint }, `FastCGI sent in stderr: "${r.content.toString('utf8').trimEnd()}"`);
        } else if (r.type === RecordType.EndRequest) {
          if (head !== undefined) return finish(new Error('upstream closed before sending a header'));
          return finish();
        }
      }
    });
  }
}
