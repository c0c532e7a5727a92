import { describe, expect, it } from 'vitest';
import { Backoff, goDuration } from './backoff';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('Backoff (kubelet flowcontrol semantics)', () => {
  const policy = { baseMs: 10_000, maxMs: 300_000 };

  it('restarts the first crash at once, then waits 10s, 20s, 40s ... capped at 300s', () => {
    const c = clock();
    const b = new Backoff(policy, c.now);
    const delays: number[] = [];
    for (let crash = 0; crash < 8; crash++) {
      const finished = c.now();
      const wait = b.remainingMs('k', finished);
      delays.push(wait);
      c.advance(wait);
      b.next('k', finished);
      c.advance(1000); // runs a second after the restart, then crashes again
    }
    expect(delays).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(b.get('k')).toBe(300_000);
  });

  it('reports the current delay while in back-off', () => {
    const c = clock();
    const b = new Backoff(policy, c.now);
    b.next('k', c.now());
    expect(b.isInBackoffSince('k', c.now())).toBe(true);
    expect(b.get('k')).toBe(10_000);
    c.advance(10_001);
    expect(b.isInBackoffSince('k', c.now() - 10_001)).toBe(false);
  });

  it('starts over after the container ran longer than twice the cap (10 minutes)', () => {
    const c = clock();
    const b = new Backoff(policy, c.now);
    for (let i = 0; i < 4; i++) b.next('k', c.now());
    expect(b.get('k')).toBe(80_000);
    c.advance(10 * 60_000 + 1);
    const finished = c.now();
    expect(b.isInBackoffSince('k', finished)).toBe(false);
    b.next('k', finished);
    expect(b.get('k')).toBe(10_000);
  });

  it('honours a shortened base for tests', () => {
    const c = clock();
    const b = new Backoff({ baseMs: 100, maxMs: 3000 }, c.now);
    b.next('k', c.now());
    b.next('k', c.now());
    expect(b.get('k')).toBe(200);
    expect(() => new Backoff({ baseMs: 0, maxMs: 1 })).toThrow(RangeError);
  });

  it('retain drops entries of deleted pods', () => {
    const b = new Backoff(policy);
    b.next('uid1/web', Date.now());
    b.next('uid2/web', Date.now());
    b.retain((k) => !k.startsWith('uid1/'));
    expect(b.get('uid1/web')).toBe(0);
    expect(b.get('uid2/web')).toBe(10_000);
  });
});

describe('goDuration', () => {
  it('formats like Go time.Duration', () => {
    expect(goDuration(10_000)).toBe('10s');
    expect(goDuration(20_000)).toBe('20s');
    expect(goDuration(160_000)).toBe('2m40s');
    expect(goDuration(300_000)).toBe('5m0s');
    expect(goDuration(200)).toBe('200ms');
    expect(goDuration(1500)).toBe('1.5s');
  });
});
