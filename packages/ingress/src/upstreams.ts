// Connection pools to endpoint pods (one undici Pool per endpoint, keep-alive, as nginx's upstream
// keepalive) and round robin over an upstream's ready endpoints. Pools of endpoints that left every
// upstream are closed after a grace period, so requests already on them finish (no dropped in-flight work).
import { Pool } from 'undici';
import type { Upstream } from './route-table';

export interface PoolOptions {
  /** Idle upstream connections kept per endpoint (nginx upstream keepalive 320 in ingress-nginx). */
  connections?: number;
  keepAliveTimeoutMs?: number;
  /** How long a pool whose endpoint is gone stays open for requests already on it. */
  retireAfterMs?: number;
}

export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private readonly next = new Map<string, number>();
  private readonly retiring = new Map<string, NodeJS.Timeout>();
  private readonly opts: Required<PoolOptions>;

  constructor(opts: PoolOptions = {}) {
    this.opts = { connections: 256, keepAliveTimeoutMs: 60_000, retireAfterMs: 120_000, ...opts };
  }

  /** Round robin: the next endpoint of the upstream, skipping `avoid` (a failed try) when there is another. */
  pick(up: Upstream, avoid?: string): string | undefined {
    const eps = up.endpoints;
    if (eps.length === 0) return undefined;
    const i = this.next.get(up.name) ?? 0;
    this.next.set(up.name, (i + 1) % 1_000_000_000);
    let ep = eps[i % eps.length];
    if (ep === avoid && eps.length > 1) {
      ep = eps[(i + 1) % eps.length];
      this.next.set(up.name, i + 2);
    }
    return ep;
  }

  pool(protocol: 'http' | 'https', endpoint: string, connectTimeoutMs: number): Pool {
    const key = `${protocol}://${endpoint}#${connectTimeoutMs}`;
    let p = this.pools.get(key);
    if (!p) {
      p = new Pool(`${protocol}://${endpoint}`, {
        connections: this.opts.connections,
        keepAliveTimeout: this.opts.keepAliveTimeoutMs,
        keepAliveMaxTimeout: this.opts.keepAliveTimeoutMs,
        pipelining: 1,
        connect: { timeout: connectTimeoutMs, rejectUnauthorized: false, noDelay: true },
      });
      this.pools.set(key, p);
    }
    const t = this.retiring.get(key);
    if (t) {
      clearTimeout(t);
      this.retiring.delete(key);
    }
    return p;
  }

  /** After a table swap: endpoints no longer in any upstream get their pools closed later. */
  retire(live: Set<string>): void {
    for (const [key, pool] of this.pools) {
      const endpoint = key.slice(key.indexOf('://') + 3, key.indexOf('#'));
      if (live.has(endpoint) || this.retiring.has(key)) continue;
      const t = setTimeout(() => {
        this.retiring.delete(key);
        this.pools.delete(key);
        void pool.close().catch(() => undefined);
      }, this.opts.retireAfterMs);
      t.unref();
      this.retiring.set(key, t);
    }
  }

  get size(): number {
    return this.pools.size;
  }

  async close(): Promise<void> {
    for (const t of this.retiring.values()) clearTimeout(t);
    await Promise.allSettled([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}
