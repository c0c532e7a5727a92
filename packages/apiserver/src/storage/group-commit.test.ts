// Group commit: the changes made while a transaction is in flight share one resourceVersion and go to etcd
// together as the next transaction, each with its own compare; a writer is answered only once the
// transaction holding its change has committed, and a transaction whose compare fails acknowledges nothing.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { EtcdStorage } from './etcd-storage';
import { hasEtcd, startTestEtcd, type TestEtcd } from './etcd.test-helper';
import { Store, type StoredEvent } from './store';

const cm = (name: string, namespace = 'default', data: Record<string, string> = { a: '1' }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});
const rvOf = (o: KubeObject): number => Number(o.metadata.resourceVersion);

/** A store that groups as it does on etcd; `taken` seals the group as the committer would. */
function groupingStore(limits = { maxChanges: 100, maxBytes: 1 << 20 }): { store: Store; events: StoredEvent[] } {
  const events: StoredEvent[] = [];
  const store = new Store(10, (e) => events.push(e));
  store.durable = true;
  store.groupCommit = limits;
  return { store, events };
}

describe('Store: commit groups', () => {
  it('stamps changes to different keys with the open group resourceVersion, a key changed again with the next', () => {
    const { store } = groupingStore();
    const a = store.put('/configmaps', cm('a'), 'ADDED');
    const b = store.put('/configmaps', cm('b'), 'ADDED');
    const a2 = store.put('/configmaps', cm('a', 'default', { a: '2' }), 'MODIFIED');
    const c = store.put('/configmaps', cm('c'), 'ADDED');
    expect(rvOf(b)).toBe(rvOf(a));
    expect(rvOf(a2)).toBe(rvOf(a) + 1);
    expect(rvOf(c)).toBe(rvOf(a2));
    const gone = store.remove('/configmaps', 'default', 'b')!;
    expect(rvOf(gone)).toBe(rvOf(a2));
    // Deleting and re-creating one key are two groups.
    const b2 = store.put('/configmaps', cm('b'), 'ADDED');
    expect(rvOf(b2)).toBe(rvOf(gone) + 1);
  });

  it('starts a new group once the open one is sealed (by the committer, or a read shown to a client)', () => {
    const { store } = groupingStore();
    const a = store.put('/configmaps', cm('a'), 'ADDED');
    store.seal(rvOf(a) + 5); // another group's seal: this one stays open
    expect(rvOf(store.put('/configmaps', cm('b'), 'ADDED'))).toBe(rvOf(a));
    store.seal(rvOf(a));
    const c = store.put('/configmaps', cm('c'), 'ADDED');
    expect(rvOf(c)).toBe(rvOf(a) + 1);
    store.seal();
    expect(rvOf(store.put('/configmaps', cm('d'), 'ADDED'))).toBe(rvOf(c) + 1);
  });

  it('keeps a group within its limits of changes and bytes', () => {
    const { store } = groupingStore({ maxChanges: 3, maxBytes: 400 });
    const rvs = ['a', 'b', 'c', 'd'].map((n) => rvOf(store.put('/configmaps', cm(n), 'ADDED')));
    expect(rvs.map((r) => r - rvs[0])).toEqual([0, 0, 0, 1]);
    store.seal();
    const big = store.put('/configmaps', cm('big', 'default', { x: 'y'.repeat(300) }), 'ADDED');
    const next = store.put('/configmaps', cm('small', 'default', { x: 'y'.repeat(100) }), 'ADDED');
    expect(rvOf(next)).toBe(rvOf(big) + 1);
  });

  it('without group commit, every change has its own resourceVersion', () => {
    const store = new Store();
    const a = store.put('/configmaps', cm('a'), 'ADDED');
    expect(rvOf(store.put('/configmaps', cm('b'), 'ADDED'))).toBe(rvOf(a) + 1);
  });

  it('cuts its history between groups, so a resumed watch never gets half a group', () => {
    const { store } = groupingStore();
    // History limit 10 (trimmed above 11): groups of 3 changes.
    for (let g = 0; g < 5; g++) {
      for (const n of ['a', 'b', 'c']) store.put('/configmaps', cm(`${n}${g}`), 'ADDED');
      store.seal();
    }
    const oldest = store.oldestResumable;
    const changes = store.changesSince('/configmaps', oldest)!;
    expect(changes.length % 3).toBe(0);
    expect(changes[0].resourceVersion).toBe(oldest + 1);
    expect(store.changesSince('/configmaps', oldest - 1)).toBeUndefined();
  });
});

describe.skipIf(!hasEtcd)('EtcdStorage: group commit on a real etcd', { timeout: 30_000 }, () => {
  let etcd: TestEtcd;
  beforeAll(async () => {
    etcd = await startTestEtcd();
  }, 30_000);
  afterAll(async () => {
    await etcd.stop();
  });

  type TxnRequest = Parameters<EtcdStorage['txn']>[0];
  /** A storage on the test etcd whose transactions are recorded and can be held until released. */
  async function storage(): Promise<{
    store: Store;
    storage: EtcdStorage;
    txns: TxnRequest[];
    hold: () => () => void;
    diverged: string[];
  }> {
    const diverged: string[] = [];
    const s = new EtcdStorage({ endpoints: [etcd.endpoint], log: pino({ level: 'silent' }), onDiverged: (r) => diverged.push(r) });
    const store = new Store(10_000, (e) => s.enqueue(e));
    await s.connect();
    await s.attach(store);
    const txns: TxnRequest[] = [];
    let gate: Promise<void> | undefined;
    const real = s.txn.bind(s);
    s.txn = ((req: TxnRequest) => {
      txns.push(req);
      const held = gate;
      return held ? held.then(() => real(req)) : real(req);
    }) as EtcdStorage['txn'];
    const hold = (): (() => void) => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    };
    return { store, storage: s, txns, hold, diverged };
  }
  const modRevision = (key: string): number | undefined => {
    const kvs = (JSON.parse(etcd.ctl('get', key, '-w', 'json')) as { kvs?: { mod_revision: number }[] }).kvs;
    return kvs?.[0]?.mod_revision;
  };

  it('commits the changes made during a transaction as the next one, in order, answering each only after its commit', async () => {
    const { store, storage: s, txns, hold } = await storage();
    const release = hold();
    const acked: string[] = [];
    const write = (name: string, data?: Record<string, string>): number => {
      const o = store.put('/configmaps', cm(name, 'order', data), data ? 'MODIFIED' : 'ADDED');
      void store.committed(rvOf(o)).then(() => acked.push(`${name}@${rvOf(o)}`));
      return rvOf(o);
    };
    const first = write('first');
    // The committer starts on the next turn of the event loop: `first` is its transaction, held.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(txns).toHaveLength(1);
    const b = write('b');
    const c = write('c');
    const b2 = write('b', { v: '2' });
    const d = write('d');
    expect([b, c, b2, d]).toEqual([first + 1, first + 1, first + 2, first + 2]);
    await new Promise((r) => setTimeout(r, 50));
    // Nothing is acknowledged while the first transaction is in flight.
    expect(acked).toEqual([]);
    expect(store.committedResourceVersion).toBe(first - 1);
    release();
    await store.committed();
    expect(acked).toEqual([`first@${first}`, `b@${b}`, `c@${c}`, `b@${b2}`, `d@${d}`]);
    // Three transactions: [first], [b, c], [b again, d]; each change with its own compare.
    expect(txns.map((t) => t.success?.length)).toEqual([1, 2, 2]);
    expect(txns[1].compare?.map((c) => c.target)).toEqual(['Create', 'Create']);
    expect(txns[2].compare?.map((c) => [c.target, c.mod_revision ?? c.create_revision])).toEqual([
      ['Mod', b],
      ['Create', 0],
    ]);
    // etcd gave each transaction the revision the cache stamped on its changes.
    expect(modRevision('/registry/configmaps/order/first')).toBe(first);
    expect(modRevision('/registry/configmaps/order/c')).toBe(c);
    expect(modRevision('/registry/configmaps/order/b')).toBe(b2);
    expect(modRevision('/registry/configmaps/order/d')).toBe(d);
    await s.close();
  });

  it('a group whose compare fails writes none of its changes and acknowledges none, nor any later one', async () => {
    const { store, storage: s, txns, hold, diverged } = await storage();
    const acked: string[] = [];
    const write = (name: string): number => {
      const o = store.put('/configmaps', cm(name, 'fail'), 'ADDED');
      void store.committed(rvOf(o)).then(() => acked.push(name));
      return rvOf(o);
    };
    const first = write('first');
    await store.committed(first);
    const release = hold();
    const group = [write('x'), write('y'), write('z')];
    expect(new Set(group)).toEqual(new Set([first + 1]));
    await expect.poll(() => txns.length).toBe(2);
    // Someone else creates y in etcd before the held transaction reaches it: its create of y cannot hold.
    await s.client.put('/registry/configmaps/fail/y').value('{"outside":true}');
    release();
    await expect
      .poll(() => diverged.some((r) => r.includes('etcd refused 3 changes') && r.includes('/registry/configmaps/fail/y')))
      .toBe(true);
    write('later');
    await new Promise((r) => setTimeout(r, 100));
    expect(acked).toEqual(['first']);
    expect(store.committedResourceVersion).toBe(first);
    expect(modRevision('/registry/configmaps/fail/x')).toBeUndefined();
    expect(modRevision('/registry/configmaps/fail/z')).toBeUndefined();
    expect(modRevision('/registry/configmaps/fail/later')).toBeUndefined();
    // Nothing was sent after the refused transaction.
    expect(txns).toHaveLength(2);
    await s.close();
  });
});
