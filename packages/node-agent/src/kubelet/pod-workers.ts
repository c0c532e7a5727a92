// Per-pod serialized work with coalescing (the kubelet's podWorkers): at most one sync of a pod runs at a
// time; events arriving meanwhile collapse into one follow-up sync. A global limit keeps Docker from being
// flooded on two cores (terminations, which wait out grace periods, run outside it). Delayed syncs (back-off expiry) keep only the earliest timer per pod.

export interface PodWorkersOptions {
  concurrency: number;
  /** Keys whose syncs run outside the concurrency limit (terminations, which may wait out a grace period). */
  unlimited?: (key: string) => boolean;
  onError: (key: string, err: unknown) => void;
}

export class PodWorkers {
  private readonly running = new Set<string>();
  /** The running keys that count against the concurrency limit. */
  private readonly limited = new Set<string>();
  private readonly dirty = new Set<string>();
  /** Waiting for a free slot, in arrival order. */
  private readonly pending = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly idle: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly sync: (key: string) => Promise<void>,
    private readonly opts: PodWorkersOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!(opts.concurrency >= 1)) throw new RangeError(`pod workers: concurrency must be >= 1, got ${opts.concurrency}`);
  }

  enqueue(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.pending.add(key);
    this.pump();
  }

  /** Syncs `key` after `ms` unless an earlier delayed sync is already planned. */
  enqueueAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const at = this.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.enqueue(key);
      },
      Math.max(0, ms),
    );
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  get busy(): number {
    return this.running.size;
  }

  private pump(): void {
    for (const key of this.pending) {
      if (this.running.has(key)) continue;
      const free = this.opts.unlimited?.(key) ?? false;
      if (!free && this.limited.size >= this.opts.concurrency) continue;
      this.pending.delete(key);
      this.running.add(key);
      if (!free) this.limited.add(key);
      void this.sync(key)
        .catch((err) => this.opts.onError(key, err))
        .finally(() => {
          this.running.delete(key);
          this.limited.delete(key);
          if (this.dirty.delete(key) && !this.stopped) this.pending.add(key);
          this.pump();
          if (this.running.size === 0) for (const w of this.idle.splice(0)) w();
        });
    }
  }

  /** Stops taking work and resolves once running syncs have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    this.dirty.clear();
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    if (this.running.size > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}
