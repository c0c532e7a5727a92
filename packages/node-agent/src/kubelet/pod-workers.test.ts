import { describe, expect, it } from 'vitest';
import { PodWorkers } from './pod-workers';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('PodWorkers', () => {
  it('serializes syncs of one pod and coalesces events that arrive meanwhile into one more sync', async () => {
    const calls: string[] = [];
    const gates: ReturnType<typeof deferred>[] = [];
    const w = new PodWorkers(
      async (k) => {
        calls.push(k);
        const d = deferred();
        gates.push(d);
        await d.promise;
      },
      { concurrency: 4, onError: () => undefined },
    );
    w.enqueue('a');
    w.enqueue('a');
    w.enqueue('a');
    await tick();
    expect(calls).toEqual(['a']);
    gates[0].resolve();
    await tick();
    expect(calls).toEqual(['a', 'a']);
    gates[1].resolve();
    await tick();
    expect(calls).toEqual(['a', 'a']);
  });

  it('limits concurrency across pods', async () => {
    let active = 0;
    let peak = 0;
    const w = new PodWorkers(
      async () => {
        active++;
        peak = Math.max(peak, active);
        await tick();
        active--;
      },
      { concurrency: 2, onError: () => undefined },
    );
    for (const k of ['a', 'b', 'c', 'd', 'e']) w.enqueue(k);
    await w.stop().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('runs terminations outside the limit: a long stop never holds a slot other pods need', async () => {
    const calls: string[] = [];
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const w = new PodWorkers(
      async (k) => {
        calls.push(k);
        const d = deferred();
        gates.set(k, d);
        await d.promise;
      },
      { concurrency: 1, onError: () => undefined, unlimited: (k) => k.startsWith('gone-') },
    );
    w.enqueue('gone-1');
    w.enqueue('gone-2');
    w.enqueue('a');
    w.enqueue('b');
    await tick();
    expect(calls).toEqual(['gone-1', 'gone-2', 'a']);
    gates.get('a')!.resolve();
    await tick();
    expect(calls).toEqual(['gone-1', 'gone-2', 'a', 'b']);
    for (const g of gates.values()) g.resolve();
  });

  it('reports errors and keeps going; enqueueAfter keeps the earliest timer', async () => {
    const errors: string[] = [];
    const calls: string[] = [];
    const w = new PodWorkers(
      async (k) => {
        calls.push(k);
        if (k === 'bad') throw new Error('boom');
      },
      { concurrency: 1, onError: (k, e) => errors.push(`${k}: ${(e as Error).message}`) },
    );
    w.enqueue('bad');
    w.enqueueAfter('x', 50);
    w.enqueueAfter('x', 5);
    w.enqueueAfter('x', 100);
    await new Promise((r) => setTimeout(r, 30));
    expect(errors).toEqual(['bad: boom']);
    expect(calls).toEqual(['bad', 'x']);
    await w.stop();
  });
});
