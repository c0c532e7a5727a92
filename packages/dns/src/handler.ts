// One query packet in, one response packet out (CoreDNS plugin/kubernetes handler.go's place): parse
// strictly, answer from the encoded-response cache, else ask the pure answer function and encode once.
import { answer, RCODE, TYPE, type AnswerConfig } from './answer';
import type { ZoneSource } from './records';
import { ResponseCache } from './response-cache';
import {
  BADVERS,
  badversResponse,
  CLASSIC_UDP_SIZE,
  encodeResponse,
  errorResponse,
  MAX_UDP_SIZE,
  parseQuery,
  personalise,
  type ParsedQuery,
} from './wire';

export type Transport = 'udp' | 'tcp';

export interface HandleResult {
  /** undefined: drop the packet silently. */
  response?: Buffer;
  /** Out of zone with an upstream configured: the caller forwards the raw query. */
  forward?: boolean;
  query?: ParsedQuery;
  rcode?: number;
  /** Why a packet was refused or dropped, for the debug log. */
  reason?: string;
}

export class DnsHandler {
  private readonly cache: ResponseCache;

  constructor(
    private readonly source: ZoneSource,
    private readonly config: AnswerConfig,
    cacheEntries?: number,
  ) {
    this.cache = new ResponseCache(cacheEntries);
  }

  get cacheStats(): { hits: number; misses: number; size: number } {
    return { hits: this.cache.hits, misses: this.cache.misses, size: this.cache.size };
  }

  /**
   * Encodes the A answers (with and without EDNS) of these names (`web.default.svc`) into the cache now,
   * so the first ask after a watch event is a cache hit too. Returns how many answers were encoded.
   */
  prewarm(names: string[]): number {
    const revision = this.source.revision;
    let n = 0;
    for (const short of names) {
      const name = `${short}.${this.config.zone}`;
      const a = answer({ name, type: TYPE.A, class: 1 }, this.source, this.config);
      for (const edns of [false, true]) {
        const q: ParsedQuery = { id: 0, flags: 0x01, name, type: TYPE.A, class: 1, questionEnd: 0, ednsSize: edns ? MAX_UDP_SIZE : 0 };
        this.cache.set(name, ResponseCache.slot(TYPE.A, edns), revision, encodeResponse(q, name, a, edns));
        n++;
      }
    }
    return n;
  }

  handle(packet: Buffer, transport: Transport): HandleResult {
    const parsed = parseQuery(packet);
    if (!parsed.ok) {
      if ('drop' in parsed) return { reason: parsed.reason };
      const response = parsed.rcode === BADVERS ? badversResponse(packet, parsed.questionEnd!) : errorResponse(packet, parsed.rcode);
      return { response, rcode: parsed.rcode, reason: parsed.reason };
    }
    const q = parsed.query;
    // Classes other than IN (CH, HS, ANY) are not served: NOTIMP, as for other unsupported operations.
    if (q.class !== 1) return { response: errorResponse(packet, RCODE.NOTIMP), query: q, rcode: RCODE.NOTIMP, reason: `class ${q.class}` };
    const lower = q.name;
    const edns = q.ednsSize > 0;
    const slot = ResponseCache.slot(q.type, edns);
    const revision = this.source.revision;
    let enc = this.cache.get(lower, slot, revision);
    if (!enc) {
      const a = answer({ name: lower, type: q.type, class: q.class }, this.source, this.config);
      if (a.forward) return { forward: true, query: q };
      enc = encodeResponse(q, lower, a, edns);
      this.cache.set(lower, slot, revision, enc);
    }
    const limit = edns ? Math.min(q.ednsSize, MAX_UDP_SIZE) : CLASSIC_UDP_SIZE;
    const body = transport === 'udp' && enc.full.length > limit ? enc.truncated(limit) : enc.full;
    return { response: personalise(body, packet, q), query: q, rcode: enc.rcode };
  }
}
