// The garbage collector (kube-controller-manager's pkg/controller/garbagecollector): objects whose owners
// are all gone are deleted, in the background, after the owner's DELETE has already answered. Owners
// deleted with propagationPolicy Foreground keep a `foregroundDeletion` finalizer until their blocking
// dependents are gone; with Orphan an `orphan` finalizer until their dependents no longer name them.
//
// Dependents come from the store's owner index (uid -> dependents), so the work is O(dependents), and
// it is done in slices of a few milliseconds that give the event loop back (setImmediate) in between:
// deleting 3000 pods never holds up a GET, a watch or /healthz for longer than one slice.
import type { Logger } from 'pino';
import { StatusError, type KubeObject, type OwnerReference } from '@kubelab/api';
import { foregroundFinalizer, orphanFinalizer, type PropagationPolicy } from '../registry/delete-options';
import type { ObjectService } from '../registry/object-service';
import { resourceKey, type Strategy } from '../registry/strategy';
import type { StoredEvent } from '../storage/store';

export interface GarbageCollectorOptions {
  log: Logger;
  /** Work done per turn of the event loop before yielding (ms). */
  sliceMs?: number;
  /** Delay before a task that failed is tried again (ms). */
  retryMs?: number;
}

interface Entry {
  resource: string;
  object: KubeObject;
}

/**
 * A unit of work. `dependent`: GC's attemptToDeleteItem (delete it if no owner is left, or drop dangling
 * references). `owner`: an owner marked for deletion with one of the collector's finalizers
 * (processDeletingDependentsItem for foreground, orphanDependents for orphan).
 */
interface Task {
  kind: 'dependent' | 'owner';
  resource: string;
  namespace?: string;
  name: string;
  uid: string;
}

function isDeletingDependents(o: KubeObject): boolean {
  return !!o.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).includes(foregroundFinalizer);
}

function hasCollectorFinalizer(o: KubeObject): boolean {
  const f = o.metadata.finalizers ?? [];
  return f.includes(foregroundFinalizer) || f.includes(orphanFinalizer);
}

function sameRefs(a: OwnerReference[] | undefined, b: OwnerReference[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

export class GarbageCollector {
  /** Insertion-ordered and de-duplicated: a task queued twice runs once, at its first place. */
  private readonly queue = new Map<string, Task>();
  private readonly strategies = new Map<string, Strategy>();
  private readonly sliceMs: number;
  private readonly retryMs: number;
  private scheduled = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private readonly retries = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly service: ObjectService,
    private readonly opts: GarbageCollectorOptions,
  ) {
    this.sliceMs = opts.sliceMs ?? 2;
    this.retryMs = opts.retryMs ?? 1000;
    for (const s of service.registry.all()) this.strategies.set(resourceKey(s.info), s);
  }

  /** Subscribes to the store and queues what is already waiting (objects whose owners vanished before a restart). */
  start(): () => void {
    const store = this.service.store;
    this.unsubscribe = store.subscribe((e) => this.observe(e));
    for (const resource of this.strategies.keys()) {
      for (const object of store.list(resource)) {
        if (object.metadata.deletionTimestamp && hasCollectorFinalizer(object)) this.enqueue('owner', { resource, object });
        if (object.metadata.ownerReferences?.some((r) => !store.getByUid(r.uid) || isDeletingDependents(store.getByUid(r.uid)!.object)))
          this.enqueue('dependent', { resource, object });
      }
    }
    return () => this.stop();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
    this.queue.clear();
    this.notifyIdle();
  }

  /** Queued tasks (tests, metrics). */
  get pending(): number {
    return this.queue.size;
  }

  /** Resolves when the queue is empty (tests). */
  whenIdle(): Promise<void> {
    if (this.queue.size === 0 && this.retries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The graph monitor: which changes make work (GraphBuilder.processGraphChanges). */
  private observe(e: StoredEvent): void {
    const store = this.service.store;
    const o = e.object;
    const m = o.metadata;
    if (e.type === 'DELETED') {
      if (m.uid) {
        // Pods not bound to a node first: while bound ones go, the scheduler would otherwise bind Pending
        // siblings into the freed slots, only for the kubelet to start and stop their containers at once.
        const dependents = store.dependents(m.uid);
        for (const d of dependents) if (!(d.object as { spec?: { nodeName?: string } }).spec?.nodeName) this.enqueue('dependent', d);
        for (const d of dependents) this.enqueue('dependent', d);
      }
      // A dependent gone may have been the last thing an owner in foreground deletion waited for.
      for (const ref of m.ownerReferences ?? []) {
        const owner = ref?.uid ? store.getByUid(ref.uid) : undefined;
        if (owner && isDeletingDependents(owner.object)) this.enqueue('owner', owner);
      }
      return;
    }
    const entry = { resource: e.resource, object: o };
    if (m.deletionTimestamp && hasCollectorFinalizer(o)) this.enqueue('owner', entry);
    const refs = m.ownerReferences;
    if (refs?.length && (e.type === 'ADDED' || !sameRefs(refs, e.previous?.metadata.ownerReferences))) {
      // An object created (or re-parented) with an owner that does not exist, or is going away in the foreground.
      if (refs.some((r) => !r?.uid || !store.getByUid(r.uid) || isDeletingDependents(store.getByUid(r.uid)!.object)))
        this.enqueue('dependent', entry);
    }
  }

  private enqueue(kind: Task['kind'], e: Entry): void {
    if (this.stopped || !e.object.metadata.uid) return;
    const m = e.object.metadata;
    const key = `${kind}|${m.uid}`;
    if (!this.queue.has(key)) this.queue.set(key, { kind, resource: e.resource, namespace: m.namespace, name: m.name!, uid: m.uid! });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  /** One slice: tasks until sliceMs has passed, then yield to the event loop and come back. */
  private run(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const started = performance.now();
    for (const [key, task] of this.queue) {
      this.queue.delete(key);
      try {
        if (task.kind === 'owner') this.processOwner(task, started);
        else this.attemptToDelete(task);
      } catch (err) {
        if (!(err instanceof StatusError && (err.reason === 'NotFound' || err.reason === 'Conflict'))) {
          this.opts.log.warn(
            { err: (err as Error).message, object: `${task.resource} ${task.namespace ?? ''}/${task.name}` },
            'garbage collection failed; retrying',
          );
          this.retryLater(task);
        }
      }
      if (performance.now() - started >= this.sliceMs) break;
    }
    if (this.queue.size) this.schedule();
    else this.notifyIdle();
  }

  private retryLater(task: Task): void {
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      const key = `${task.kind}|${task.uid}`;
      if (!this.queue.has(key)) this.queue.set(key, task);
      this.schedule();
    }, this.retryMs);
    timer.unref();
    this.retries.add(timer);
  }

  private notifyIdle(): void {
    if (this.queue.size || this.retries.size) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private current(task: Task): KubeObject | undefined {
    const o = this.service.store.get(task.resource, task.namespace, task.name);
    return o && o.metadata.uid === task.uid ? o : undefined;
  }

  /** attemptToDeleteItem: delete an object none of whose owners is left, or drop its dangling references. */
  private attemptToDelete(task: Task): void {
    const obj = this.current(task);
    if (!obj) return;
    if (isDeletingDependents(obj)) return this.processOwner({ ...task, kind: 'owner' }, performance.now());
    // Being deleted already (finalizers of someone else pending): nothing for the collector to do.
    if (obj.metadata.deletionTimestamp) return;
    const refs = obj.metadata.ownerReferences ?? [];
    if (!refs.length) return;
    const store = this.service.store;
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const owner = ref?.uid ? store.getByUid(ref.uid) : undefined;
      if (!owner) dangling.push(ref);
      else if (isDeletingDependents(owner.object)) waiting.push(ref);
      else solid.push(ref);
    }
    const s = this.strategies.get(task.resource)!;
    if (solid.length) {
      if (!dangling.length && !waiting.length) return;
      // Still owned: forget the owners that are gone, and stop blocking the ones deleting in the foreground.
      const next = refs.filter((r) => !dangling.includes(r)).map((r) => (waiting.includes(r) ? { ...r, blockOwnerDeletion: false } : r));
      this.service.patch(s, task.namespace, task.name, { metadata: { ownerReferences: next } });
      return;
    }
    let policy: PropagationPolicy = 'Background';
    const finalizers = obj.metadata.finalizers ?? [];
    // An owner waiting in the foreground makes a dependent with dependents of its own go the same way.
    if (waiting.length && store.hasDependents(task.uid)) policy = 'Foreground';
    else if (finalizers.includes(orphanFinalizer)) policy = 'Orphan';
    else if (finalizers.includes(foregroundFinalizer)) policy = 'Foreground';
    this.service.delete(s, task.namespace, task.name, { propagationPolicy: policy, preconditions: { uid: task.uid } });
  }

  /** An owner marked for deletion with the collector's finalizers: orphan or delete its dependents, then let it go. */
  private processOwner(task: Task, started: number): void {
    const owner = this.current(task);
    if (!owner?.metadata.deletionTimestamp) return;
    const store = this.service.store;
    const finalizers = owner.metadata.finalizers ?? [];
    if (finalizers.includes(orphanFinalizer)) {
      for (const d of store.dependents(task.uid)) {
        const s = this.strategies.get(d.resource)!;
        const refs = (d.object.metadata.ownerReferences ?? []).filter((r) => r.uid !== task.uid);
        this.service.patch(s, d.object.metadata.namespace, d.object.metadata.name!, { metadata: { ownerReferences: refs } });
        if (performance.now() - started >= this.sliceMs) {
          // The rest in a later slice: this owner goes to the back of the queue.
          this.enqueue('owner', { resource: task.resource, object: owner });
          return;
        }
      }
      this.removeFinalizer(task, owner, orphanFinalizer);
      return;
    }
    if (!finalizers.includes(foregroundFinalizer)) return;
    let blocking = 0;
    for (const d of store.dependents(task.uid)) {
      const ref = d.object.metadata.ownerReferences?.find((r) => r.uid === task.uid);
      if (ref?.blockOwnerDeletion) blocking++;
      if (!d.object.metadata.deletionTimestamp || isDeletingDependents(d.object)) this.enqueue('dependent', d);
    }
    if (blocking === 0) this.removeFinalizer(task, owner, foregroundFinalizer);
  }

  private removeFinalizer(task: Task, owner: KubeObject, finalizer: string): void {
    const s = this.strategies.get(task.resource)!;
    const finalizers = (owner.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    this.service.patch(s, task.namespace, task.name, { metadata: { finalizers: finalizers.length ? finalizers : null } });
  }
}
