import { describe, expect, it } from 'vitest';
import { endpointHash, ringLookup, stickyEndpoint } from './affinity';
import type { Upstream } from './route-table';

const up = (endpoints: string[]): Upstream => ({
  name: 'default-web-80',
  namespace: 'default',
  service: 'web',
  port: '80',
  endpoints,
  protocol: 'http',
});
const three = ['10.244.1.2:8080', '10.244.1.3:8080', '10.244.2.2:8080'];
const four = [...three, '10.244.2.3:8080'].sort();

/** 2000 sessions started against `first`: their cookie and the endpoint each lands on. */
function sessions(mode: 'balanced' | 'persistent', first: Upstream): { cookie: string; endpoint: string }[] {
  let rr = 0;
  const pick = () => first.endpoints[rr++ % first.endpoints.length];
  return Array.from({ length: 2000 }, () => {
    const c = stickyEndpoint(mode, first, undefined, pick);
    return { cookie: c.cookie as string, endpoint: c.endpoint as string };
  });
}

describe('affinity-mode', () => {
  it('balanced: a session keeps its endpoint; a scale-up moves about (n-c)/n of them, only to the new pod', () => {
    const before = up(three);
    const s = sessions('balanced', before);
    expect(s.every((x) => /^[0-9a-f]{40}$/.test(x.cookie))).toBe(true);
    // The cookie alone finds the endpoint again (no server-side state), and the cookie is not set again.
    for (const x of s.slice(0, 50)) expect(stickyEndpoint('balanced', before, x.cookie, () => undefined)).toEqual({ endpoint: x.endpoint });
    // The load spreads over the 3 pods.
    const per = new Map<string, number>();
    for (const x of s) per.set(x.endpoint, (per.get(x.endpoint) ?? 0) + 1);
    expect(per.size).toBe(3);
    for (const n of per.values()) expect(n).toBeGreaterThan(400);
    // Scale 3 -> 4: roughly a quarter of the sessions move, every one of them to the new pod.
    const after = up(four);
    const moved = s.filter((x) => stickyEndpoint('balanced', after, x.cookie, () => undefined).endpoint !== x.endpoint);
    expect(moved.length / s.length).toBeGreaterThan(0.12);
    expect(moved.length / s.length).toBeLessThan(0.4);
    for (const x of moved) expect(stickyEndpoint('balanced', after, x.cookie, () => undefined).endpoint).toBe('10.244.2.3:8080');
    // Scale back down: sessions of the pod that left move, the others stay.
    const down = up(three.slice(1));
    for (const x of s) {
      const now = stickyEndpoint('balanced', down, x.cookie, () => undefined).endpoint;
      if (x.endpoint === three[0]) expect(three.slice(1)).toContain(now);
      else expect(now).toBe(x.endpoint);
    }
  });

  it('persistent: a session stays on its pod whatever the scaling, and moves (with a new cookie) only when the pod is gone', () => {
    const before = up(three);
    const s = sessions('persistent', before);
    for (const x of s.slice(0, 3)) expect(x.cookie).toBe(endpointHash(x.endpoint));
    const after = up(four);
    for (const x of s) expect(stickyEndpoint('persistent', after, x.cookie, () => 'x:1')).toEqual({ endpoint: x.endpoint });
    const gone = s.find((x) => x.endpoint === three[0]) as { cookie: string };
    expect(stickyEndpoint('persistent', up(three.slice(1)), gone.cookie, () => three[1])).toEqual({
      endpoint: three[1],
      cookie: endpointHash(three[1]),
    });
  });

  it('no endpoints: no choice; any cookie value maps somewhere in balanced mode', () => {
    expect(stickyEndpoint('balanced', up([]), 'abc', () => undefined)).toEqual({});
    expect(stickyEndpoint('persistent', up([]), undefined, () => undefined)).toEqual({});
    expect(three).toContain(ringLookup(three, 'not-one-of-ours'));
  });
});
