// FastCGI records (FastCGI Specification 1.0, sections 3 and 5): the 8-byte header, name-value pairs, the
// BEGIN_REQUEST and END_REQUEST bodies, and a streaming decoder for what a responder sends back. Pure: the
// client (fastcgi-client.ts) does the socket work.

export const FCGI_VERSION_1 = 1;
export const FCGI_RESPONDER = 1;
/** Record types (spec §8). */
export const RecordType = {
  BeginRequest: 1,
  AbortRequest: 2,
  EndRequest: 3,
  Params: 4,
  Stdin: 5,
  Stdout: 6,
  Stderr: 7,
  Data: 8,
  GetValues: 9,
  GetValuesResult: 10,
  UnknownType: 11,
} as const;
/** END_REQUEST protocolStatus values (spec §5.5). */
export const ProtocolStatus = { RequestComplete: 0, CantMpxConn: 1, Overloaded: 2, UnknownRole: 3 } as const;

const HEADER = 8;
const MAX_CONTENT = 0xffff;

export interface FcgiRecord {
  type: number;
  requestId: number;
  content: Buffer;
}

/**
 * One record. Content is padded to a multiple of 8 bytes, as nginx pads (the spec recommends it, §3.3).
 * Content longer than 65535 bytes must be split by the caller (see stream()).
 */
export function encodeRecord(type: number, requestId: number, content: Buffer = Buffer.alloc(0)): Buffer {
  if (content.length > MAX_CONTENT) throw new RangeError(`FastCGI record content is ${content.length} bytes (at most ${MAX_CONTENT})`);
  const padding = (8 - (content.length % 8)) % 8;
  const out = Buffer.alloc(HEADER + content.length + padding);
  out[0] = FCGI_VERSION_1;
  out[1] = type;
  out.writeUInt16BE(requestId, 2);
  out.writeUInt16BE(content.length, 4);
  out[6] = padding;
  content.copy(out, HEADER);
  return out;
}

/** A stream (PARAMS, STDIN, ...) as records of at most 65535 bytes; `end` adds the empty record that closes it. */
export function stream(type: number, requestId: number, data: Buffer, end: boolean): Buffer[] {
  const out: Buffer[] = [];
  // Chunks of 65528 keep every full record's content 8-aligned (no padding bytes needed).
  for (let i = 0; i < data.length; i += MAX_CONTENT - 7) out.push(encodeRecord(type, requestId, data.subarray(i, i + MAX_CONTENT - 7)));
  if (end) out.push(encodeRecord(type, requestId));
  return out;
}

export function beginRequest(requestId: number, keepConn = false): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16BE(FCGI_RESPONDER, 0);
  body[2] = keepConn ? 1 : 0; // FCGI_KEEP_CONN
  return encodeRecord(RecordType.BeginRequest, requestId, body);
}

export function endRequestBody(appStatus: number, protocolStatus: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(appStatus >>> 0, 0);
  body[4] = protocolStatus;
  return body;
}

function lengthBytes(n: number): Buffer {
  if (n < 128) return Buffer.from([n]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0, 0);
  return b;
}

/** Name-value pairs (spec §3.4): lengths in 1 byte below 128, else 4 bytes with the high bit set. */
export function encodeParams(params: Iterable<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of params) {
    const name = Buffer.from(k, 'latin1');
    const value = Buffer.from(v, 'latin1');
    parts.push(lengthBytes(name.length), lengthBytes(value.length), name, value);
  }
  return Buffer.concat(parts);
}

export function decodeParams(b: Buffer): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  const len = (): number => {
    if (i >= b.length) throw new Error('FastCGI name-value pair truncated');
    if (b[i] < 128) return b[i++];
    if (i + 4 > b.length) throw new Error('FastCGI name-value pair truncated');
    const n = b.readUInt32BE(i) & 0x7fffffff;
    i += 4;
    return n;
  };
  while (i < b.length) {
    const nl = len();
    const vl = len();
    if (i + nl + vl > b.length) throw new Error('FastCGI name-value pair truncated');
    out.push([b.toString('latin1', i, i + nl), b.toString('latin1', i + nl, i + nl + vl)]);
    i += nl + vl;
  }
  return out;
}

/** Splits a byte stream into records; a record split across reads waits for the rest. */
export class RecordDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): FcgiRecord[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: FcgiRecord[] = [];
    while (this.buf.length >= HEADER) {
      if (this.buf[0] !== FCGI_VERSION_1) throw new Error(`FastCGI record with version ${this.buf[0]} (expected 1)`);
      const length = this.buf.readUInt16BE(4);
      const total = HEADER + length + this.buf[6];
      if (this.buf.length < total) break;
      out.push({ type: this.buf[1], requestId: this.buf.readUInt16BE(2), content: this.buf.subarray(HEADER, HEADER + length) });
      this.buf = this.buf.subarray(total);
    }
    return out;
  }

  /** Bytes of an incomplete record still held. */
  get pending(): number {
    return this.buf.length;
  }
}
