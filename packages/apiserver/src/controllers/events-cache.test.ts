import { describe, expect, it } from 'vitest';
import type { Event } from '@kubelab/api';
import { combinedPrefix, EventCorrelator } from './events-cache';

let clock = Date.parse('2026-01-01T00:00:00Z');
const now = (): Date => new Date(clock);
let seq = 0;

function ev(message: string, reason = 'SuccessfulCreate', name = 'web-abc'): Event {
  const stamp = now()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.${seq++}`, namespace: 'default' },
    involvedObject: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name, namespace: 'default', uid: 'u1' },
    reason,
    message,
    type: 'Normal',
    source: { component: 'replicaset-controller' },
    count: 1,
    firstTimestamp: stamp,
    lastTimestamp: stamp,
  };
}

describe('EventCorrelator', () => {
  it('turns a repeat into an update of the first event: count and lastTimestamp', () => {
    const c = new EventCorrelator({ now });
    const first = c.correlate(ev('Back-off restarting failed container', 'BackOff'));
    expect(first.action).toBe('create');
    clock += 5000;
    const again = c.correlate(ev('Back-off restarting failed container', 'BackOff'));
    expect(again).toMatchObject({ action: 'update', patch: { count: 2, lastTimestamp: '2026-01-01T00:00:05Z' } });
    expect(again.action === 'update' && again.event.metadata.name).toBe(first.action === 'create' && first.event.metadata.name);
    expect(c.correlate(ev('Back-off restarting failed container', 'BackOff'))).toMatchObject({ patch: { count: 3 } });
  });

  it('combines similar events after 10 distinct messages in 10 minutes', () => {
    const c = new EventCorrelator({ now, spamBurst: 1000 });
    const results = Array.from({ length: 30 }, (_, i) => c.correlate(ev(`Created pod: web-abc-${i}`)));
    // Nine distinct events, then one combined event counted up.
    expect(results.slice(0, 9).every((r) => r.action === 'create')).toBe(true);
    const tenth = results[9];
    expect(tenth.action).toBe('create');
    expect(tenth.action === 'create' && tenth.event.message).toBe(`${combinedPrefix}Created pod: web-abc-9`);
    const last = results[29];
    expect(last).toMatchObject({ action: 'update', patch: { count: 21, message: `${combinedPrefix}Created pod: web-abc-29` } });
    expect(results.filter((r) => r.action === 'create')).toHaveLength(10);
  });

  it('starts over when similar events are more than 10 minutes apart', () => {
    const c = new EventCorrelator({ now, spamBurst: 1000 });
    for (let i = 0; i < 9; i++) c.correlate(ev(`m${i}`, 'Killing', 'other'));
    clock += 601_000;
    expect(c.correlate(ev('m9', 'Killing', 'other'))).toMatchObject({ action: 'create', event: { message: 'm9' } });
  });

  it('drops events beyond a burst of 25 per object, refilling one per 5 minutes', () => {
    const c = new EventCorrelator({ now });
    const results = Array.from({ length: 40 }, () => c.correlate(ev('0/3 nodes are available', 'FailedScheduling', 'spam')));
    expect(results.filter((r) => r.action !== 'skip')).toHaveLength(25);
    clock += 300_000;
    expect(c.correlate(ev('0/3 nodes are available', 'FailedScheduling', 'spam')).action).toBe('update');
    expect(c.correlate(ev('0/3 nodes are available', 'FailedScheduling', 'spam')).action).toBe('skip');
  });
});
