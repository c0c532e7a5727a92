// Mark dirty, sync soon: store changes only poke the loop, and one coalesced sync reconciles everything
// (the kube-proxy / controller habit). A periodic resync catches what no event announces (time passing,
// e.g. minReadySeconds), and a failed sync is retried rather than lost.
import type { Logger } from 'pino';
import type { KubeObject } from '@kubelab/api';

export interface SyncLoopOptions {
  name: string;
  /**
   * Reconciles everything; may return "sync again in N ms" (e.g. when a pod turns available). An async
   * sync (one that yields between batches) is never overlapped: pokes meanwhile run it once more after.
   */
  sync: () => number | undefined | Promise<number | undefined>;
  log: Logger;
  /** Delay between a poke and the sync, so a burst of changes costs one sync. */
  delayMs?: number;
  /** Full resync period. */
  resyncMs?: number;
}

export class SyncLoop {
  private timer: NodeJS.Timeout | undefined;
  private due = Infinity;
  private readonly periodic: NodeJS.Timeout;
  private stopped = false;
  private running = false;
  private pokedWhileRunning = false;
  private readonly delayMs: number;

  constructor(private readonly opts: SyncLoopOptions) {
    this.delayMs = opts.delayMs ?? 10;
    const resyncMs = opts.resyncMs ?? 5000;
    if (!(this.delayMs >= 0) || !(resyncMs > 0)) throw new RangeError(`${opts.name}: delayMs must be >= 0 and resyncMs > 0`);
    this.periodic = setInterval(() => this.poke(0), resyncMs);
    this.periodic.unref();
  }

  /** Asks for a sync within `delayMs` (sooner requests win over later ones). */
  poke(delayMs = this.delayMs): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    if (at >= this.due) return;
    if (this.timer) clearTimeout(this.timer);
    this.due = at;
    this.timer = setTimeout(() => void this.run(), delayMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.periodic);
    if (this.timer) clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.due = Infinity;
    if (this.stopped) return;
    if (this.running) {
      this.pokedWhileRunning = true;
      return;
    }
    this.running = true;
    try {
      const again = await this.opts.sync();
      if (typeof again === 'number' && Number.isFinite(again)) this.poke(Math.max(again, this.delayMs));
    } catch (err) {
      this.opts.log.error({ err, controller: this.opts.name }, 'sync failed; retrying');
      this.poke(Math.max(this.delayMs, 500));
    } finally {
      this.running = false;
      if (this.pokedWhileRunning) {
        this.pokedWhileRunning = false;
        this.poke();
      }
    }
  }
}

/**
 * Syncs every object of a kind: one object's failure is logged and retried in a second without holding up
 * the others; the answer is the earliest time any object asked to be looked at again (undefined: none did).
 */
export function syncEach<T extends KubeObject>(
  objects: T[],
  what: string,
  log: Logger,
  syncOne: (obj: T) => number | undefined,
): number | undefined {
  let next: number | undefined;
  for (const obj of objects) {
    try {
      const again = syncOne(obj);
      if (again !== undefined) next = Math.min(next ?? Infinity, again);
    } catch (err) {
      log.warn({ err: (err as Error).message, [what]: `${obj.metadata.namespace}/${obj.metadata.name}` }, `${what} sync failed`);
      next = Math.min(next ?? Infinity, 1000);
    }
  }
  return next;
}

/** syncEach for a syncOne that may yield (await) between steps; objects are still synced one at a time. */
export async function syncEachAsync<T extends KubeObject>(
  objects: T[],
  what: string,
  log: Logger,
  syncOne: (obj: T) => number | undefined | Promise<number | undefined>,
): Promise<number | undefined> {
  let next: number | undefined;
  for (const obj of objects) {
    try {
      const again = await syncOne(obj);
      if (again !== undefined) next = Math.min(next ?? Infinity, again);
    } catch (err) {
      log.warn({ err: (err as Error).message, [what]: `${obj.metadata.namespace}/${obj.metadata.name}` }, `${what} sync failed`);
      next = Math.min(next ?? Infinity, 1000);
    }
  }
  return next;
}
