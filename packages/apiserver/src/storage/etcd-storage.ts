// The store of record: etcd, as kube-apiserver uses it (k8s.io/apiserver pkg/storage/etcd3/store.go).
// - Start: one paged range read of /registry/ at one revision fills the cache (store.ts); its revision is
//   the cache's resourceVersion, each object's mod_revision its resourceVersion.
// - History: one watch on /registry/ from (revision - window), so a watch that started before a restart
//   resumes; below etcd's compaction the history is gone and such a watch gets 410 Gone. The same watch
//   then stays open: a change someone else made (etcdctl put/del) is applied to the cache.
// - Writes: group commit. One transaction is in flight at a time; the changes made meanwhile form the next
//   group (store.ts stamps them with one resourceVersion, never the same key twice) and are sent together
//   as one transaction when the one in flight has committed. Each change keeps its own compare: a create
//   create_revision == 0, an update or delete mod_revision == the version it replaced (the guaranteed
//   update's compare-and-swap). One transaction is one etcd revision, so the revision etcd answers is the
//   resourceVersion the cache stamped on the group; its changes are committed (and their writers answered)
//   when etcd says so, never before. A failed compare fails the whole transaction: nothing of the group is
//   acknowledged, and neither is anything after it. A failed compare or a different revision means
//   something else wrote to etcd meanwhile: the cache no longer matches etcd, and the API server restarts
//   to read it again (onDiverged).
import { noop } from 'cockatiel';
import { Etcd3, WatchClient, type IKeyValue, type IWatchResponse } from 'etcd3';
import type { Logger } from 'pino';
import type { KubeObject } from '@kubelab/api';
import { decodeValue, encodeValue, etcdKey, registryPrefix, resourceOfKey } from './etcd-keys';
import type { Snapshot, Store, StoredEvent } from './store';

export interface EtcdStorageOptions {
  /** etcd client URLs, e.g. http://127.0.0.1:2379. */
  endpoints: string[];
  log: Logger;
  /** Events kept for resuming watches (the watch cache's window). */
  historyLimit?: number;
  /** Called when the cache and etcd disagree; the API server exits so it starts again from etcd. */
  onDiverged?: (reason: string) => void;
  /** How long to wait for etcd at start. */
  connectTimeoutMs?: number;
  /**
   * The most changes and bytes of objects a group may hold: etcd takes at most 128 operations per txn
   * (--max-txn-ops) and 1.5 MiB per request unless told otherwise (--max-request-bytes, etcd-process.ts).
   */
  groupCommit?: { maxChanges: number; maxBytes: number };
}

/**
 * Defaults for EtcdStorageOptions.groupCommit (the txn's compares, puts and failure reads: one each per change).
 * 20, not etcd's 128: a committed group answers its writers and feeds the watchers in one turn of the event
 * loop, and during a 3000-pod delete groups of 100 kept /healthz waiting 81 ms (p50 23 ms) where groups of
 * 20 kept it at 45 ms (p50 6 ms), with the delete as fast (1.4 s), in hardening-load.test.ts.
 */
export const defaultGroupCommit = { maxChanges: 20, maxBytes: 1024 * 1024 };

/** The first key after every key that starts with `prefix` (etcd's range_end for a prefix). */
function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  b[b.length - 1]++;
  return b;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ParsedKv {
  resource: string;
  object: KubeObject;
}

export class EtcdStorage {
  readonly client: Etcd3;
  private readonly watchClient: WatchClient;
  private readonly log: Logger;
  private store: Store | undefined;
  private readonly queue: StoredEvent[] = [];
  private pumping = false;
  private closed = false;
  /** Set once a transaction failed its compare: nothing more is sent (the process restarts). */
  private failed = false;
  private watchStream: { cancel(): void; end(): void } | undefined;

  constructor(private readonly opts: EtcdStorageOptions) {
    this.log = opts.log;
    this.client = new Etcd3({
      hosts: opts.endpoints,
      // A long history or a large list can exceed gRPC's default 4 MiB message.
      grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
      // Retries are this module's job: it knows which writes are safe to repeat.
      faultHandling: { global: noop, host: () => noop },
    });
    this.watchClient = new WatchClient((this.client as unknown as { pool: ConstructorParameters<typeof WatchClient>[0] }).pool);
  }

  /** Waits until etcd answers (it may still be starting next to us), or throws after the timeout. */
  async connect(): Promise<void> {
    const deadline = Date.now() + (this.opts.connectTimeoutMs ?? 30_000);
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        await this.client.maintenance.status({ deadline: Date.now() + 2000 });
        return;
      } catch (err) {
        last = err;
        await sleep(200);
      }
    }
    throw new Error(`etcd at ${this.opts.endpoints.join(',')} did not answer: ${(last as Error)?.message}`);
  }

  /** Every object under /registry/ at one revision, read in pages. */
  async readAll(): Promise<Snapshot> {
    const end = prefixEnd(registryPrefix);
    let key = Buffer.from(registryPrefix);
    let revision: string | undefined;
    const objects: Snapshot['objects'] = [];
    for (;;) {
      const res = await this.client.kv.range({ key, range_end: end, limit: 500, revision });
      revision ??= res.header.revision;
      for (const kv of res.kvs) {
        const parsed = this.parse(kv);
        if (parsed) objects.push(parsed);
      }
      if (!res.more || !res.kvs.length) break;
      key = Buffer.concat([res.kvs[res.kvs.length - 1].key, Buffer.from([0])]);
    }
    return { resourceVersion: Number(revision), objects };
  }

  /** Whether nothing is stored yet (a new cluster, or one whose state is still in a JSON snapshot). */
  async isEmpty(): Promise<boolean> {
    const res = await this.client.kv.range({ key: Buffer.from(registryPrefix), range_end: prefixEnd(registryPrefix), count_only: true });
    return Number(res.count) === 0;
  }

  /** Writes a JSON snapshot's objects into an empty etcd (the one-time migration of an older cluster). */
  async importSnapshot(snap: Snapshot): Promise<number> {
    let n = 0;
    for (let i = 0; i < snap.objects.length; i += 100) {
      const ops = snap.objects.slice(i, i + 100).map(({ resource, object }) => ({
        request_put: {
          key: Buffer.from(etcdKey(resource, object.metadata.namespace, object.metadata.name!)),
          value: Buffer.from(encodeValue(object)),
        },
      }));
      await this.client.kv.txn({ success: ops });
      n += ops.length;
    }
    return n;
  }

  /**
   * Attaches the cache: it is loaded from etcd, its window of history read back, and from then on its
   * changes are committed to etcd and changes made by others are applied to it.
   */
  async attach(store: Store): Promise<void> {
    this.store = store;
    const snap = await this.readAll();
    store.load(snap);
    store.durable = true;
    store.groupCommit = this.opts.groupCommit ?? defaultGroupCommit;
    await this.watchFrom(snap.resourceVersion, this.opts.historyLimit ?? 10_000);
  }

  /**
   * A change of the cache: queued, committed in order with the rest of its group. An idle committer starts
   * on the next turn of the event loop, so the changes made in this one (a request and what it caused) go
   * out as one group.
   */
  enqueue(e: StoredEvent): void {
    this.queue.push(e);
    if (this.pumping || this.failed) return;
    this.pumping = true;
    setImmediate(() => void this.pump());
  }

  async close(): Promise<void> {
    this.closed = true;
    // Whatever is queued is still written: each one was promised to a caller waiting for its commit.
    const deadline = Date.now() + 5000;
    while (this.pumping && Date.now() < deadline) await sleep(20);
    this.watchStream?.cancel();
    this.client.close();
  }

  private parse(kv: IKeyValue): ParsedKv | undefined {
    const key = kv.key.toString();
    try {
      const object = decodeValue(kv.value, kv.mod_revision);
      const resource = resourceOfKey(key, object);
      if (resource && object.metadata?.name) return { resource, object };
    } catch {
      // Not JSON: not ours.
    }
    if (key.startsWith(registryPrefix)) this.log.warn({ key }, 'etcd key under /registry/ is not a kubelab object; ignored');
    return undefined;
  }

  /** Commits the queue group by group (a group: the queued changes with one resourceVersion). */
  private async pump(): Promise<void> {
    try {
      while (this.queue.length && !this.failed) {
        const rv = this.queue[0].resourceVersion;
        // From here on, a new change gets the next resourceVersion: this group is what this txn holds.
        this.store?.seal(rv);
        let n = 1;
        while (n < this.queue.length && this.queue[n].resourceVersion === rv) n++;
        if (!(await this.commit(this.queue.slice(0, n)))) {
          this.failed = true;
          return;
        }
        this.queue.splice(0, n);
        this.store?.markCommitted(rv);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * One group of changes (one resourceVersion) as one transaction: every compare must hold, or nothing is
   * written. Transient failures are retried. False when the cache has diverged.
   */
  private async commit(group: StoredEvent[]): Promise<boolean> {
    const rv = group[0].resourceVersion;
    const keys = group.map((e) => Buffer.from(etcdKey(e.resource, e.object.metadata.namespace, e.object.metadata.name!)));
    const compare = group.map((e, i) =>
      e.priorResourceVersion === undefined
        ? { key: keys[i], target: 'Create' as const, result: 'Equal' as const, create_revision: 0 }
        : { key: keys[i], target: 'Mod' as const, result: 'Equal' as const, mod_revision: e.priorResourceVersion },
    );
    const success = group.map((e, i) =>
      e.type === 'DELETED'
        ? { request_delete_range: { key: keys[i] } }
        : { request_put: { key: keys[i], value: Buffer.from(encodeValue(e.object)) } },
    );
    const failure = keys.map((key) => ({ request_range: { key } }));
    const what = (): string =>
      group.length === 1 ? `${group[0].type} ${keys[0]}` : `${group.length} changes (${group[0].type} ${keys[0]}, ...)`;
    let attempt = 0;
    for (;;) {
      try {
        const res = await this.txn({ compare, success, failure });
        const revision = Number(res.header.revision);
        if (res.succeeded && revision === rv) return true;
        // A retry of a transaction that did commit before its answer was lost: etcd shows our changes.
        if (
          !res.succeeded &&
          attempt > 0 &&
          group.every((e, i) => this.alreadyApplied(e, res.responses[i]?.response_range?.kvs ?? [], revision))
        )
          return true;
        this.diverged(
          res.succeeded
            ? `etcd committed ${what()} at revision ${revision}, the cache expected ${rv}`
            : `etcd refused ${what()}: ${this.refused(group, keys, res.responses)} was changed outside the API server`,
        );
        return false;
      } catch (err) {
        attempt++;
        if (attempt === 1 || attempt % 20 === 0)
          this.log.warn({ err, key: keys[0].toString(), changes: group.length, attempt }, 'etcd write failed; retrying');
        await sleep(Math.min(50 * attempt, 1000));
      }
    }
  }

  /** The transaction call (a seam for tests that hold or fail a commit). */
  txn(req: Parameters<Etcd3['kv']['txn']>[0]): ReturnType<Etcd3['kv']['txn']> {
    return this.client.kv.txn(req);
  }

  /** The keys whose compare failed, read back from the failure branch. */
  private refused(group: StoredEvent[], keys: Buffer[], responses: { response_range?: { kvs: IKeyValue[] } }[]): string {
    const bad = group
      .map((e, i) => {
        const kvs = responses[i]?.response_range?.kvs ?? [];
        const ok =
          e.priorResourceVersion === undefined
            ? kvs.length === 0
            : kvs.length === 1 && Number(kvs[0].mod_revision) === e.priorResourceVersion;
        return ok ? undefined : keys[i].toString();
      })
      .filter(Boolean);
    return bad.length ? bad.join(', ') : keys.map(String).join(', ');
  }

  private alreadyApplied(e: StoredEvent, kvs: IKeyValue[], revision: number): boolean {
    if (e.type === 'DELETED') return kvs.length === 0 && revision >= e.resourceVersion;
    return kvs.length === 1 && Number(kvs[0].mod_revision) === e.resourceVersion;
  }

  private diverged(reason: string): void {
    this.log.error({ reason }, 'the watch cache cannot follow etcd');
    this.opts.onDiverged?.(reason);
  }

  /**
   * The one watch (on the whole keyspace, kubelab's objects are under /registry/): from `revision - window`, or from etcd's compaction when that is newer;
   * the events up to `revision` become the cache's history, later ones made by others are applied.
   */
  private async watchFrom(revision: number, window: number): Promise<void> {
    const store = this.store!;
    let start = Math.max(1, revision - window + 1);
    for (;;) {
      const result = await this.openWatch(start, revision);
      if (result.compactRevision === undefined) {
        store.loadHistory(result.history, start - 1);
        return;
      }
      // The history before etcd's last compaction is gone: start there (the compaction revision itself
      // can still be watched).
      start = Math.max(result.compactRevision, start + 1);
      if (start > revision) {
        store.loadHistory([], revision);
        return this.openWatch(revision + 1, revision).then(() => undefined);
      }
    }
  }

  private async openWatch(start: number, revision: number): Promise<{ history: StoredEvent[]; compactRevision?: number }> {
    const store = this.store!;
    const stream = await this.watchClient.watch();
    const history: StoredEvent[] = [];
    const previous = new Map<string, KubeObject>();
    return new Promise((resolve, reject) => {
      let caughtUp = start > revision;
      const progress = setInterval(() => stream.write({ progress_request: {} }), 200);
      const done = (): void => {
        caughtUp = true;
        clearInterval(progress);
        this.watchStream = stream;
        resolve({ history });
      };
      stream.on('data', (res: IWatchResponse) => {
        if (res.canceled) {
          clearInterval(progress);
          stream.cancel();
          if (!caughtUp && Number(res.compact_revision) > 0) resolve({ history, compactRevision: Number(res.compact_revision) });
          else if (!caughtUp) reject(new Error(`etcd watch canceled: ${res.cancel_reason}`));
          else if (!this.closed) this.diverged(`the etcd watch ended: ${res.cancel_reason || 'canceled'}`);
          return;
        }
        for (const ev of res.events ?? []) {
          const rev = Number(ev.kv.mod_revision);
          if (!caughtUp) {
            const e = this.toEvent(ev.type === 'Delete' || (ev.type as unknown) === 1, ev.kv, ev.prev_kv, previous);
            if (e) history.push(e);
          } else if (rev > store.resourceVersion) this.external(ev.type === 'Delete' || (ev.type as unknown) === 1, ev.kv, ev.prev_kv);
        }
        if (!caughtUp && Number(res.header?.revision) >= revision && !res.created && (res.events?.length ?? 0) === 0) done();
        else if (!caughtUp && history.length && history[history.length - 1].resourceVersion >= revision) done();
      });
      stream.on('error', (err: Error) => {
        clearInterval(progress);
        if (!caughtUp) reject(err);
        else if (!this.closed) this.diverged(`the etcd watch failed: ${err.message}`);
      });
      // The whole keyspace, not only /registry/: any write moves etcd's revision, and the cache follows it.
      stream.write({ create_request: { key: Buffer.from([0]), range_end: Buffer.from([0]), start_revision: start, prev_kv: true } });
      if (caughtUp) done();
    });
  }

  /** A watch event as a cache change (history): ADDED, MODIFIED (with the object before) or DELETED. */
  private toEvent(deleted: boolean, kv: IKeyValue, prev: IKeyValue | undefined, seen: Map<string, KubeObject>): StoredEvent | undefined {
    const rev = Number(kv.mod_revision);
    const key = kv.key.toString();
    if (deleted) {
      const before = prev ? this.parse(prev) : undefined;
      seen.delete(key);
      if (!before) return undefined;
      const object = { ...before.object, metadata: { ...before.object.metadata, resourceVersion: String(rev) } };
      return { type: 'DELETED', resource: before.resource, object, resourceVersion: rev };
    }
    const now = this.parse(kv);
    if (!now) return undefined;
    const before = prev ? this.parse(prev)?.object : undefined;
    seen.set(key, now.object);
    return { type: before ? 'MODIFIED' : 'ADDED', resource: now.resource, object: now.object, previous: before, resourceVersion: rev };
  }

  /** A change someone else made in etcd: applied when nothing of ours is pending, else the cache restarts. */
  private external(deleted: boolean, kv: IKeyValue, prev: IKeyValue | undefined): void {
    const store = this.store!;
    const e = this.toEvent(deleted, kv, prev, new Map());
    if (this.queue.length || store.committedResourceVersion !== store.resourceVersion) {
      this.diverged(`${kv.key.toString()} was changed in etcd outside the API server while writes were pending`);
      return;
    }
    this.log.info(
      { key: kv.key.toString(), revision: Number(kv.mod_revision), deleted },
      'applied a change made in etcd outside the API server',
    );
    if (e) store.applyExternal(e);
    else store.skipTo(Number(kv.mod_revision));
  }
}
