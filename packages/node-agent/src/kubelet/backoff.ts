// Container restart back-off, the kubelet's flowcontrol.Backoff: the first restart is immediate, then each
// further crash waits 10 s, 20 s, 40 s ... capped at 300 s. An entry expires (and the delay starts over)
// when the container ran for longer than twice the cap (10 minutes) before it finished again.
// Pure: time is injected.

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly now: () => number = Date.now,
  ) {
    if (!(policy.baseMs > 0) || !(policy.maxMs >= policy.baseMs)) {
      throw new RangeError(`back-off: need 0 < baseMs <= maxMs, got baseMs=${policy.baseMs} maxMs=${policy.maxMs}`);
    }
  }

  private expired(eventTime: number, e: Entry): boolean {
    return eventTime - e.lastUpdate > this.policy.maxMs * 2;
  }

  /** Current delay of `key` (0 when it has none). */
  get(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** True while less than the current delay has passed since `eventTime` (the container's finish time). */
  isInBackoffSince(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(eventTime, e)) return false;
    return this.now() - eventTime < e.delayMs;
  }

  /** Milliseconds left before `key` may restart after finishing at `eventTime` (0 = now). */
  remainingMs(key: string, eventTime: number): number {
    if (!this.isInBackoffSince(key, eventTime)) return 0;
    return Math.max(0, eventTime + this.get(key) - this.now());
  }

  /** Records a restart: the delay doubles (capped), or starts over at the base once the entry expired. */
  next(key: string, eventTime: number): void {
    const e = this.entries.get(key);
    const delayMs = !e || this.expired(eventTime, e) ? this.policy.baseMs : Math.min(e.delayMs * 2, this.policy.maxMs);
    this.entries.set(key, { delayMs, lastUpdate: this.now() });
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops entries whose key no longer matters (deleted pods), keeping memory bounded. */
  retain(keep: (key: string) => boolean): void {
    for (const key of this.entries.keys()) if (!keep(key)) this.entries.delete(key);
  }
}

/** Go's time.Duration formatting for the delays kubelet messages show: 800ms, 10s, 1.5s, 5m0s. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`;
  const m = Math.floor(ms / 60_000);
  const rest = ms - m * 60_000;
  if (m < 60) return `${m}m${Number((rest / 1000).toFixed(3))}s`;
  const h = Math.floor(m / 60);
  return `${h}h${m % 60}m${Number((rest / 1000).toFixed(3))}s`;
}
