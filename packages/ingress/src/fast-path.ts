// The plain-HTTP fast path: HTTP/1.1 handled on raw sockets (no node:http request/response objects, no undici).
// The request head is parsed here with strict limits (http1.ts), routed by the same IngressProxy.decide as the
// node:http path, written upstream with the forwarding headers on a connection from this file's own keep-alive
// pool per endpoint, and the bodies are streamed both ways (Content-Length or chunked, passed on unchanged; the
// framing is only followed to find each message's end). Requests are served one at a time per connection
// (pipelined ones wait their turn).
//
// What the fast path does not serve goes to Node's HTTP server, which then owns the connection for the rest of
// its life: anything malformed or unusual (llhttp answers 400/431 as before), upgrades and websockets, Expect,
// HTTP/1.0, router answers that need node's (the 400 of a bad Host or path), backend-protocol HTTPS and the
// handlers of other backend protocols. Timeouts are ingress-nginx's: client_header_timeout (408),
// keepalive_timeout, proxy_connect_timeout, proxy_read_timeout and proxy_send_timeout (each 504), checked by one
// sweep every 100 ms rather than a timer per request.
import type { Server as HttpServer } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { connect, type Socket } from 'node:net';
import { ChunkedScanner, httpDate, parseRequestHead, parseResponseHead, type RequestHead, type ResponseHead } from './http1';
import { errorBody, rawResponse, reasons } from './pages';
import { type Decision, hopByHop, idempotent, type IngressProxy, proxiedAsHttp, replaced, upstreamScheme } from './proxy';
import type { Location } from './route-table';

export interface FastPathOptions {
  maxHeaderSize: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** nginx client_body_timeout: a request body that stalls longer than this between two reads is a 408 (default 60 s). */
  clientBodyTimeoutMs?: number;
  /** Idle upstream connections are closed after this long (nginx upstream keepalive_timeout is 60 s). */
  upstreamIdleMs?: number;
  /** Idle connections kept per endpoint (ingress-nginx upstream keepalive 320). */
  upstreamIdleMax?: number;
  /**
   * Cleartext HTTP/2 with prior knowledge (nginx `http2 on` sniffs the preface on a plain listener): a new
   * connection that opens with the preface is given, with the bytes read so far, to this handler.
   */
  h2c?: (sock: Socket, head: Buffer) => void;
  /** nginx lingering_timeout: an unread request body being dropped stalls this long -> the connection closes (5 s). */
  lingeringTimeoutMs?: number;
  /** nginx lingering_time: dropping an unread request body takes at most this long, then the connection closes (30 s). */
  lingeringTimeMs?: number;
}

/**
 * Router answers after which nginx does not keep the connection (ngx_http_special_response_handler sets
 * keepalive = 0): `Connection: close`, the rest of the request read and dropped until the lingering limits.
 */
export const closesConnection = new Set([400, 413, 414, 500, 501]);

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Request headers not passed upstream: hop-by-hop, and the ones the router sets itself. */
const notForwarded = new Set([...hopByHop, ...replaced]);
const CRLF2 = Buffer.from('\r\n\r\n');
const MAX_RESPONSE_HEAD = 64 * 1024;

type Fail = 'connect' | 'connect-timeout' | 'read-timeout' | 'send-timeout' | 'reset' | 'protocol' | 'too-large' | 'client-timeout';

/** One keep-alive connection to an endpoint pod. Its listeners stay for its life and pass events to the exchange. */
class UpConn {
  ex: Exchange | undefined;
  reused = false;
  connected = false;
  idleSince = 0;
  dead = false;

  constructor(
    readonly pool: UpstreamConns,
    readonly endpoint: string,
    readonly sock: Socket,
  ) {
    sock.on('connect', () => {
      this.connected = true;
      this.ex?.onUpConnect();
    });
    sock.on('data', (d: Buffer) => {
      if (this.ex) this.ex.onUpData(d);
      else this.destroy(); // bytes from an idle upstream: it is not speaking HTTP/1.1 with us
    });
    sock.on('drain', () => this.ex?.onUpDrain());
    sock.on('end', () => this.ex?.onUpEnd());
    sock.on('error', (err: NodeJS.ErrnoException) =>
      this.ex?.onUpError(
        err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' ? 'connect' : 'reset',
        err,
      ),
    );
    sock.on('close', () => {
      this.dead = true;
      this.pool.forget(this);
      this.ex?.onUpError('reset', new Error('upstream closed the connection'));
    });
  }

  destroy(): void {
    this.dead = true;
    this.ex = undefined;
    this.sock.destroy();
  }
}

/** The fast path's own upstream connections: per endpoint, the idle ones (most recently used first). */
export class UpstreamConns {
  private readonly idle = new Map<string, UpConn[]>();
  constructor(
    private readonly idleMs = 60_000,
    private readonly idleMax = 320,
  ) {}

  acquire(endpoint: string): UpConn {
    const list = this.idle.get(endpoint);
    while (list && list.length > 0) {
      const c = list.pop() as UpConn;
      if (!c.dead && !c.sock.destroyed) {
        c.reused = true;
        return c;
      }
    }
    const colon = endpoint.lastIndexOf(':');
    const sock = connect({ host: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)), noDelay: true });
    return new UpConn(this, endpoint, sock);
  }

  release(c: UpConn): void {
    c.ex = undefined;
    if (c.dead) return;
    let list = this.idle.get(c.endpoint);
    if (!list) {
      list = [];
      this.idle.set(c.endpoint, list);
    }
    if (list.length >= this.idleMax) return c.destroy();
    c.idleSince = Date.now();
    list.push(c);
  }

  forget(c: UpConn): void {
    const list = this.idle.get(c.endpoint);
    if (!list) return;
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.idle.delete(c.endpoint);
  }

  /** Idle connections past the idle timeout, or to endpoints no longer in the table, are closed. */
  sweep(now: number, live?: Set<string>): void {
    for (const [ep, list] of this.idle) {
      const gone = live !== undefined && !live.has(ep);
      for (const c of [...list]) if (gone || now - c.idleSince > this.idleMs) c.destroy();
    }
  }

  close(): void {
    for (const list of this.idle.values()) for (const c of [...list]) c.destroy();
    this.idle.clear();
  }
}

/** One client connection of the fast path. */
class ClientConn {
  buf: Buffer | undefined;
  ex: Exchange | undefined;
  /** When the current request head started (0: not reading one). */
  headStart: number;
  idleSince = 0;
  closing = false;
  paused = false;
  /** No request seen yet (the HTTP/2 preface can only come first). */
  fresh = true;
  /** The rest of a request body nobody reads (after a router answer or a failed upload), discarded to keep the connection. */
  discard: { left: number; chunks?: ChunkedScanner } | undefined;
  /**
   * nginx's lingering: when dropping an unread body (or draining a closing connection) began, and when bytes last
   * came; 0 = not lingering. The sweep closes the connection past lingering_timeout / lingering_time.
   */
  lingerSince = 0;
  lingerLast = 0;
  readonly remote: string;
  readonly localPort: number;
  private readonly onData = (d: Buffer) => this.data(d);
  private readonly onClose = () => this.closed();
  private readonly onError = () => this.sock.destroy();
  private readonly onDrain = () => this.ex?.onClientDrain();

  constructor(
    readonly fast: FastPath,
    readonly sock: Socket,
  ) {
    const a = sock.remoteAddress ?? '';
    this.remote = a.startsWith('::ffff:') ? a.slice(7) : a;
    this.localPort = sock.localPort ?? 80;
    this.headStart = Date.now();
    sock.setNoDelay(true);
    sock.on('data', this.onData);
    sock.on('close', this.onClose);
    sock.on('error', this.onError);
    sock.on('drain', this.onDrain);
  }

  private data(d: Buffer): void {
    if (this.lingerSince) this.lingerLast = Date.now();
    // A closing connection whose answer is out: whatever else comes is dropped (nginx's lingering close).
    if (this.closing && !this.ex && !this.discard) return;
    if (this.discard) {
      const rest = this.skip(d);
      if (!rest) return;
      d = rest;
    }
    const ex = this.ex;
    if (ex && !ex.reqDone) {
      const rest = ex.onClientBody(d);
      if (rest) this.hold(rest);
      return;
    }
    if (ex) return this.hold(d);
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    if (this.headStart === 0) this.headStart = Date.now();
    this.next();
  }

  /** A request body nobody will read: dropped as it comes, within nginx's lingering limits (sweep). */
  startDiscard(x: { left: number; chunks?: ChunkedScanner }): void {
    this.discard = x;
    this.lingerSince = this.lingerLast = Date.now();
  }

  /** Drops body bytes of the discarded request; returns what follows it. */
  skip(d: Buffer): Buffer | undefined {
    const x = this.discard;
    if (!x) return d;
    if (x.chunks) {
      const end = x.chunks.scan(d, 0);
      if (end === -2) {
        this.discard = undefined;
        this.sock.destroy();
        return undefined;
      }
      if (end === -1) return undefined;
      this.discard = undefined;
      return end === d.length ? undefined : d.subarray(end);
    }
    if (d.length <= x.left) {
      x.left -= d.length;
      if (x.left === 0) this.discard = undefined;
      return undefined;
    }
    this.discard = undefined;
    return d.subarray(x.left);
  }

  /** Bytes of a pipelined request while one is in flight: kept, and reading paused until the response is out. */
  private hold(d: Buffer): void {
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    this.pause();
  }

  pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.sock.pause();
    }
  }

  resume(): void {
    if (this.paused) {
      this.paused = false;
      this.sock.resume();
    }
  }

  /** Parses and starts the next request in the buffer, if a whole head is there. */
  next(): void {
    const buf = this.buf;
    if (!buf || this.ex || this.closing) return;
    const o = this.fast.opts;
    if (this.fresh && o.h2c && buf[0] === 0x50) {
      const n = Math.min(buf.length, H2_PREFACE.length);
      if (buf.compare(H2_PREFACE, 0, n, 0, n) === 0) {
        if (n < H2_PREFACE.length) return; // a prefix of the preface: read more
        return this.detach((sock, b) => o.h2c?.(sock, b));
      }
    }
    this.fresh = false;
    const end = buf.indexOf(CRLF2);
    if (end < 0) {
      if (buf.length > o.maxHeaderSize) this.handover();
      return;
    }
    if (end + 4 > o.maxHeaderSize) return this.handover();
    const head = parseRequestHead(buf.toString('latin1', 0, end));
    if (!head) return this.handover();
    const rest = end + 4 === buf.length ? undefined : buf.subarray(end + 4);
    this.fast.request(this, head, rest);
  }

  /** Gives the connection, with what it has sent and not been served, to Node's HTTP server. */
  handover(): void {
    this.detach((sock, buf) => {
      this.fast.fallback.emit('connection', sock);
      if (this.paused) sock.resume();
      if (buf.length) sock.emit('data', buf);
    });
  }

  /** Removes the fast path from the socket and passes it on with the bytes read and not served. */
  private detach(to: (sock: Socket, buf: Buffer) => void): void {
    this.fast.conns.delete(this);
    const sock = this.sock;
    sock.off('data', this.onData);
    sock.off('close', this.onClose);
    sock.off('error', this.onError);
    sock.off('drain', this.onDrain);
    const buf = this.buf ?? Buffer.alloc(0);
    this.buf = undefined;
    to(sock, buf);
  }

  /** The current exchange is over: serve what is buffered next, or wait for the next request. */
  done(): void {
    this.ex = undefined;
    if (this.closing) {
      // Half-close after the answer and keep reading until the client closes or the lingering limits pass.
      this.lingerSince = this.lingerLast = Date.now();
      this.sock.end();
      return;
    }
    if (!this.discard) this.lingerSince = 0;
    this.idleSince = Date.now();
    this.headStart = this.buf?.length ? this.idleSince : 0;
    this.resume();
    if (this.buf?.length) this.next();
  }

  private closed(): void {
    this.fast.conns.delete(this);
    this.ex?.onClientGone();
  }

  /** A router answer written on the socket; `close` when unread request body bytes follow. */
  answer(status: number, id: string, extra: Record<string, string> | undefined, close: boolean): void {
    const body = errorBody(status);
    let h = `HTTP/1.1 ${status} ${reasons[status] ?? STATUS_CODES[status] ?? ''}\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\n`;
    if (id) h += `x-request-id: ${id}\r\n`;
    if (extra) for (const k in extra) h += `${k}: ${extra[k]}\r\n`;
    h += `Date: ${httpDate()}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
    this.sock.cork();
    this.sock.write(h, 'latin1');
    this.sock.write(body);
    this.sock.uncork();
    if (close) this.closing = true;
  }
}

/** One request on the fast path, from its head to the end of the upstream's answer. */
class Exchange {
  up: UpConn | undefined;
  tried = 0;
  /** Request body fully received from the client. */
  reqDone: boolean;
  private reqLeft: number;
  private readonly reqChunks: ChunkedScanner | undefined;
  private readonly headBytes: string;
  private resp: ResponseHead | undefined;
  private respLeft = 0;
  private respChunks: ChunkedScanner | undefined;
  started = false;
  finished = false;
  private gotUpstreamBytes = false;
  private noBody: boolean;
  // Timing for the sweep: 0 = not waiting for that.
  connectStart = 0;
  readSince = 0;
  sendBlockedSince = 0;
  /** Last bytes of the request body from the client (client_body_timeout), while the body is not complete. */
  bodySince = 0;
  tooLarge = false;

  constructor(
    readonly conn: ClientConn,
    readonly head: RequestHead,
    readonly d: Decision,
    readonly loc: Location,
    public endpoint: string,
    readonly start: number,
  ) {
    this.reqDone = !head.chunked && head.contentLength === 0;
    this.reqLeft = head.chunked ? 0 : head.contentLength;
    this.reqChunks = head.chunked ? new ChunkedScanner() : undefined;
    this.noBody = head.method === 'HEAD';
    if (!this.reqDone) this.bodySince = Date.now();
    this.headBytes = this.requestHead();
  }

  get cfg() {
    return this.loc.config;
  }

  private requestHead(): string {
    const h = this.head;
    const c = this.conn;
    let s = `${h.method} ${this.d.upstreamPath} HTTP/1.1\r\n`;
    for (let i = 0; i < h.names.length; i++) {
      const n = h.names[i];
      if (notForwarded.has(n.toLowerCase())) continue;
      s += `${n}: ${h.values[i]}\r\n`;
    }
    const ip = c.remote;
    s += `x-request-id: ${this.d.id}\r\nx-real-ip: ${ip}\r\nx-forwarded-for: ${ip}\r\nx-forwarded-host: ${h.host}\r\nx-forwarded-port: ${c.localPort}\r\nx-forwarded-proto: http\r\nx-forwarded-scheme: http\r\nx-scheme: http\r\n`;
    if (h.xff !== undefined) s += `x-original-forwarded-for: ${h.xff}\r\n`;
    if (h.chunked) s += 'Transfer-Encoding: chunked\r\n';
    return `${s}\r\n`;
  }

  /** Sends the request head (and the body bytes already read) on a connection to the endpoint. */
  send(first: Buffer | undefined): Buffer | undefined {
    const fast = this.conn.fast;
    const up = fast.upstreams.acquire(this.endpoint);
    up.ex = this;
    this.up = up;
    this.gotUpstreamBytes = false;
    if (!up.connected) this.connectStart = Date.now();
    let rest: Buffer | undefined;
    let body: Buffer | undefined;
    if (first && !this.reqDone) {
      const r = this.takeBody(first);
      body = r.body;
      rest = r.rest;
    } else rest = first;
    if (this.tooLarge) {
      this.fail('too-large', new Error(`request body larger than proxy-body-size (${this.cfg.proxyBodySize} bytes)`));
      return undefined;
    }
    const sock = up.sock;
    let ok: boolean;
    if (body) {
      sock.cork();
      sock.write(this.headBytes, 'latin1');
      ok = sock.write(body);
      sock.uncork();
    } else ok = sock.write(this.headBytes, 'latin1');
    if (!ok) this.blocked();
    if (this.reqDone && up.connected) this.readSince = Date.now();
    return rest;
  }

  onUpConnect(): void {
    this.connectStart = 0;
    if (this.reqDone && !this.started) this.readSince = Date.now();
  }

  /** Splits client bytes into this request's body and what follows it (a pipelined request). */
  private takeBody(d: Buffer): { body?: Buffer; rest?: Buffer } {
    if (this.reqChunks) {
      const end = this.reqChunks.scan(d, 0);
      if (end === -2) {
        this.conn.closing = true;
        this.reqDone = true;
        return { body: d };
      }
      const max = this.cfg.proxyBodySize;
      if (max > 0 && this.reqChunks.bytes > max) this.tooLarge = true;
      if (end === -1) return { body: d };
      this.reqDone = true;
      return { body: end === d.length ? d : d.subarray(0, end), rest: end === d.length ? undefined : d.subarray(end) };
    }
    if (d.length <= this.reqLeft) {
      this.reqLeft -= d.length;
      if (this.reqLeft === 0) this.reqDone = true;
      return { body: d };
    }
    const body = d.subarray(0, this.reqLeft);
    this.reqLeft = 0;
    this.reqDone = true;
    return { body, rest: d.subarray(body.length) };
  }

  /** More request body from the client; returns bytes past the body. */
  onClientBody(d: Buffer): Buffer | undefined {
    this.bodySince = Date.now();
    const { body, rest } = this.takeBody(d);
    if (this.tooLarge) {
      this.fail('too-large', new Error(`request body larger than proxy-body-size (${this.cfg.proxyBodySize} bytes)`));
      return undefined;
    }
    const up = this.up;
    if (body && up && !up.dead && !this.finished) {
      if (!up.sock.write(body)) this.blocked();
    }
    if (this.reqDone && up?.connected && !this.started) this.readSince = Date.now();
    return rest;
  }

  /** The upstream does not take more: stop reading the client until it drains (proxy_send_timeout runs). */
  private blocked(): void {
    this.sendBlockedSince = Date.now();
    this.conn.pause();
  }

  onUpDrain(): void {
    if (this.sendBlockedSince === 0) return;
    this.sendBlockedSince = 0;
    if (!this.reqDone) this.conn.resume();
  }

  onClientDrain(): void {
    if (!this.up || this.finished) return;
    this.up.sock.resume();
    if (this.readSince === 0) this.readSince = Date.now();
  }

  private pending: Buffer | undefined;

  onUpData(d: Buffer): void {
    if (this.finished) return;
    this.gotUpstreamBytes = true;
    if (this.readSince !== 0) this.readSince = Date.now();
    if (!this.resp) {
      let b = this.pending ? Buffer.concat([this.pending, d]) : d;
      this.pending = undefined;
      for (;;) {
        const end = b.indexOf(CRLF2);
        if (end < 0) {
          if (b.length > MAX_RESPONSE_HEAD) return this.fail('protocol', new Error('upstream sent too big a response head'));
          this.pending = b;
          return;
        }
        const r = parseResponseHead(b.toString('latin1', 0, end));
        if (!r) return this.fail('protocol', new Error('upstream sent an invalid response head'));
        b = b.subarray(end + 4);
        if (r.status >= 100 && r.status < 200) {
          if (r.status === 101) return this.fail('protocol', new Error('upstream switched protocols on a plain request'));
          continue; // 1xx: nothing to pass on
        }
        this.respond(r);
        break;
      }
      if (b.length === 0) {
        if (this.bodyDone()) this.finish();
        return;
      }
      d = b;
    }
    this.body(d);
  }

  /** The response head goes to the client now; the body follows as it comes. */
  private respond(r: ResponseHead): void {
    this.resp = r;
    this.started = true;
    const status = r.status;
    const bodyless = this.noBody || status === 204 || status === 304;
    if (bodyless) this.respLeft = 0;
    else if (r.chunked) this.respChunks = new ChunkedScanner();
    else this.respLeft = r.contentLength;
    const c = this.conn;
    if (this.head.close || (r.contentLength < 0 && !r.chunked && !bodyless)) c.closing = true;
    let h = `HTTP/1.1 ${status} ${r.reason || STATUS_CODES[status] || ''}\r\n${r.lines}`;
    if (this.d.setCookie) h += `set-cookie: ${this.d.setCookie}\r\n`;
    if (!r.hasDate) h += `Date: ${httpDate()}\r\n`;
    if (r.chunked && !bodyless) h += 'Transfer-Encoding: chunked\r\n';
    if (c.closing) h += 'Connection: close\r\n';
    this.headOut = `${h}\r\n`;
  }

  private headOut: string | undefined;

  private bodyDone(): boolean {
    const r = this.resp as ResponseHead;
    if (this.respChunks) return this.respChunks.done;
    if (r.contentLength < 0 && !r.chunked && !(this.noBody || r.status === 204 || r.status === 304)) return false;
    return this.respLeft === 0;
  }

  private body(d: Buffer): void {
    let chunk = d;
    let complete = false;
    if (this.respChunks) {
      const end = this.respChunks.scan(d, 0);
      if (end === -2) return this.fail('protocol', new Error('upstream sent an invalid chunked body'));
      if (end >= 0) {
        complete = true;
        if (end < d.length) {
          chunk = d.subarray(0, end);
          this.upReusable = false;
        }
      }
    } else if (this.resp && (this.resp.contentLength >= 0 || this.noBody || this.resp.status === 204 || this.resp.status === 304)) {
      if (d.length >= this.respLeft) {
        if (d.length > this.respLeft) {
          chunk = d.subarray(0, this.respLeft);
          this.upReusable = false;
        }
        this.respLeft = 0;
        complete = true;
      } else this.respLeft -= d.length;
    }
    const sock = this.conn.sock;
    let ok = true;
    const head = this.headOut;
    if (head !== undefined) {
      this.headOut = undefined;
      // Head and first body bytes in one buffer: one write(2) without writev's per-chunk bookkeeping.
      if (chunk.length > 0 && chunk.length <= 16 * 1024) {
        const out = Buffer.allocUnsafe(head.length + chunk.length);
        out.write(head, 0, 'latin1');
        chunk.copy(out, head.length);
        ok = sock.write(out);
      } else {
        sock.write(head, 'latin1');
        if (chunk.length) ok = sock.write(chunk);
      }
    } else if (chunk.length) ok = sock.write(chunk);
    if (complete) return this.finish();
    if (!ok) {
      // The client reads slowly: the upstream waits for it, which proxy-read-timeout must not count.
      this.up?.sock.pause();
      this.readSince = 0;
    }
  }

  private upReusable = true;

  onUpEnd(): void {
    if (this.finished) return;
    const r = this.resp;
    // A close-delimited body ends here.
    if (r && r.contentLength < 0 && !r.chunked && !this.respChunks && !this.bodyDone()) {
      this.upReusable = false;
      if (this.headOut !== undefined) {
        this.conn.sock.write(this.headOut, 'latin1');
        this.headOut = undefined;
      }
      return this.finish();
    }
    this.onUpError('reset', new Error('upstream closed the connection'));
  }

  onUpError(kind: Fail, err: Error): void {
    if (this.finished) return;
    this.fail(kind, err);
  }

  /** The upstream's message is complete (the request's may not be). */
  private finish(): void {
    if (this.headOut !== undefined) {
      this.conn.sock.write(this.headOut, 'latin1');
      this.headOut = undefined;
    }
    this.finished = true;
    this.readSince = 0;
    this.sendBlockedSince = 0;
    this.connectStart = 0;
    const up = this.up;
    this.up = undefined;
    const fast = this.conn.fast;
    if (up) {
      if (this.upReusable && this.reqDone && !(this.resp as ResponseHead).close && !up.dead) fast.upstreams.release(up);
      else up.destroy();
    }
    fast.log(this, (this.resp as ResponseHead).status, this.endpoint);
    this.dropUpload();
    this.conn.done();
  }

  /** Something went wrong with the upstream (or the upload): retry, answer 502/504/413, or cut the connection. */
  fail(kind: Fail, err: Error): void {
    if (this.finished) return;
    const up = this.up;
    this.up = undefined;
    up?.destroy();
    this.readSince = 0;
    this.sendBlockedSince = 0;
    this.connectStart = 0;
    const fast = this.conn.fast;
    if (this.started) {
      // Part of the answer is out: nothing else can be said on this connection.
      this.finished = true;
      fast.log(this, (this.resp as ResponseHead).status, this.endpoint, err);
      this.conn.sock.destroy();
      return;
    }
    const bodyless = this.head.chunked === false && this.head.contentLength === 0;
    // A kept-alive connection the pod closed as it was reused: the request is sent again on a new connection.
    if (kind === 'reset' && up?.reused && !this.gotUpstreamBytes && bodyless && idempotent.has(this.head.method)) {
      this.send(undefined);
      return;
    }
    // proxy_next_upstream error timeout: one more try on another endpoint when the request can be sent again.
    const connectFailure = kind === 'connect' || kind === 'connect-timeout' || kind === 'reset';
    const upstream = this.d.upstream;
    if (connectFailure && this.tried === 0 && bodyless && idempotent.has(this.head.method) && upstream && upstream.endpoints.length > 1) {
      const next = fast.proxy.ctx.pools.pick(upstream, this.endpoint);
      if (next && next !== this.endpoint) {
        fast.proxy.ctx.accessLog.warn(
          { requestId: this.d.id, upstream: this.endpoint, err: (err as NodeJS.ErrnoException).code ?? kind },
          'upstream failed, retrying on another endpoint',
        );
        this.endpoint = next;
        this.tried = 1;
        this.send(undefined);
        return;
      }
    }
    this.finished = true;
    const status =
      kind === 'too-large'
        ? 413
        : kind === 'client-timeout'
          ? 408
          : kind === 'connect-timeout' || kind === 'read-timeout' || kind === 'send-timeout'
            ? 504
            : 502;
    if (kind === 'client-timeout') this.conn.closing = true;
    this.conn.answer(status, this.d.id, undefined, this.head.close || this.conn.closing || closesConnection.has(status));
    fast.log(this, status, this.endpoint, err);
    this.dropUpload();
    this.conn.done();
  }

  /** The upstream is done with us before the upload ended: the rest of the body is read and dropped. */
  private dropUpload(): void {
    if (this.reqDone) return;
    this.reqDone = true;
    this.conn.startDiscard(this.reqChunks ? { left: 0, chunks: this.reqChunks } : { left: this.reqLeft });
    this.conn.resume();
  }

  /** The client went away. */
  onClientGone(): void {
    if (this.finished) return;
    this.finished = true;
    const fast = this.conn.fast;
    this.up?.destroy();
    this.up = undefined;
    if (this.started) fast.log(this, (this.resp as ResponseHead).status, this.endpoint, new Error('client closed the connection'));
  }
}

export class FastPath {
  /**
   * The open client connections; the exchanges in flight are their `ex`. No Set of exchanges: a Set with an
   * add and a delete per request made V8's scavenges keep every request's objects (exchange, heads, strings)
   * alive into the old generation (about 2.4 MB promoted per scavenge, 5-8 ms pauses every ~50 ms under wrk
   * -c32, and a mark-compact every second): that was the fast path's p99 tail.
   */
  readonly conns = new Set<ClientConn>();
  readonly upstreams: UpstreamConns;
  readonly opts: FastPathOptions;
  private readonly timer: NodeJS.Timeout;
  private stopping = false;

  constructor(
    readonly proxy: IngressProxy,
    /** Node's HTTP server for what the fast path does not serve (never listening itself). */
    readonly fallback: HttpServer,
    opts: FastPathOptions,
  ) {
    this.opts = opts;
    this.upstreams = new UpstreamConns(opts.upstreamIdleMs, opts.upstreamIdleMax);
    // The fallback server never listens: start its connection tracking (header/request timeouts, idle close) as listen() would.
    fallback.emit('listening');
    this.timer = setInterval(() => this.sweep(), 100);
    this.timer.unref();
  }

  /** The net server's connection listener. */
  readonly connection = (sock: Socket): void => {
    if (this.stopping) {
      sock.destroy();
      return;
    }
    this.conns.add(new ClientConn(this, sock));
  };

  request(c: ClientConn, head: RequestHead, rest: Buffer | undefined): void {
    const start = performance.now();
    const d = this.proxy.decide({
      method: head.method,
      url: head.target,
      hostHeader: head.host,
      remote: c.remote,
      secure: false,
      contentLength: head.contentLength,
      givenId: head.requestId,
      cookie: head.cookie,
      headers: () => {
        const o: Record<string, string> = {};
        for (let i = 0; i < head.names.length; i++) {
          const k = head.names[i].toLowerCase();
          o[k] = o[k] === undefined ? head.values[i] : `${o[k]}, ${head.values[i]}`;
        }
        return o;
      },
    });
    const loc = d.loc;
    // Node's path answers what needs its exact behaviour: a bad Host or path (400), other backend protocols.
    if (d.status === 400 && d.id === '') return c.handover();
    // AUTO_HTTP from a plain client is plain HTTP to the pod (upstreamScheme), served here.
    if (
      d.status === 0 &&
      (loc === undefined ||
        d.upstream === undefined ||
        upstreamScheme(loc, d.upstream, false) !== 'http' ||
        !proxiedAsHttp(loc.config.backendProtocol))
    )
      return c.handover();
    c.buf = undefined;
    c.headStart = 0;
    if (d.status > 0) {
      // A router answer; a request body is read and dropped (closing with unread bytes would reset the answer away).
      c.answer(d.status, d.id, d.extra, head.close || closesConnection.has(d.status));
      this.log({ conn: c, head, d, start }, d.status, '');
      if (head.chunked) c.startDiscard({ left: 0, chunks: new ChunkedScanner() });
      else if (head.contentLength > 0) c.startDiscard({ left: head.contentLength });
      c.buf = rest && c.discard ? c.skip(rest) : rest;
      c.done();
      return;
    }
    const ex = new Exchange(c, head, d, loc as Location, d.endpoint as string, start);
    c.ex = ex;
    const after = ex.send(rest);
    if (after?.length) {
      c.buf = after;
      c.pause();
    }
  }

  log(x: { conn: ClientConn; head: RequestHead; d: Decision; start: number }, status: number, upstream: string, err?: Error): void {
    this.proxy.ctx.accessLog.request({
      remote: x.conn.remote,
      method: x.head.method,
      host: x.d.host,
      path: x.d.path,
      status,
      upstream,
      duration: Math.round((performance.now() - x.start) * 1000) / 1000,
      requestId: x.d.id,
      err: err?.message,
    });
  }

  private sweep(): void {
    const now = Date.now();
    const o = this.opts;
    for (const c of this.conns) {
      const ex = c.ex;
      if (!ex && c.lingerSince && (c.discard || c.closing)) {
        // nginx lingering_timeout / lingering_time: the unread rest of a request is not read forever.
        if (now - c.lingerLast > (o.lingeringTimeoutMs ?? 5000) || now - c.lingerSince > (o.lingeringTimeMs ?? 30_000)) {
          c.sock.destroy();
          this.conns.delete(c);
        }
        continue;
      }
      if (!ex) {
        if (c.headStart && now - c.headStart > o.headersTimeoutMs) {
          // client_header_timeout: nginx answers 408 (node's clientError handler writes the same page).
          if (c.buf?.length) c.sock.end(rawResponse(408));
          else c.sock.destroy();
          this.conns.delete(c);
          this.proxy.ctx.accessLog.info({ remote: c.remote, status: 408, err: 'ERR_HTTP_REQUEST_TIMEOUT' }, 'bad request');
        } else if (!c.headStart && !c.buf?.length && now - c.idleSince > o.keepAliveTimeoutMs) {
          c.sock.destroy();
          this.conns.delete(c);
        }
        continue;
      }
      if (ex.finished) continue;
      const cfg = ex.cfg;
      if (ex.connectStart && now - ex.connectStart > cfg.connectTimeoutMs)
        ex.fail('connect-timeout', new Error('upstream connect timed out'));
      else if (ex.sendBlockedSince && now - ex.sendBlockedSince > cfg.sendTimeoutMs)
        ex.fail('send-timeout', new Error('upstream timed out while the request was sent (proxy-send-timeout)'));
      else if (!ex.reqDone && ex.bodySince && !ex.sendBlockedSince && now - ex.bodySince > (o.clientBodyTimeoutMs ?? 60_000))
        ex.fail('client-timeout', new Error('client timed out while sending the request body (client_body_timeout)'));
      else if (ex.readSince && now - ex.readSince > cfg.readTimeoutMs)
        ex.fail('read-timeout', new Error('upstream timed out while the response was read (proxy-read-timeout)'));
    }
    if (now % 5000 < 100) this.upstreams.sweep(now);
  }

  /** Stop: idle connections close now, busy ones after their exchange; `destroyAll` cuts the rest. */
  closeIdle(): void {
    this.stopping = true;
    for (const c of this.conns) {
      if (c.ex) c.closing = true;
      else c.sock.destroy();
    }
  }

  destroyAll(): void {
    for (const c of this.conns) c.sock.destroy();
    this.conns.clear();
    clearInterval(this.timer);
    this.upstreams.close();
  }
}
