// v1 Events about pods, as the kubelet records them (source.component "kubelet", host = node). A repeat of
// the same event within ten minutes bumps count and lastTimestamp instead of creating a new object, like
// client-go's event correlator. Fire and forget: an event that cannot be written is logged, never thrown.
import { rfc3339, type Event } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import type { Logger } from 'pino';
import type { PodRef } from './names';
import { EVENTS } from './resources';

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  record(ref: PodRef, type: EventType, reason: string, message: string, container?: { name: string; init?: boolean }): void;
}

interface Seen {
  name: string;
  count: number;
  first: string;
  at: number;
}

const AGGREGATE_MS = 10 * 60_000;

export function eventName(podName: string, nowMs: number, seq: number): string {
  // The kubelet uses <pod>.<unix nanos in hex>; a sequence keeps names unique within a millisecond.
  return `${podName}.${(BigInt(nowMs) * 1_000_000n + BigInt(seq % 1_000_000)).toString(16)}`;
}

export function fieldPath(container?: { name: string; init?: boolean }): string | undefined {
  if (!container) return undefined;
  return `spec.${container.init ? 'initContainers' : 'containers'}{${container.name}}`;
}

export class EventRecorder implements EventSink {
  private readonly seen = new Map<string, Seen>();
  private seq = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly node: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  record(ref: PodRef, type: EventType, reason: string, message: string, container?: { name: string; init?: boolean }): void {
    void this.write(ref, type, reason, message, fieldPath(container)).catch((err) =>
      this.log.debug({ err: (err as Error).message, pod: `${ref.namespace}/${ref.name}`, reason }, 'event not recorded'),
    );
  }

  private async write(ref: PodRef, type: EventType, reason: string, message: string, path: string | undefined): Promise<void> {
    const nowMs = this.now();
    const stamp = rfc3339(new Date(nowMs));
    const key = [ref.uid, path ?? '', type, reason, message].join('\u0000');
    const prior = this.seen.get(key);
    if (prior && nowMs - prior.at < AGGREGATE_MS) {
      prior.count++;
      prior.at = nowMs;
      try {
        await this.client.patch(EVENTS, prior.name, { count: prior.count, lastTimestamp: stamp }, ref.namespace);
        return;
      } catch {
        // Gone (expired or deleted): fall through and create it afresh.
      }
    }
    if (this.seen.size > 2000) this.prune(nowMs);
    const name = eventName(ref.name, nowMs, this.seq++);
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ref.namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: ref.namespace,
        name: ref.name,
        uid: ref.uid,
        ...(path ? { fieldPath: path } : {}),
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      source: { component: 'kubelet', host: this.node },
      reportingComponent: 'kubelet',
      reportingInstance: this.node,
    };
    this.seen.set(key, { name, count: 1, first: stamp, at: nowMs });
    await this.client.create(EVENTS, event, ref.namespace);
  }

  private prune(nowMs: number): void {
    for (const [k, s] of this.seen) if (nowMs - s.at >= AGGREGATE_MS) this.seen.delete(k);
  }
}
