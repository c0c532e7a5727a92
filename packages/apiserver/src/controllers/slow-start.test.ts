import { describe, expect, it } from 'vitest';
import { slowStartBatch } from './slow-start';

describe('slowStartBatch', () => {
  it('creates in batches of 1, 2, 4, ... up to the count, yielding between batches', async () => {
    const batches: number[] = [0];
    const r = await slowStartBatch(
      20,
      1,
      () => batches[batches.length - 1]++,
      async () => void batches.push(0),
      Infinity,
    );
    expect(r).toEqual({ successes: 20 });
    expect(batches).toEqual([1, 2, 4, 8, 5]);
  });

  it('stops after the first batch with a failure, reporting the successes and the error', async () => {
    let calls = 0;
    const r = await slowStartBatch(
      100,
      1,
      () => {
        calls++;
        if (calls === 5) throw new Error('quota exceeded');
      },
      async () => {},
    );
    // Batches 1 and 2 succeed; the batch of 4 (calls 4-7) has the failure, and nothing runs after it.
    expect(calls).toBe(7);
    expect(r.successes).toBe(6);
    expect((r.error as Error).message).toBe('quota exceeded');
  });

  it('also yields inside a large batch once a slice of work is used up', async () => {
    let pauses = 0;
    await slowStartBatch(
      8,
      8,
      () => {
        const until = performance.now() + 2;
        while (performance.now() < until);
      },
      async () => void pauses++,
      3,
    );
    expect(pauses).toBeGreaterThan(1);
  });
});
