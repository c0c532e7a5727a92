// Cookie affinity (nginx.ingress.kubernetes.io/affinity: cookie) in ingress-nginx's two affinity modes
// (rootfs/etc/nginx/lua/balancer/sticky_*.lua):
// - balanced (default): the cookie holds a random key that a consistent-hash ring maps onto the upstream's
//   endpoints. When the Deployment scales up, the ring gains points and roughly (n-c)/n of the keys move to the
//   new pods (sessions are rebalanced); a key whose pod left maps to a remaining one. The cookie is never rewritten.
// - persistent: the cookie names one endpoint (a hash of its address); the session stays there for as long as
//   that endpoint is ready, whatever the scaling; when it is gone a new endpoint is picked and the cookie is set again.
import { createHash, randomBytes } from 'node:crypto';
import type { Upstream } from './route-table';

const hashCache = new Map<string, string>();

/** The persistent cookie's value for an endpoint (a stable hash of `ip:port`). */
export function endpointHash(ep: string): string {
  let h = hashCache.get(ep);
  if (!h) {
    h = createHash('sha1').update(ep).digest('hex');
    if (hashCache.size > 10_000) hashCache.clear();
    hashCache.set(ep, h);
  }
  return h;
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32): FNV alone clusters keys that differ only in their last characters.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Points per endpoint on the ring (resty.chash places 160 per unit of weight). */
const POINTS = 160;

interface Ring {
  points: Uint32Array;
  owners: string[];
}

// One ring per endpoint list: a route table rebuild makes new Upstream objects, so a stale ring is never used.
const rings = new WeakMap<string[], Ring>();

function ringOf(endpoints: string[]): Ring {
  let r = rings.get(endpoints);
  if (r) return r;
  const all: { p: number; ep: string }[] = [];
  for (const ep of endpoints) for (let i = 0; i < POINTS; i++) all.push({ p: fnv1a(`${ep}#${i}`), ep });
  all.sort((a, b) => a.p - b.p || (a.ep < b.ep ? -1 : 1));
  r = { points: Uint32Array.from(all.map((x) => x.p)), owners: all.map((x) => x.ep) };
  rings.set(endpoints, r);
  return r;
}

/** The endpoint a balanced-mode key maps to: the first ring point at or after the key's hash. */
export function ringLookup(endpoints: string[], key: string): string | undefined {
  if (endpoints.length === 0) return undefined;
  const { points, owners } = ringOf(endpoints);
  const h = fnv1a(key);
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid] < h) lo = mid + 1;
    else hi = mid;
  }
  return owners[lo === points.length ? 0 : lo];
}

export interface StickyChoice {
  endpoint?: string;
  /** The cookie value to set (a new session), undefined when the client's cookie stays valid. */
  cookie?: string;
}

/**
 * The endpoint for a request of an affinity location, from the client's cookie value (undefined without one).
 * `pick` is the upstream's round robin, used by persistent mode for a new session.
 */
export function stickyEndpoint(
  mode: 'balanced' | 'persistent',
  up: Upstream,
  cookie: string | undefined,
  pick: () => string | undefined,
): StickyChoice {
  if (up.endpoints.length === 0) return {};
  if (mode === 'balanced') {
    if (cookie) return { endpoint: ringLookup(up.endpoints, cookie) };
    const key = randomBytes(20).toString('hex');
    return { endpoint: ringLookup(up.endpoints, key), cookie: key };
  }
  if (cookie) {
    const ep = up.endpoints.find((e) => endpointHash(e) === cookie);
    if (ep) return { endpoint: ep };
  }
  const ep = pick();
  return ep ? { endpoint: ep, cookie: endpointHash(ep) } : {};
}
