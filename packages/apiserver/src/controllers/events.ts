// Events as the controllers and the scheduler report them (core/v1 Event in the involved object's
// namespace). Repeats of the same event bump `count` and `lastTimestamp` instead of piling up, as
// client-go's event correlator does, and old events expire like the API server's 1 h event TTL.
import { rfc3339, type Event, type KubeObject } from '@kubelab/api';
import type { Logger } from 'pino';
import type { ObjectService } from '../registry/object-service';
import { resourceKey, type Strategy } from '../registry/strategy';

export interface EventRecorderOptions {
  log: Logger;
  now?: () => Date;
  /** Events not repeated for this long are deleted by `sweep`. */
  ttlMs?: number;
}

export class EventRecorder {
  private readonly names = new Map<string, string>();
  private readonly now: () => Date;
  private seq = 0;

  constructor(
    private readonly service: ObjectService,
    private readonly opts: EventRecorderOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  private get strategy(): Strategy {
    const s = this.service.registry.find('', 'v1', 'events');
    if (!s) throw new Error('events are not registered');
    return s;
  }

  /** Records an event about `obj`. Never throws: a lost event must not fail the caller's work. */
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
    const m = obj.metadata;
    // Cluster-scoped objects (nodes) have their events in `default`, as in Kubernetes.
    const namespace = m.namespace ?? 'default';
    const key = [namespace, obj.kind, m.name, m.uid, type, reason, message, component].join('\u0000');
    const stamp = rfc3339(this.now());
    try {
      const existing = this.names.get(key);
      const current = existing
        ? (this.service.store.get(resourceKey(this.strategy.info), namespace, existing) as Event | undefined)
        : undefined;
      if (current) {
        this.service.patch(this.strategy, namespace, existing!, { count: (current.count ?? 1) + 1, lastTimestamp: stamp });
        return;
      }
      const name = `${m.name}.${(Date.now() * 1000 + (this.seq++ % 1000)).toString(16)}`;
      const event: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: m.name, namespace: m.namespace, uid: m.uid },
        reason,
        message,
        type,
        source: { component },
        reportingComponent: component,
        count: 1,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
      };
      this.service.create(this.strategy, namespace, event);
      this.names.set(key, name);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message, reason, object: m.name }, 'recording an event failed');
    }
  }

  /** Deletes events whose last occurrence is older than the TTL. */
  sweep(): void {
    const cutoff = this.now().getTime() - (this.opts.ttlMs ?? 3_600_000);
    for (const e of this.service.list(this.strategy, undefined) as Event[]) {
      const last = Date.parse(e.lastTimestamp ?? e.metadata.creationTimestamp ?? '');
      if (Number.isFinite(last) && last < cutoff) {
        try {
          this.service.delete(this.strategy, e.metadata.namespace, e.metadata.name!);
        } catch {
          /* already gone */
        }
      }
    }
    for (const [key, name] of this.names)
      if (!this.service.store.get(resourceKey(this.strategy.info), key.split('\u0000')[0], name)) this.names.delete(key);
  }
}
