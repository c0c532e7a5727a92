// A trace to a DNS name: the names the source pod's resolver would try (its search path, ndots 5; see
// dns/lookups.ts) asked of the cluster DNS in turn, as glibc does, until one has an address. Pure parts.
import { expansions } from '../dns/lookups';

export interface DigAnswer {
  status: string;
  addresses: string[];
}

/** dig's default output: the header's status and the A records of the answer section. */
export function parseDig(out: string): DigAnswer {
  const status = /status: ([A-Z]+)/.exec(out)?.[1] ?? (/timed out|no servers could be reached/.test(out) ? 'TIMEOUT' : 'UNKNOWN');
  const addresses = [...out.matchAll(/^\S+\s+\d+\s+IN\s+A\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]);
  return { status, addresses };
}

/** The order a pod's resolver tries a name: as it is first when it has a trailing dot or 5+ dots. */
export function tryOrder(name: string, namespace: string, zone = 'cluster.local'): string[] {
  if (name.endsWith('.')) return [name];
  const expanded = expansions(name, namespace, zone);
  const bare = expanded[expanded.length - 1];
  return name.split('.').length - 1 >= 5 ? [bare, ...expanded.slice(0, -1)] : expanded;
}

export interface Resolution {
  tried: Array<{ name: string; status: string; addresses: string[] }>;
  address?: string;
}

export function describeResolution(asked: string, r: Resolution): string {
  const steps = r.tried.map((t) => `${t.name} ${t.addresses.length ? `A ${t.addresses.join(', ')}` : t.status}`).join('; ');
  return `${asked} -> ${r.address ?? 'no address'} (asked 10.96.0.10: ${steps})`;
}
