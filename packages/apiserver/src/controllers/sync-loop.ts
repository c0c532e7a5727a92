// Mark dirty, sync soon: store changes only poke the loop, and one coalesced sync reconciles everything
// (the kube-proxy / controller habit). A periodic resync catches what no event announces (time passing,
// e.g. minReadySeconds), and a failed sync is retried rather than lost.
import type { Logger } from 'pino';
import type { KubeObject } from '@kubelab/api';

export interface SyncLoopOptions {
  name: string;
  /** Reconciles everything; may return "sync again in N ms" (e.g. when a pod turns available). */
  sync: () => number | undefined;
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
    this.timer = setTimeout(() => this.run(), delayMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.periodic);
    if (this.timer) clearTimeout(this.timer);
  }

  private run(): void {
    this.timer = undefined;
    this.due = Infinity;
    if (this.stopped) return;
    try {
      const again = this.opts.sync();
      if (typeof again === 'number' && Number.isFinite(again)) this.poke(Math.max(again, this.delayMs));
    } catch (err) {
      this.opts.log.error({ err, controller: this.opts.name }, 'sync failed; retrying');
      this.poke(Math.max(this.delayMs, 500));
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
