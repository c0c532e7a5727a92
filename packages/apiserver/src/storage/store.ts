// The object store: every object of every kind in one map, one global resourceVersion counter (as etcd's
// revision), and a bounded history of changes so watches can resume from a resourceVersion. Indexes keep
// the hot questions cheap at 10 000 objects: the objects of one kind (kept in key order, as etcd lists
// them), an object by uid, and the dependents of an owner (the garbage collector's graph, keyed by the
// ownerReferences' uid, as kube-controller-manager's GraphBuilder keeps it).
//
// With etcd behind it (etcd-storage.ts) this is the API server's watch cache: every change is applied here
// at once (the in-process controllers read their own writes) and handed to the backend, which commits the
// changes to etcd in order, one transaction per group of changes (group commit), so the revision etcd
// gives a group is the resourceVersion stamped here on each of its changes. A change is "committed" once
// etcd has it: HTTP answers to writes wait for that (server.ts), and watch streams only ever carry
// committed changes (subscribeCommitted).
//
// Groups: with groupCommit set, a change joins the open group (same resourceVersion) unless that group
// already changes the same key (etcd refuses a key twice in one transaction, and the second change's
// compare needs the first one's revision) or is full. The backend seals the group when it starts its
// transaction, and so does every read that shows a resourceVersion to a client (seal(): a list, a watch's
// start, an HTTP GET), so a client that saw resourceVersion R never misses a later change stamped R.
import { EventEmitter } from 'node:events';
import type { KubeObject, WatchEventType } from '@kubelab/api';

export interface StoredEvent {
  type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>;
  /** "group/plural", e.g. "/nodes" or "apps/deployments". */
  resource: string;
  object: KubeObject;
  /** The object before a MODIFIED change: lets filtered watches see objects enter and leave a selector. */
  previous?: KubeObject;
  resourceVersion: number;
  /** The resourceVersion the object had before this change (updates and deletes): etcd's compare-and-swap. */
  priorResourceVersion?: number;
}

export interface Snapshot {
  resourceVersion: number;
  objects: { resource: string; object: KubeObject }[];
}

export function storeKey(resource: string, namespace: string | undefined, name: string): string {
  return `${resource}|${namespace ?? ''}|${name}`;
}

interface Entry {
  resource: string;
  object: KubeObject;
}

/** Key order within a kind: namespace, then name, compared as strings (etcd's byte order of keys). */
function orderKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** First index in the sorted `xs` whose value is >= `x`. */
function lowerBound(xs: string[], x: string): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The objects of one kind: by order key, and the order keys kept sorted (inserted and removed by bisection). */
interface Kind {
  byOrder: Map<string, Entry>;
  order: string[];
}

/**
 * The first index at or after `i` where a resourceVersion starts: history is cut only between groups, so
 * a watch resuming from the oldest resumable version gets every change of every later group.
 */
function groupStart(events: StoredEvent[], i: number): number {
  let at = Math.max(0, i);
  while (at > 0 && at < events.length && events[at].resourceVersion === events[at - 1].resourceVersion) at++;
  return at;
}

export class Store {
  private readonly objects = new Map<string, Entry>();
  /** resource -> its objects in list order: a list touches only its own kind and never sorts. */
  private readonly kinds = new Map<string, Kind>();
  private readonly byUid = new Map<string, string>();
  /** owner uid -> keys of the objects that name it in ownerReferences. */
  private readonly owners = new Map<string, Set<string>>();
  private readonly history: StoredEvent[] = [];
  private readonly events = new EventEmitter();
  private rv = 0;
  private loading = false;
  /** Changes not yet committed by the backend, in order; empty when every change is committed. */
  private readonly uncommitted: StoredEvent[] = [];
  private committedRv = 0;
  private readonly commitWaiters: { rv: number; resolve: () => void }[] = [];
  /** Set by a durable backend: changes then count as committed only when it says so (markCommitted). */
  durable = false;
  /** Set by a backend that commits groups of changes as one transaction (one revision): their limits. */
  groupCommit: { maxChanges: number; maxBytes: number } | undefined;
  /** The open group: the changes stamped with resourceVersion `rv` that more changes may still join. */
  private group: { rv: number; keys: Set<string>; bytes: number } | undefined;

  constructor(
    private readonly historyLimit = 10_000,
    private readonly onChange: (e: StoredEvent) => void = () => {},
  ) {
    // Every open watch adds a listener; hundreds are normal.
    this.events.setMaxListeners(0);
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /**
   * Closes the open group: the next change gets a new resourceVersion. With `rv`, only when the open group
   * is that one (the backend taking a group to commit).
   */
  seal(rv?: number): void {
    if (rv === undefined || this.group?.rv === rv) this.group = undefined;
  }

  /** The resourceVersion of a new change of `key`: the open group's, or the next one (a new group). */
  private stamp(key: string, object: KubeObject | undefined): number {
    const limits = this.groupCommit;
    if (!limits) return ++this.rv;
    const bytes = object ? JSON.stringify(object).length : 0;
    const g = this.group;
    if (g && !g.keys.has(key) && g.keys.size < limits.maxChanges && g.bytes + bytes <= limits.maxBytes) {
      g.keys.add(key);
      g.bytes += bytes;
      return this.rv;
    }
    this.group = { rv: ++this.rv, keys: new Set([key]), bytes };
    return this.rv;
  }

  /** The newest resourceVersion the backend has committed (equal to resourceVersion when nothing is pending). */
  get committedResourceVersion(): number {
    return this.committedRv;
  }

  /** Resolves once every change up to `rv` (default: everything written so far) is committed. */
  committed(rv = this.rv): Promise<void> {
    if (rv <= this.committedRv) return Promise.resolve();
    return new Promise((resolve) => this.commitWaiters.push({ rv, resolve }));
  }

  /** The backend committed every change up to `rv`: watchers get them, waiting writers are answered. */
  markCommitted(rv: number): void {
    if (rv <= this.committedRv) return;
    this.committedRv = rv;
    let n = 0;
    while (n < this.uncommitted.length && this.uncommitted[n].resourceVersion <= rv) n++;
    for (const e of this.uncommitted.splice(0, n)) this.events.emit('committed', e);
    if (!this.commitWaiters.length) return;
    // Answered in the order they were written.
    const waiting = this.commitWaiters.splice(0);
    for (const w of waiting) {
      if (w.rv <= rv) w.resolve();
      else this.commitWaiters.push(w);
    }
  }

  /**
   * The recent changes a watch can resume from, read back from the backend at start (etcd's history since
   * its last compaction, up to the window): a watch from before a restart resumes, older ones get 410.
   */
  loadHistory(events: StoredEvent[], oldestResumable: number): void {
    this.history.length = 0;
    this.history.push(...events.slice(groupStart(events, events.length - this.historyLimit)));
    this.historyFloor = Math.max(oldestResumable, this.history.length ? this.history[0].resourceVersion - 1 : oldestResumable);
  }

  /** etcd's revision moved for a key that is not an object (etcdctl put /something): nothing else changes. */
  skipTo(rv: number): void {
    if (rv <= this.rv) return;
    this.group = undefined;
    this.rv = rv;
    this.markCommitted(rv);
  }

  /**
   * A change made in etcd by someone else (etcdctl): applied as it is, at its own revision, and never sent
   * back. Only possible while nothing of ours is pending; the backend restarts the cache otherwise.
   */
  applyExternal(e: StoredEvent): void {
    const key = storeKey(e.resource, e.object.metadata.namespace, e.object.metadata.name!);
    const existing = this.objects.get(key);
    this.group = undefined;
    this.rv = e.resourceVersion;
    if (e.type === 'DELETED') {
      if (!existing) return this.markCommitted(this.rv);
      this.unindex(key, existing.object, true);
      const gone = { ...existing.object, metadata: { ...existing.object.metadata, resourceVersion: String(this.rv) } };
      return this.record({ type: 'DELETED', resource: e.resource, object: gone, resourceVersion: this.rv }, true);
    }
    if (existing) this.unindex(key, existing.object, false);
    this.index(key, { resource: e.resource, object: e.object });
    const type = existing ? 'MODIFIED' : 'ADDED';
    this.record({ type, resource: e.resource, object: e.object, previous: existing?.object, resourceVersion: this.rv }, true);
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestResumable(): number {
    if (this.historyFloor !== undefined) return this.historyFloor;
    return this.history.length ? this.history[0].resourceVersion - 1 : this.rv;
  }

  /** Set by loadHistory until the window first fills up: how far back the history read from etcd reached. */
  private historyFloor: number | undefined;

  load(snapshot: Snapshot): void {
    this.objects.clear();
    this.kinds.clear();
    this.byUid.clear();
    this.owners.clear();
    this.rv = snapshot.resourceVersion;
    this.group = undefined;
    this.committedRv = snapshot.resourceVersion;
    this.history.length = 0;
    this.historyFloor = undefined;
    this.loading = true;
    for (const o of snapshot.objects) this.index(storeKey(o.resource, o.object.metadata.namespace, o.object.metadata.name!), o);
    this.loading = false;
    // Sorted once here rather than kept sorted object by object.
    for (const kind of this.kinds.values()) kind.order = [...kind.byOrder.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  snapshot(): Snapshot {
    return { resourceVersion: this.rv, objects: [...this.objects.values()] };
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(storeKey(resource, namespace, name))?.object;
  }

  /** The object with this uid, whatever its kind. */
  getByUid(uid: string): { resource: string; object: KubeObject } | undefined {
    const key = this.byUid.get(uid);
    return key === undefined ? undefined : this.objects.get(key);
  }

  /** Objects whose ownerReferences name `uid`: O(dependents), never a scan of the store. */
  dependents(uid: string): { resource: string; object: KubeObject }[] {
    const keys = this.owners.get(uid);
    if (!keys) return [];
    const out: Entry[] = [];
    for (const k of keys) {
      const e = this.objects.get(k);
      if (e) out.push(e);
    }
    return out;
  }

  hasDependents(uid: string): boolean {
    return (this.owners.get(uid)?.size ?? 0) > 0;
  }

  /** Objects of one kind in key order (namespace, name); with a namespace, only that namespace's range is read. */
  list(resource: string, namespace?: string): KubeObject[] {
    const kind = this.kinds.get(resource);
    if (!kind) return [];
    const out: KubeObject[] = [];
    if (namespace === undefined) {
      for (const k of kind.order) out.push(kind.byOrder.get(k)!.object);
      return out;
    }
    const prefix = `${namespace}/`;
    for (let i = lowerBound(kind.order, prefix); i < kind.order.length && kind.order[i].startsWith(prefix); i++)
      out.push(kind.byOrder.get(kind.order[i])!.object);
    return out;
  }

  /** How many objects of one kind exist (cheap). */
  count(resource: string): number {
    return this.kinds.get(resource)?.order.length ?? 0;
  }

  /** Writes an object, stamping a new resourceVersion. Callers have already validated and checked preconditions. */
  put(resource: string, object: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    const key = storeKey(resource, object.metadata.namespace, object.metadata.name!);
    const rv = this.stamp(key, object);
    const stored: KubeObject = { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
    const previous = this.objects.get(key)?.object;
    if (previous) this.unindex(key, previous, false);
    this.index(key, { resource, object: stored });
    const priorResourceVersion = previous ? Number(previous.metadata.resourceVersion) : undefined;
    this.record({ type, resource, object: stored, previous, resourceVersion: rv, priorResourceVersion });
    return stored;
  }

  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = storeKey(resource, namespace, name);
    const existing = this.objects.get(key);
    if (!existing) return undefined;
    this.unindex(key, existing.object, true);
    const rv = this.stamp(key, undefined);
    const gone: KubeObject = { ...existing.object, metadata: { ...existing.object.metadata, resourceVersion: String(rv) } };
    const priorResourceVersion = Number(existing.object.metadata.resourceVersion);
    this.record({ type: 'DELETED', resource, object: gone, resourceVersion: rv, priorResourceVersion });
    return gone;
  }

  private index(key: string, e: Entry): void {
    const isNew = !this.objects.has(key);
    this.objects.set(key, e);
    let kind = this.kinds.get(e.resource);
    if (!kind) this.kinds.set(e.resource, (kind = { byOrder: new Map(), order: [] }));
    const ok = orderKey(e.object);
    kind.byOrder.set(ok, e);
    if (isNew && !this.loading) kind.order.splice(lowerBound(kind.order, ok), 0, ok);
    const m = e.object.metadata;
    if (m.uid) this.byUid.set(m.uid, key);
    for (const ref of m.ownerReferences ?? []) {
      if (!ref?.uid) continue;
      let deps = this.owners.get(ref.uid);
      if (!deps) this.owners.set(ref.uid, (deps = new Set()));
      deps.add(key);
    }
  }

  /** Drops `object`'s uid and owner entries; `removing` also forgets the key (else put re-indexes it at once). */
  private unindex(key: string, object: KubeObject, removing: boolean): void {
    const m = object.metadata;
    if (m.uid && this.byUid.get(m.uid) === key) this.byUid.delete(m.uid);
    for (const ref of m.ownerReferences ?? []) {
      const deps = ref?.uid ? this.owners.get(ref.uid) : undefined;
      if (!deps) continue;
      deps.delete(key);
      if (deps.size === 0) this.owners.delete(ref.uid);
    }
    const e = this.objects.get(key);
    if (removing && e) {
      this.objects.delete(key);
      const kind = this.kinds.get(e.resource);
      const ok = orderKey(e.object);
      if (kind?.byOrder.delete(ok)) {
        const i = lowerBound(kind.order, ok);
        if (kind.order[i] === ok) kind.order.splice(i, 1);
      }
    }
  }

  /** Changes after `sinceRv` for one resource, or undefined when history no longer reaches back that far. */
  changesSince(resource: string, sinceRv: number): StoredEvent[] | undefined {
    if (sinceRv < this.oldestResumable) return undefined;
    // History is in resourceVersion order: find the first later change by bisection, then scan only the tail.
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid].resourceVersion > sinceRv) hi = mid;
      else lo = mid + 1;
    }
    const out: StoredEvent[] = [];
    for (let i = lo; i < this.history.length; i++) if (this.history[i].resource === resource) out.push(this.history[i]);
    return out;
  }

  /** Every change, the moment it is made (in-process controllers). */
  subscribe(listener: (e: StoredEvent) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  /** Every change once it is committed, in resourceVersion order (watch streams). */
  subscribeCommitted(listener: (e: StoredEvent) => void): () => void {
    this.events.on('committed', listener);
    return () => this.events.off('committed', listener);
  }

  private record(e: StoredEvent, external = false): void {
    this.history.push(e);
    // Trimmed in slices of a tenth, not one element per write: shifting 10 000 entries on every write of a
    // flood is its own O(n^2).
    if (this.history.length > this.historyLimit + Math.ceil(this.historyLimit / 10)) {
      this.history.splice(0, groupStart(this.history, this.history.length - this.historyLimit));
      this.historyFloor = undefined;
    }
    this.uncommitted.push(e);
    // Handed to the backend before any listener runs: a listener that throws must not leave a change
    // uncommitted (every later answer would wait for it).
    if (this.durable && !external) this.onChange(e);
    else {
      this.markCommitted(e.resourceVersion);
      if (!this.durable) this.onChange(e);
    }
    this.events.emit('change', e);
  }
}
