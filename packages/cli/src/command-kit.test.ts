import { describe, expect, it } from 'vitest';
import { parseDuration } from './command-kit';
import { pollUntil, PollTimeout, type Clock } from './poll';

describe('parseDuration (Go durations, as kubectl flags take them)', () => {
  it('reads units and combinations; a bare number is seconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2')).toBe(2000);
  });
  it('rejects anything else', () => {
    expect(() => parseDuration('5 minutes')).toThrow(/invalid duration/);
    expect(() => parseDuration('')).toThrow(/invalid duration/);
  });
});

describe('pollUntil', () => {
  function fakeClock(): Clock & { t: number } {
    const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
    return c;
  }

  it('returns once the check passes', async () => {
    const clock = fakeClock();
    let calls = 0;
    await pollUntil(async () => ++calls === 3, { intervalMs: 100, timeoutMs: 1000, waitingFor: 'x', clock });
    expect(calls).toBe(3);
    expect(clock.t).toBe(200);
  });

  it('gives up at the deadline, naming what it waited for', async () => {
    const clock = fakeClock();
    await expect(
      pollUntil(async () => false, { intervalMs: 300, timeoutMs: 1000, waitingFor: 'the condition on pods/web', clock }),
    ).rejects.toThrow(new PollTimeout('the condition on pods/web'));
    expect(clock.t).toBe(1000);
  });
});
