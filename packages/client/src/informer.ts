// An informer: list, then watch from the list's resourceVersion, keeping a local cache that readers query
// through a narrow interface (the CoreDNS / client-go pattern). Re-lists on 410 Gone or a broken stream.
import { StatusError, type KubeObject, type ResourceInfo, type WatchEventType } from '@kubelab/api';
import type { KubeClient, ListOptions } from './client';
import { watch } from './watch';

export type Handler<T> = (type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>, obj: T, old?: T) => void;

export interface InformerOptions extends ListOptions {
  namespace?: string;
  /** Back-off after a failed list or watch. */
  retryMs?: number;
  onError?: (err: unknown) => void;
}

export function cacheKey(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly handlers: Handler<T>[] = [];
  private readonly abort = new AbortController();
  private synced = false;
  private syncWaiters: (() => void)[] = [];

  constructor(
    private readonly client: KubeClient,
    private readonly resource: ResourceInfo,
    private readonly opts: InformerOptions = {},
  ) {}

  on(handler: Handler<T>): this {
    this.handlers.push(handler);
    return this;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): this {
    void this.run();
    return this;
  }

  stop(): void {
    this.abort.abort();
  }

  private emit(type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>, obj: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        h(type, obj, old);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }

  private async run(): Promise<void> {
    const { namespace, retryMs = 1000, onError, ...filters } = this.opts;
    let rv: string | undefined;
    while (!this.abort.signal.aborted) {
      try {
        if (rv === undefined) {
          const list = await this.client.list<T>(this.resource, namespace, filters);
          const seen = new Set<string>();
          for (const item of list.items) {
            const key = cacheKey(item);
            seen.add(key);
            const old = this.items.get(key);
            this.items.set(key, item);
            if (!old) this.emit('ADDED', item);
            else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.emit('MODIFIED', item, old);
          }
          for (const [key, old] of this.items) {
            if (!seen.has(key)) {
              this.items.delete(key);
              this.emit('DELETED', old);
            }
          }
          rv = list.metadata.resourceVersion;
          if (!this.synced) {
            this.synced = true;
            for (const w of this.syncWaiters.splice(0)) w();
          }
        }
        rv = await watch<T>(
          this.client,
          this.resource,
          namespace,
          { ...filters, resourceVersion: rv, timeoutSeconds: 300, signal: this.abort.signal },
          (e) => {
            const key = cacheKey(e.object);
            const old = this.items.get(key);
            if (e.type === 'DELETED') {
              this.items.delete(key);
              this.emit('DELETED', e.object, old);
            } else if (e.type === 'ADDED' || e.type === 'MODIFIED') {
              this.items.set(key, e.object);
              this.emit(old ? 'MODIFIED' : 'ADDED', e.object, old);
            }
          },
        );
      } catch (err) {
        if (this.abort.signal.aborted) return;
        if (err instanceof StatusError && err.code === 410) rv = undefined;
        else {
          onError?.(err);
          rv = undefined;
          await new Promise((r) => setTimeout(r, retryMs));
        }
      }
    }
  }
}
