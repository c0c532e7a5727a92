// HTTP/2 from clients, as ingress-nginx serves it (`http2 on;` in every server block, use-http2 default true):
// on the TLS listener when ALPN picks h2, and on the plain listener when a connection opens with the HTTP/2
// preface (nginx >= 1.25.1 sniffs it, so h2c with prior knowledge and HTTP/1.x share port 80; there is no
// `Upgrade: h2c`). Every h2 request goes through the same IngressProxy.handle as HTTP/1 (routing, redirects,
// canary, affinity, backend protocols) with node:http2's compatibility request and response.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';

/** The client connection preface (RFC 9113 §3.4). */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * Does a connection that starts with `head` speak HTTP/2? true: the whole preface is there; false: it cannot
 * be; undefined: `head` is a proper prefix of the preface, read more (nginx re-posts the read event).
 */
export function isH2Preface(head: Buffer): boolean | undefined {
  const n = Math.min(head.length, H2_PREFACE.length);
  if (head.compare(H2_PREFACE, 0, n, 0, n) !== 0) return false;
  return n === H2_PREFACE.length ? true : undefined;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, secure: boolean) => void;

export interface H2Options {
  /** nginx http2_max_concurrent_streams (ingress-nginx default 128). */
  maxConcurrentStreams?: number;
  /** Largest header block (nginx large_client_header_buffers, as the HTTP/1 listener). */
  maxHeaderSize?: number;
  /** Idle session timeout (nginx keepalive_timeout). */
  idleTimeoutMs?: number;
}

/**
 * The compat request carries HTTP/2's pseudo-headers in rawHeaders and no Host header; the router reads
 * rawHeaders for the headers it forwards and Host for routing, so both are set here as an HTTP/1 request has
 * them (`:authority` is the Host, RFC 9113 §8.3.1).
 */
export function adaptRequest(req: Http2ServerRequest): IncomingMessage {
  const raw = req.rawHeaders;
  const rawHeaders: string[] = [];
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i] === ':authority') host = raw[i + 1];
    else if (!raw[i].startsWith(':')) rawHeaders.push(raw[i], raw[i + 1]);
  }
  if (req.headers.host === undefined && host !== undefined) {
    req.headers.host = host;
    rawHeaders.unshift('host', host);
  }
  Object.defineProperty(req, 'rawHeaders', { value: rawHeaders, configurable: true });
  return req as unknown as IncomingMessage;
}

/**
 * HTTP/2 has no reason phrase (RFC 9113 §8.3.1): the statusText the HTTP/1 code passes to writeHead is dropped
 * here, rather than left to node, which warns on it.
 */
export function adaptResponse(res: Http2ServerResponse): ServerResponse {
  const writeHead = res.writeHead as (this: Http2ServerResponse, status: number, headers?: OutgoingHttpHeaders) => Http2ServerResponse;
  res.writeHead = function (this: Http2ServerResponse, status: number, a?: unknown, b?: unknown) {
    const headers = typeof a === 'string' || a === undefined ? b : a;
    return writeHead.call(this, status, headers as OutgoingHttpHeaders | undefined);
  } as typeof res.writeHead;
  return res as unknown as ServerResponse;
}

export class H2Front {
  readonly server: Http2Server;
  private readonly sessions = new Set<ServerHttp2Session>();

  constructor(handle: RequestHandler, o: H2Options = {}) {
    this.server = createServer({
      settings: { maxConcurrentStreams: o.maxConcurrentStreams ?? 128, maxHeaderListSize: o.maxHeaderSize ?? 16_384 },
      maxSessionMemory: 32,
    });
    this.server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) =>
      handle(adaptRequest(req), adaptResponse(res), (req.socket as TLSSocket).encrypted === true),
    );
    this.server.on('sessionError', () => undefined);
    this.server.on('session', (s: ServerHttp2Session) => {
      this.sessions.add(s);
      s.once('close', () => this.sessions.delete(s));
    });
    this.server.setTimeout(o.idleTimeoutMs ?? 75_000);
  }

  /**
   * Takes over a connection: a TLS socket whose ALPN chose h2, or a plain one that opened with the preface.
   * `head` is what the caller already read from it; it is put back so the session reads the preface itself.
   */
  connection(socket: Socket, head?: Buffer): void {
    // A flowing socket whose reader left would drop what is unshifted; paused, node:http2 reads it from the buffer.
    socket.pause();
    if (head?.length) socket.unshift(head);
    this.server.emit('connection', socket);
  }

  /**
   * Sends GOAWAY on every session and waits for their open streams to finish (the listener is not this
   * server's: connections come through connection()). Sessions still busy after `graceMs` are destroyed.
   */
  async close(graceMs = 5_000): Promise<void> {
    const open = [...this.sessions];
    const t = setTimeout(() => {
      for (const s of open) s.destroy();
    }, graceMs);
    t.unref();
    await Promise.all(open.map((s) => new Promise<void>((r) => (s.closed ? r() : s.close(() => r())))));
    clearTimeout(t);
  }
}

/**
 * ALPN on the TLS listener (nginx `listen 443 ssl` + `http2 on`: h2 first, http/1.1 fallback): connections
 * that chose h2 go to the HTTP/2 front, all others keep the https server's own HTTP/1 handling untouched.
 */
export function splitByAlpn(server: TlsServer, h2: H2Front): void {
  const h1 = server.listeners('secureConnection') as ((s: TLSSocket) => void)[];
  server.removeAllListeners('secureConnection');
  server.on('secureConnection', (s: TLSSocket) => {
    if (s.alpnProtocol === 'h2') h2.connection(s);
    else for (const l of h1) l.call(server, s);
  });
}
