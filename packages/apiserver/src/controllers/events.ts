// Events as the controllers and the scheduler report them (core/v1 Event in the involved object's
// namespace), through client-go's event correlator (events-cache.ts): repeats bump `count` and
// `lastTimestamp`, similar events are combined, floods are dropped; old events expire like the API
// server's 1 h event TTL.
import { rfc3339, type Event, type KubeObject } from '@kubelab/api';
import type { Logger } from 'pino';
import type { ObjectService } from '../registry/object-service';
import { resourceKey, type Strategy } from '../registry/strategy';
import { EventCorrelator, type CorrelatorOptions } from './events-cache';

export interface EventRecorderOptions {
  log: Logger;
  now?: () => Date;
  /** Events not repeated for this long are deleted by `sweep`. */
  ttlMs?: number;
  correlator?: CorrelatorOptions;
}

export class EventRecorder {
  private readonly now: () => Date;
  private readonly correlator: EventCorrelator;
  private seq = 0;

  constructor(
    private readonly service: ObjectService,
    private readonly opts: EventRecorderOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.correlator = new EventCorrelator({ now: this.now, ...opts.correlator });
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
    const stamp = rfc3339(this.now());
    // Kubernetes names events <object>.<unix nanoseconds in hex>; the sequence keeps a burst unique.
    const name = `${m.name}.${(this.now().getTime() * 1000 + (this.seq++ % 1000)).toString(16)}`;
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
    try {
      const c = this.correlator.correlate(event);
      if (c.action === 'skip') return;
      if (c.action === 'update') {
        // The same patch client-go sends (count, lastTimestamp, message), written straight to the store:
        // repeats are the hot path of a crash loop or of thousands of unschedulable pods.
        const key = resourceKey(this.strategy.info);
        const current = this.service.store.get(key, namespace, c.event.metadata.name!);
        if (current) {
          this.service.store.put(key, { ...current, ...c.patch }, 'MODIFIED');
          return;
        }
        // Expired or deleted meanwhile: record it again under the same name, as recordToSink does.
      }
      this.service.create(this.strategy, namespace, c.event);
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
  }
}
