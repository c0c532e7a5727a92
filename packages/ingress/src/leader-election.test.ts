// client-go's leader election algorithm on an in-memory Lease with resourceVersions and injected clocks.
import { describe, expect, it } from 'vitest';
import { LeaderElector, type LeaseLock, type LeaseRecord, microTime } from './leader-election';

class Conflict extends Error {
  readonly code = 409;
}

/** The API server's side: one Lease with a resourceVersion; each lock remembers the version it saw. */
class Store {
  rec: LeaseRecord | undefined;
  version = 0;
  writes = 0;
  lock(): LeaseLock & { fail?: boolean } {
    const store = this;
    let seen = -1;
    return {
      fail: false,
      describe: () => 'ingress-nginx/ingress-nginx-leader',
      async get() {
        if (this.fail) throw new Error('connection refused');
        seen = store.version;
        return store.rec && { ...store.rec };
      },
      async create(r) {
        if (this.fail) throw new Error('connection refused');
        if (store.rec) throw new Conflict('leases.coordination.k8s.io "ingress-nginx-leader" already exists');
        store.rec = { ...r };
        seen = ++store.version;
        store.writes++;
      },
      async update(r) {
        if (this.fail) throw new Error('connection refused');
        if (seen !== store.version) throw new Conflict('the object has been modified');
        store.rec = { ...r };
        seen = ++store.version;
        store.writes++;
      },
    };
  }
}

function elector(lock: LeaseLock, identity: string, clock: { t: number }, events: string[] = []) {
  return new LeaderElector(lock, {
    identity,
    leaseDurationMs: 30_000,
    renewDeadlineMs: 15_000,
    retryPeriodMs: 7_500,
    now: () => clock.t,
    jitter: 0,
    onStartedLeading: () => events.push(`${identity} started`),
    onStoppedLeading: () => events.push(`${identity} stopped`),
    onNewLeader: (h) => events.push(`${identity} sees ${h}`),
  });
}

describe('leader election (tryAcquireOrRenew)', () => {
  it('the first replica creates the Lease; the second sees it held and stays follower', async () => {
    const store = new Store();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const a = elector(store.lock(), 'pod-a', clock);
    const b = elector(store.lock(), 'pod-b', clock);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(store.rec).toEqual({
      holderIdentity: 'pod-a',
      leaseDurationSeconds: 30,
      acquireTime: microTime(clock.t),
      renewTime: microTime(clock.t),
      leaseTransitions: 0,
    });
    expect(store.rec?.renewTime).toMatch(/^2026-01-01T00:00:00\.000000Z$/);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    expect([a.isLeader(), b.isLeader(), b.leader]).toEqual([true, false, 'pod-a']);
  });

  it('the leader renews (renewTime moves, acquireTime and transitions stay); a renewed Lease never expires for others', async () => {
    const store = new Store();
    const clock = { t: 1_000_000 };
    const a = elector(store.lock(), 'pod-a', clock);
    const b = elector(store.lock(), 'pod-b', clock);
    await a.tryAcquireOrRenew();
    await b.tryAcquireOrRenew();
    for (let i = 0; i < 10; i++) {
      clock.t += 7_500;
      expect(await a.tryAcquireOrRenew()).toBe(true);
      expect(await b.tryAcquireOrRenew()).toBe(false);
    }
    expect(store.rec).toMatchObject({
      holderIdentity: 'pod-a',
      acquireTime: microTime(1_000_000),
      renewTime: microTime(clock.t),
      leaseTransitions: 0,
    });
  });

  it('when the leader stops renewing, another takes over once leaseDuration has passed since it last saw a change', async () => {
    const store = new Store();
    const clock = { t: 5_000_000 };
    const a = elector(store.lock(), 'pod-a', clock);
    const b = elector(store.lock(), 'pod-b', clock);
    await a.tryAcquireOrRenew();
    clock.t += 10_000;
    expect(await b.tryAcquireOrRenew()).toBe(false); // first sight of the record: its clock starts now
    clock.t += 29_999;
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.t += 1;
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(store.rec).toMatchObject({ holderIdentity: 'pod-b', acquireTime: microTime(clock.t), leaseTransitions: 1 });
    // The old leader comes back: its optimistic update conflicts, then it sees pod-b's fresh Lease.
    expect(await a.tryAcquireOrRenew()).toBe(false);
    expect([a.isLeader(), a.leader]).toEqual([false, 'pod-b']);
  });

  it('expiry is judged by the observer clock, not by the holder renewTime (skewed clocks)', async () => {
    const store = new Store();
    const a = elector(store.lock(), 'pod-a', { t: 0 }); // a clock far behind
    const clockB = { t: 10_000_000_000 };
    const b = elector(store.lock(), 'pod-b', clockB);
    await a.tryAcquireOrRenew();
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clockB.t += 20_000;
    expect(await b.tryAcquireOrRenew()).toBe(false);
  });

  it('two replicas racing for an expired Lease: exactly one wins (the other gets 409)', async () => {
    const store = new Store();
    const clock = { t: 0 };
    const old = elector(store.lock(), 'pod-old', clock);
    await old.tryAcquireOrRenew();
    const b = elector(store.lock(), 'pod-b', clock);
    const c = elector(store.lock(), 'pod-c', clock);
    await b.tryAcquireOrRenew();
    await c.tryAcquireOrRenew();
    clock.t += 30_000;
    const won = await Promise.all([b.tryAcquireOrRenew(), c.tryAcquireOrRenew()]);
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(store.rec?.leaseTransitions).toBe(1);
  });

  it('a released Lease (empty holder) is taken at once', async () => {
    const store = new Store();
    store.rec = { holderIdentity: '', leaseDurationSeconds: 30, acquireTime: '', renewTime: '', leaseTransitions: 3 };
    store.version = 1;
    const b = elector(store.lock(), 'pod-b', { t: 0 });
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(store.rec).toMatchObject({ holderIdentity: 'pod-b', leaseTransitions: 4 });
  });

  it('rejects options client-go rejects', () => {
    const lock = new Store().lock();
    const base = { identity: 'x', onStartedLeading() {}, onStoppedLeading() {} };
    expect(() => new LeaderElector(lock, { ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 1_000 })).toThrow(
      'leaseDuration must be greater than renewDeadline',
    );
    expect(() => new LeaderElector(lock, { ...base, leaseDurationMs: 30_000, renewDeadlineMs: 15_000, retryPeriodMs: 15_000 })).toThrow(
      'renewDeadline must be greater than retryPeriod*JitterFactor',
    );
    expect(
      () => new LeaderElector(lock, { ...base, identity: '', leaseDurationMs: 30_000, renewDeadlineMs: 15_000, retryPeriodMs: 7_500 }),
    ).toThrow('Lock identity is empty');
  });
});

describe('leader election (run loop, real timers)', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const fast = (lock: LeaseLock, identity: string, events: string[]) =>
    new LeaderElector(lock, {
      identity,
      leaseDurationMs: 1_000,
      renewDeadlineMs: 600,
      retryPeriodMs: 100,
      jitter: 0,
      onStartedLeading: () => events.push(`${identity} started`),
      onStoppedLeading: () => events.push(`${identity} stopped`),
      onNewLeader: (h) => events.push(`${identity} sees ${h}`),
    });

  it('one leader at a time; a stopped leader (no release) is replaced after the lease expires', async () => {
    const store = new Store();
    const events: string[] = [];
    const a = fast(store.lock(), 'a', events);
    a.run();
    await wait(50);
    const b = fast(store.lock(), 'b', events);
    b.run();
    await wait(400);
    expect(events).toEqual(['a sees a', 'a started', 'b sees a']);
    a.stop();
    expect(store.rec?.holderIdentity).toBe('a'); // not released
    await wait(1_500);
    b.stop();
    expect(events).toEqual(['a sees a', 'a started', 'b sees a', 'a stopped', 'b sees b', 'b started', 'b stopped']);
  });

  it('a leader that cannot renew for renewDeadline stops leading', async () => {
    const store = new Store();
    const events: string[] = [];
    const lock = store.lock();
    const a = fast(lock, 'a', events);
    a.run();
    await wait(150);
    lock.fail = true;
    await wait(900);
    expect(events).toEqual(['a sees a', 'a started', 'a stopped']);
    lock.fail = false;
    await wait(300);
    a.stop();
    expect(events.slice(3)).toEqual(['a started', 'a stopped']);
  });
});
