// The HTTP/1.1 framing of the router's raw-socket fast path (fast-path.ts): a strict request-head parser, a
// response-head parser and a chunked-body scanner. Strict on purpose: whatever is not a plain, well-formed
// HTTP/1.1 message is left to Node's HTTP server (llhttp), which answers malformed input as before (400/431).

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A field value: visible ASCII, obs-text and inner spaces/tabs (no CTLs). */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A request target: visible ASCII only. */
const TARGET = /^[\x21-\x7e]+$/;

/** Optional whitespace around a field value is spaces and tabs only (String.trim would also take NBSP, 0xa0). */
function ows(v: string): string {
  let a = 0;
  let b = v.length;
  while (a < b && (v.charCodeAt(a) === 32 || v.charCodeAt(a) === 9)) a++;
  while (b > a && (v.charCodeAt(b - 1) === 32 || v.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === v.length ? v : v.slice(a, b);
}

export interface RequestHead {
  method: string;
  target: string;
  /** Header lines as [name, value] pairs in order (names as sent). */
  names: string[];
  values: string[];
  host?: string;
  contentLength: number;
  chunked: boolean;
  /** Connection: close. */
  close: boolean;
  /** X-Forwarded-For as sent (ingress-nginx passes it on as X-Original-Forwarded-For). */
  xff?: string;
  requestId?: string;
  cookie?: string;
}

/**
 * Parses a request head (without its final CRLFCRLF), or returns undefined when the fast path must not serve
 * it: anything malformed or unusual (HTTP/1.0, upgrades, Expect, obs-fold, duplicate Host/Content-Length,
 * Transfer-Encoding other than chunked, both framings), which Node's server then handles as before.
 */
export function parseRequestHead(head: string): RequestHead | undefined {
  const lines = head.split('\r\n');
  const rl = lines[0];
  const sp1 = rl.indexOf(' ');
  const sp2 = rl.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || rl.slice(sp2 + 1) !== 'HTTP/1.1') return undefined;
  const method = rl.slice(0, sp1);
  const target = rl.slice(sp1 + 1, sp2);
  if (!TOKEN.test(method) || !TARGET.test(target) || target.charCodeAt(0) !== 47) return undefined;
  const h: RequestHead = { method, target, names: [], values: [], contentLength: 0, chunked: false, close: false };
  let sawLength = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return undefined;
    const value = ows(line.slice(colon + 1));
    if (!VALUE.test(value)) return undefined;
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        if (h.host !== undefined) return undefined;
        h.host = value;
        break;
      case 'content-length':
        if (sawLength || !/^\d{1,15}$/.test(value)) return undefined;
        sawLength = true;
        h.contentLength = Number(value);
        break;
      case 'transfer-encoding':
        if (h.chunked || value.toLowerCase() !== 'chunked') return undefined;
        h.chunked = true;
        break;
      case 'connection': {
        for (const t of value.toLowerCase().split(',')) {
          const tok = t.trim();
          if (tok === 'close') h.close = true;
          else if (tok !== 'keep-alive' && tok !== '') return undefined;
        }
        break;
      }
      case 'upgrade':
      case 'expect':
      case 'http2-settings':
        return undefined;
      case 'x-forwarded-for':
        h.xff = h.xff === undefined ? value : `${h.xff}, ${value}`;
        break;
      case 'x-request-id':
        if (h.requestId === undefined) h.requestId = value;
        break;
      case 'cookie':
        h.cookie = h.cookie === undefined ? value : `${h.cookie}; ${value}`;
        break;
    }
    h.names.push(name);
    h.values.push(value);
  }
  if (h.host === undefined || (h.chunked && sawLength)) return undefined;
  return h;
}

export interface ResponseHead {
  status: number;
  reason: string;
  /** HTTP/1.0 answer. */
  http10: boolean;
  /** Header lines to pass on (hop-by-hop ones removed), each `name: value\r\n`. */
  lines: string;
  /** -1: no Content-Length. */
  contentLength: number;
  chunked: boolean;
  /** The upstream asked to close (or cannot keep the connection). */
  close: boolean;
  hasDate: boolean;
}

const dropFromResponse = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'transfer-encoding']);

/** Parses an upstream's response head (without the final CRLFCRLF); undefined when it is not valid HTTP/1.x. */
export function parseResponseHead(head: string): ResponseHead | undefined {
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!m) return undefined;
  const http10 = m[1] === '0';
  const r: ResponseHead = {
    status: Number(m[2]),
    reason: m[3] ?? '',
    http10,
    lines: '',
    contentLength: -1,
    chunked: false,
    close: http10,
    hasDate: false,
  };
  let te: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return undefined;
    const value = ows(line.slice(colon + 1));
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      if (!/^\d{1,15}$/.test(value) || (r.contentLength >= 0 && r.contentLength !== Number(value))) return undefined;
      if (r.contentLength >= 0) continue;
      r.contentLength = Number(value);
    } else if (lower === 'connection') {
      const v = value.toLowerCase();
      if (v.includes('close')) r.close = true;
      else if (http10 && v.includes('keep-alive')) r.close = false;
    } else if (lower === 'transfer-encoding') te = te === undefined ? value.toLowerCase() : `${te}, ${value.toLowerCase()}`;
    else if (lower === 'date') r.hasDate = true;
    if (dropFromResponse.has(lower)) continue;
    r.lines += `${name}: ${value}\r\n`;
  }
  if (te !== undefined) {
    // RFC 9112 6.3: chunked last wins over Content-Length; any other coding is read until close.
    r.contentLength = -1;
    if (te === 'chunked') r.chunked = true;
    else {
      r.close = true;
      r.lines += `Transfer-Encoding: ${te}\r\n`;
    }
  }
  return r;
}

enum C {
  Size = 0,
  Ext = 1,
  SizeLf = 2,
  Data = 3,
  DataCr = 4,
  DataLf = 5,
  TrailerStart = 6,
  TrailerLine = 7,
  TrailerLf = 8,
  EndLf = 9,
  Done = 10,
}

/**
 * Follows a chunked body byte by byte (the bytes themselves are passed on unchanged) to find where the message
 * ends. `scan` returns the offset just after the last byte of the message, -1 when more is needed, -2 on a
 * framing error. `bytes` counts the decoded body (for proxy-body-size).
 */
export class ChunkedScanner {
  private state = C.Size;
  private size = 0;
  private digits = 0;
  private lineLen = 0;
  bytes = 0;

  get done(): boolean {
    return this.state === C.Done;
  }

  scan(b: Buffer, start: number): number {
    let i = start;
    const n = b.length;
    while (i < n) {
      switch (this.state) {
        case C.Size: {
          const c = b[i];
          const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (d >= 0) {
            if (++this.digits > 12) return -2;
            this.size = this.size * 16 + d;
          } else if (this.digits === 0) return -2;
          else if (c === 13) this.state = C.SizeLf;
          else if (c === 59 || c === 32 || c === 9) this.state = C.Ext;
          else return -2;
          i++;
          break;
        }
        case C.Ext:
          if (b[i] === 13) this.state = C.SizeLf;
          else if (++this.lineLen > 4096) return -2;
          i++;
          break;
        case C.SizeLf:
          if (b[i++] !== 10) return -2;
          this.lineLen = 0;
          this.digits = 0;
          if (this.size === 0) this.state = C.TrailerStart;
          else {
            this.bytes += this.size;
            this.state = C.Data;
          }
          break;
        case C.Data: {
          const take = Math.min(this.size, n - i);
          this.size -= take;
          i += take;
          if (this.size === 0) this.state = C.DataCr;
          break;
        }
        case C.DataCr:
          if (b[i++] !== 13) return -2;
          this.state = C.DataLf;
          break;
        case C.DataLf:
          if (b[i++] !== 10) return -2;
          this.state = C.Size;
          break;
        case C.TrailerStart:
          if (b[i] === 13) this.state = C.EndLf;
          else this.state = C.TrailerLine;
          i++;
          break;
        case C.TrailerLine:
          if (b[i] === 13) this.state = C.TrailerLf;
          else if (++this.lineLen > 8192) return -2;
          i++;
          break;
        case C.TrailerLf:
          if (b[i++] !== 10) return -2;
          this.lineLen = 0;
          this.state = C.TrailerStart;
          break;
        case C.EndLf:
          if (b[i++] !== 10) return -2;
          this.state = C.Done;
          return i;
        case C.Done:
          return i;
      }
    }
    return -1;
  }
}

/** An HTTP date for the current second, recomputed at most once a second. */
let dateSecond = 0;
let dateString = '';
export function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateString = new Date(now).toUTCString();
  }
  return dateString;
}
