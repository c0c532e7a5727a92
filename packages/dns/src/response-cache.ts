// Encoded responses keyed by question, valid for one revision of the zone. A watch event bumps the
// revision and the next query for each name encodes afresh (the item 8: a Node server answering
// from precomputed wire answers reaches ~0.85x unbound; one that encodes every packet ~0.40x).
import type { EncodedResponse } from './wire';

export class ResponseCache {
  /** By slot (type and EDNS, see `slot`), then by lower-case name: no key string is built per query. */
  private readonly slots = new Map<number, Map<string, EncodedResponse>>();
  private revision = -1;
  private count = 0;
  hits = 0;
  misses = 0;

  /** `maxEntries` bounds memory under floods of random names: when full, the cache starts over. */
  constructor(private readonly maxEntries = 20_000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new TypeError(`ResponseCache: maxEntries must be a positive integer, got ${maxEntries}`);
  }

  /** Only class IN reaches the cache, so the type and whether the query had EDNS tell answers apart. */
  static slot(type: number, edns: boolean): number {
    return type * 2 + (edns ? 1 : 0);
  }

  private clear(): void {
    this.slots.clear();
    this.count = 0;
  }

  /** Revisions only grow: a newer one empties the cache, an older one (a stale writer) is ignored. */
  private at(revision: number): boolean {
    if (revision > this.revision) {
      this.clear();
      this.revision = revision;
    }
    return revision === this.revision;
  }

  get(name: string, slot: number, revision: number): EncodedResponse | undefined {
    this.at(revision);
    const e = this.slots.get(slot)?.get(name);
    if (e) this.hits++;
    else this.misses++;
    return e;
  }

  set(name: string, slot: number, revision: number, value: EncodedResponse): void {
    if (!this.at(revision)) return;
    if (this.count >= this.maxEntries) this.clear();
    let m = this.slots.get(slot);
    if (!m) this.slots.set(slot, (m = new Map()));
    if (!m.has(name)) this.count++;
    m.set(name, value);
  }

  get size(): number {
    return this.count;
  }
}
