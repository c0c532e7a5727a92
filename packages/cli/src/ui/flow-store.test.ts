import { describe, expect, it } from 'vitest';
import type { Flow } from '../flows/flows';
import { FlowStore } from './flow-store';

const conn = (sport: number): Flow => ({
  node: 'w1',
  verdict: 'FORWARDED',
  protocol: 'TCP',
  src: { ip: '10.244.1.2', port: sport, pod: 'default/client' },
  dst: { ip: '10.244.2.3', port: 8080, pod: 'default/web' },
});
const drop = (sport: number, time: number): Flow => ({ ...conn(sport), verdict: 'DROPPED', time, policies: ['default/deny'] });

describe('FlowStore', () => {
  it('counts each connection once across reads and says when the set changed', () => {
    let now = 1_000_000;
    const s = new FlowStore(60_000, () => now);
    expect(s.add([conn(1), conn(2)])).toBe(true);
    now += 1000;
    expect(s.add([conn(1), conn(2)])).toBe(false);
    expect(s.list()).toHaveLength(2);
    expect(s.add([conn(3)])).toBe(true);
    expect(s.list()).toHaveLength(3);
  });

  it('remembers a connection conntrack forgot until the window passes', () => {
    let now = 1_000_000;
    const s = new FlowStore(60_000, () => now);
    s.add([conn(1)]);
    now += 59_000;
    expect(s.add([])).toBe(false);
    expect(s.list()).toHaveLength(1);
    now += 2_000;
    expect(s.add([])).toBe(true);
    expect(s.list()).toHaveLength(0);
  });

  it('ignores drops older than the window and ages drops by their own time', () => {
    const now = 1_000_000;
    const s = new FlowStore(60_000, () => now);
    s.add([drop(1, now - 120_000), drop(2, now - 30_000)]);
    expect(s.list().map((f) => f.src.port)).toEqual([2]);
  });

  it('lists a pod flows newest first', () => {
    let now = 1_000_000;
    const s = new FlowStore(60_000, () => now);
    s.add([conn(1)]);
    now += 10;
    s.add([conn(2)]);
    expect(s.ofPod('default/web').map((f) => f.src.port)).toEqual([2, 1]);
    expect(s.ofPod('default/other')).toEqual([]);
  });
});
