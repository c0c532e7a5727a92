// Leader election for the status writer, as ingress-nginx runs it (internal/ingress/controller/status.go):
// client-go's leaderelection on a coordination.k8s.io/v1 Lease named by --election-id (the chart's
// `ingress-nginx-leader`) in the controller's namespace, identity = pod name, LeaseDuration = --election-ttl
// (30 s), RenewDeadline = ttl/2, RetryPeriod = ttl/4, no release on stop: when the leader dies the Lease
// runs out and another replica takes it. Only the leader writes Ingress status.
//
// The algorithm is client-go's tryAcquireOrRenew (tools/leaderelection/leaderelection.go): a Lease held by
// someone else is valid for leaseDurationSeconds after this replica last SAW it change (its own clock, never
// the holder's renewTime, so clocks need not agree); writes carry the resourceVersion read, so two replicas
// racing for an expired Lease cannot both win (409 Conflict for the loser).
import { resolveResource, StatusError, type KubeObject } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';

export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** metav1.MicroTime strings. */
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

/** Where the record lives (a Lease through the API; a map in tests). */
export interface LeaseLock {
  /** undefined when the Lease does not exist. The lock remembers the version read for the next update. */
  get(): Promise<LeaseRecord | undefined>;
  create(r: LeaseRecord): Promise<void>;
  /** Fails (409) when the Lease changed since this lock last read or wrote it. */
  update(r: LeaseRecord): Promise<void>;
  describe(): string;
}

export interface ElectorOptions {
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
  /** Failed attempts (client-go logs them at error level). */
  onError?(err: Error, what: string): void;
  /** Milliseconds since the epoch; injected for tests. */
  now?: () => number;
  /** client-go's wait.Jitter factor for the acquire loop (1.2); 0 in tests. */
  jitter?: number;
}

/** metav1.MicroTime: RFC 3339 with six fraction digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const sameRecord = (a: LeaseRecord | undefined, b: LeaseRecord | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

export class LeaderElector {
  private observed: LeaseRecord | undefined;
  private observedAt = 0;
  private reportedLeader = '';
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private leading = false;
  /** When the leader last renewed successfully (RenewDeadline is counted from here). */
  private renewedAt = 0;
  private readonly o: Required<Omit<ElectorOptions, 'onNewLeader' | 'onError'>> & Pick<ElectorOptions, 'onNewLeader' | 'onError'>;

  constructor(
    private readonly lock: LeaseLock,
    opts: ElectorOptions,
  ) {
    if (!(opts.leaseDurationMs > opts.renewDeadlineMs)) throw new RangeError('leaseDuration must be greater than renewDeadline');
    if (!(opts.renewDeadlineMs > opts.retryPeriodMs * 1.2))
      throw new RangeError('renewDeadline must be greater than retryPeriod*JitterFactor');
    if (opts.leaseDurationMs < 1000) throw new RangeError('leaseDuration must be at least 1 s (the Lease stores whole seconds)');
    if (!opts.identity) throw new RangeError('Lock identity is empty');
    this.o = { now: Date.now, jitter: 1.2, ...opts };
  }

  /** client-go IsLeader: the last observed record names this replica. */
  isLeader(): boolean {
    return this.observed?.holderIdentity === this.o.identity;
  }

  /** Between onStartedLeading and onStoppedLeading: what status writers check (ingress-nginx's syncStatus runs then). */
  get isLeading(): boolean {
    return this.leading;
  }

  /** The holder this replica last saw ('' before the first read). */
  get leader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  private isLeaseValid(now: number): boolean {
    return this.observedAt + (this.observed?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  private setObserved(r: LeaseRecord): void {
    this.observed = r;
    this.observedAt = this.o.now();
  }

  /** One attempt: true when this replica holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.o.now();
    const rec: LeaseRecord = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.floor(this.o.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    // 1. The leader's fast path: update assuming the record it wrote last is still the current version.
    if (this.isLeader() && this.isLeaseValid(now) && this.observed) {
      const fast = { ...rec, acquireTime: this.observed.acquireTime, leaseTransitions: this.observed.leaseTransitions };
      try {
        await this.lock.update(fast);
        this.setObserved(fast);
        return true;
      } catch (err) {
        this.o.onError?.(err as Error, 'Failed to update lock optimistically, falling back to slow path');
      }
    }
    // 2. Read (or create) the record.
    let old: LeaseRecord | undefined;
    try {
      old = await this.lock.get();
    } catch (err) {
      this.o.onError?.(err as Error, `error retrieving resource lock ${this.lock.describe()}`);
      return false;
    }
    if (!old) {
      try {
        await this.lock.create(rec);
      } catch (err) {
        this.o.onError?.(err as Error, 'error initially creating leader election record');
        return false;
      }
      this.setObserved(rec);
      return true;
    }
    // 3. A changed record restarts the expiry clock (observed time, not the holder's renewTime).
    if (!sameRecord(old, this.observed)) this.setObserved(old);
    if (old.holderIdentity && this.isLeaseValid(now) && !this.isLeader()) return false;
    // 4. Take over (or renew on the slow path).
    const next = this.isLeader()
      ? { ...rec, acquireTime: old.acquireTime, leaseTransitions: old.leaseTransitions }
      : { ...rec, leaseTransitions: old.leaseTransitions + 1 };
    try {
      await this.lock.update(next);
    } catch (err) {
      this.o.onError?.(err as Error, 'Failed to update lock');
      return false;
    }
    this.setObserved(next);
    return true;
  }

  private report(): void {
    const h = this.leader;
    if (h && h !== this.reportedLeader) {
      this.reportedLeader = h;
      this.o.onNewLeader?.(h);
    }
  }

  /** Runs until stop(): acquire (retrying every retryPeriod with jitter), lead, renew, and start over on loss. */
  run(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.step(), ms);
    this.timer.unref?.();
  }

  private async step(): Promise<void> {
    const ok = await this.tryAcquireOrRenew();
    if (this.stopped) return;
    this.report();
    const now = this.o.now();
    if (ok) {
      this.renewedAt = now;
      if (!this.leading) {
        this.leading = true;
        this.o.onStartedLeading();
      }
      return this.schedule(this.o.retryPeriodMs);
    }
    if (this.leading && now - this.renewedAt >= this.o.renewDeadlineMs) {
      // client-go: renew failed for RenewDeadline -> leadership lost; ingress-nginx starts a new elector.
      this.leading = false;
      this.o.onStoppedLeading();
    }
    const jitter = this.leading ? 0 : Math.random() * this.o.jitter * this.o.retryPeriodMs;
    this.schedule(this.o.retryPeriodMs + jitter);
  }

  /** Stops trying; the Lease is not released (ingress-nginx does not set ReleaseOnCancel). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.leading) {
      this.leading = false;
      this.o.onStoppedLeading();
    }
  }
}

/** A Lease through the API, remembering the resourceVersion it last read or wrote (client-go's LeaseLock). */
export class ApiLeaseLock implements LeaseLock {
  private lease: { metadata: { name: string; namespace: string; resourceVersion?: string }; spec?: Record<string, unknown> } | undefined;

  constructor(
    private readonly api: {
      get(name: string, namespace: string): Promise<unknown>;
      create(obj: unknown, namespace: string): Promise<unknown>;
      update(obj: unknown): Promise<unknown>;
    },
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  async get(): Promise<LeaseRecord | undefined> {
    try {
      this.lease = (await this.api.get(this.name, this.namespace)) as typeof this.lease;
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return undefined;
      throw err;
    }
    const s = this.lease?.spec ?? {};
    return {
      holderIdentity: String(s.holderIdentity ?? ''),
      leaseDurationSeconds: Number(s.leaseDurationSeconds ?? 0),
      acquireTime: String(s.acquireTime ?? ''),
      renewTime: String(s.renewTime ?? ''),
      leaseTransitions: Number(s.leaseTransitions ?? 0),
    };
  }

  private object(r: LeaseRecord): unknown {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, resourceVersion: this.lease?.metadata.resourceVersion },
      spec: { ...r },
    };
  }

  async create(r: LeaseRecord): Promise<void> {
    const o = this.object(r) as { metadata: Record<string, unknown> };
    delete o.metadata.resourceVersion;
    this.lease = (await this.api.create(o, this.namespace)) as typeof this.lease;
  }

  async update(r: LeaseRecord): Promise<void> {
    if (!this.lease) throw new Error('lease not initialized, call get or create first');
    this.lease = (await this.api.update(this.object(r))) as typeof this.lease;
  }
}

/** The Lease `namespace/name` through a KubeClient. */
export function apiLeaseLock(client: KubeClient, namespace: string, name: string): ApiLeaseLock {
  const leases = resolveResource('leases.coordination.k8s.io');
  if (!leases) throw new Error('@kubelab/api does not describe leases.coordination.k8s.io');
  return new ApiLeaseLock(
    {
      get: (n, ns) => client.get(leases, n, ns),
      create: async (o, ns) => (await client.create(leases, o as KubeObject, ns)).object,
      update: async (o) => (await client.update(leases, o as KubeObject)).object,
    },
    namespace,
    name,
  );
}
