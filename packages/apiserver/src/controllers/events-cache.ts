// client-go's event correlator (tools/record/events_cache.go), pure and with an injected clock:
//  - aggregation: events that differ only in their message (same source, involved object, type, reason)
//    are combined once 10 distinct messages were seen within 10 minutes: from then on one Event whose
//    message is "(combined from similar events): <latest message>" is counted up instead;
//  - deduplication: an event seen before (same key, message included) updates the existing Event's
//    `count` and `lastTimestamp` rather than creating another;
//  - spam filter: per source and involved object, a token bucket of 25 that refills one token per
//    5 minutes; events beyond it are dropped.
// So a crash loop or thousands of unschedulable retries cost a handful of Events, not thousands.
import { rfc3339, type Event } from '@kubelab/api';

export interface CorrelatorOptions {
  now?: () => Date;
  /** Distinct messages of similar events before they are aggregated (defaultAggregateMaxEvents). */
  maxEvents?: number;
  /** Window in which similar events are aggregated (defaultAggregateIntervalInSeconds). */
  maxIntervalSeconds?: number;
  /** Entries in each LRU cache (maxLruCacheEntries). */
  cacheSize?: number;
  /** Spam filter bucket size and refill rate (defaultSpamBurst, defaultSpamQPS). */
  spamBurst?: number;
  spamQps?: number;
}

/** What to do with an event: create it, patch the Event it repeats, or drop it. */
export type Correlation =
  | { action: 'create'; event: Event }
  | { action: 'update'; event: Event; patch: { count: number; lastTimestamp: string; message: string } }
  | { action: 'skip' };

class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

function aggregateKey(e: Event): string {
  const o = e.involvedObject;
  return [
    e.source?.component,
    e.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.uid,
    o.apiVersion,
    e.type,
    e.reason,
    e.reportingComponent,
  ].join('\u0000');
}

/** getEventKey: the aggregate key plus the message. */
function eventKey(e: Event): string {
  return `${aggregateKey(e)}\u0000${e.message}`;
}

/** getSpamKey: source and involved object only. */
function spamKey(e: Event): string {
  const o = e.involvedObject;
  return [e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion, e.type].join('\u0000');
}

export const combinedPrefix = '(combined from similar events): ';

export class EventCorrelator {
  private readonly now: () => Date;
  private readonly maxEvents: number;
  private readonly maxIntervalMs: number;
  private readonly spamBurst: number;
  private readonly spamQps: number;
  private readonly aggregates: Lru<{ messages: Set<string>; last: number }>;
  private readonly observed: Lru<{ count: number; firstTimestamp: string; name: string }>;
  private readonly buckets: Lru<{ tokens: number; at: number }>;

  constructor(opts: CorrelatorOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.maxEvents = opts.maxEvents ?? 10;
    this.maxIntervalMs = (opts.maxIntervalSeconds ?? 600) * 1000;
    this.spamBurst = opts.spamBurst ?? 25;
    this.spamQps = opts.spamQps ?? 1 / 300;
    const size = opts.cacheSize ?? 4096;
    this.aggregates = new Lru(size);
    this.observed = new Lru(size);
    this.buckets = new Lru(size);
  }

  /** EventCorrelate: aggregate, then observe (dedupe), then the spam filter. `event` is a new Event to record. */
  correlate(event: Event): Correlation {
    const nowMs = this.now().getTime();
    const { event: aggregated, key } = this.aggregate(event, nowMs);
    const result = this.observe(aggregated, key);
    return this.allowed(event, nowMs) ? result : { action: 'skip' };
  }

  private aggregate(event: Event, nowMs: number): { event: Event; key: string } {
    const akey = aggregateKey(event);
    let record = this.aggregates.get(akey);
    if (!record || nowMs - record.last > this.maxIntervalMs) record = { messages: new Set(), last: 0 };
    record.messages.add(event.message ?? '');
    record.last = nowMs;
    this.aggregates.set(akey, record);
    if (record.messages.size < this.maxEvents) return { event, key: eventKey(event) };
    // Do not let the set grow past the threshold (localKeys.PopAny).
    record.messages.delete(record.messages.values().next().value!);
    const stamp = rfc3339(new Date(nowMs));
    const combined: Event = {
      ...event,
      metadata: { ...event.metadata, name: `${event.involvedObject.name}.${(nowMs * 1e6).toString(16)}` },
      message: combinedPrefix + (event.message ?? ''),
      count: 1,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
    };
    return { event: combined, key: akey };
  }

  /** eventObserve: a repeat becomes a patch of the Event first recorded under the same key. */
  private observe(event: Event, key: string): Correlation {
    const last = this.observed.get(key);
    if (last) {
      const count = last.count + 1;
      this.observed.set(key, { ...last, count });
      const updated: Event = {
        ...event,
        metadata: { ...event.metadata, name: last.name },
        count,
        firstTimestamp: last.firstTimestamp,
      };
      return {
        action: 'update',
        event: updated,
        patch: { count, lastTimestamp: event.lastTimestamp!, message: event.message ?? '' },
      };
    }
    this.observed.set(key, { count: event.count ?? 1, firstTimestamp: event.firstTimestamp!, name: event.metadata.name! });
    return { action: 'create', event };
  }

  /** EventSourceObjectSpamFilter: a token bucket per source and object. */
  private allowed(event: Event, nowMs: number): boolean {
    const key = spamKey(event);
    const b = this.buckets.get(key) ?? { tokens: this.spamBurst, at: nowMs };
    b.tokens = Math.min(this.spamBurst, b.tokens + ((nowMs - b.at) / 1000) * this.spamQps);
    b.at = nowMs;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b);
    return ok;
  }
}
