// The object store: every object of every kind in one map, one global resourceVersion counter (as etcd's
// revision), and a bounded history of changes so watches can resume from a resourceVersion.
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
}

export interface Snapshot {
  resourceVersion: number;
  objects: { resource: string; object: KubeObject }[];
}

export function storeKey(resource: string, namespace: string | undefined, name: string): string {
  return `${resource}|${namespace ?? ''}|${name}`;
}

export class Store {
  private readonly objects = new Map<string, { resource: string; object: KubeObject }>();
  private readonly history: StoredEvent[] = [];
  private readonly events = new EventEmitter();
  private rv = 0;

  constructor(
    private readonly historyLimit = 10_000,
    private readonly onChange: () => void = () => {},
  ) {
    // Every open watch adds a listener; hundreds are normal.
    this.events.setMaxListeners(0);
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestResumable(): number {
    return this.history.length ? this.history[0].resourceVersion - 1 : this.rv;
  }

  load(snapshot: Snapshot): void {
    this.objects.clear();
    this.rv = snapshot.resourceVersion;
    for (const o of snapshot.objects) {
      this.objects.set(storeKey(o.resource, o.object.metadata.namespace, o.object.metadata.name!), o);
    }
  }

  snapshot(): Snapshot {
    return { resourceVersion: this.rv, objects: [...this.objects.values()] };
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(storeKey(resource, namespace, name))?.object;
  }

  list(resource: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.objects.values()) {
      if (o.resource !== resource) continue;
      if (namespace !== undefined && o.object.metadata.namespace !== namespace) continue;
      out.push(o.object);
    }
    return out.sort((a, b) =>
      `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`),
    );
  }

  /** Writes an object, stamping a new resourceVersion. Callers have already validated and checked preconditions. */
  put(resource: string, object: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    this.rv++;
    const stored: KubeObject = { ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } };
    const key = storeKey(resource, stored.metadata.namespace, stored.metadata.name!);
    const previous = this.objects.get(key)?.object;
    this.objects.set(key, { resource, object: stored });
    this.record({ type, resource, object: stored, previous, resourceVersion: this.rv });
    return stored;
  }

  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = storeKey(resource, namespace, name);
    const existing = this.objects.get(key);
    if (!existing) return undefined;
    this.objects.delete(key);
    this.rv++;
    const gone: KubeObject = { ...existing.object, metadata: { ...existing.object.metadata, resourceVersion: String(this.rv) } };
    this.record({ type: 'DELETED', resource, object: gone, resourceVersion: this.rv });
    return gone;
  }

  /** Changes after `sinceRv` for one resource, or undefined when history no longer reaches back that far. */
  changesSince(resource: string, sinceRv: number): StoredEvent[] | undefined {
    if (sinceRv < this.oldestResumable) return undefined;
    return this.history.filter((e) => e.resource === resource && e.resourceVersion > sinceRv);
  }

  subscribe(listener: (e: StoredEvent) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  private record(e: StoredEvent): void {
    this.history.push(e);
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    this.events.emit('change', e);
    this.onChange();
  }
}
