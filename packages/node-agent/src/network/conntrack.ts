// Stale UDP flows, as kube-proxy clears them (pkg/proxy/conntrack CleanStaleEntries): UDP has no
// connection end, so a client that keeps its source port (a resolver, a game, `nc -u -p`) keeps matching
// the conntrack entry that DNATed it to an endpoint that is gone, and its packets vanish until the entry
// times out. After each successful sync, the entries DNATed to endpoints a UDP service port no longer uses
// are deleted. Pure: the `conntrack -D` argument lists; node-network.ts runs them.
import type { NetworkModel, ServicePortModel } from './model';
import { categorizeEndpoints } from './service-rules';

function usedEndpoints(s: ServicePortModel): Set<string> {
  return new Set(categorizeEndpoints(s).reachable.map((e) => e.ip));
}

/** `conntrack -D ...` argument lists for flows to endpoints that `next` dropped from a UDP service port. */
export function staleUdpFlows(previous: NetworkModel | undefined, next: NetworkModel): string[][] {
  if (!previous) return [];
  const now = new Map(next.servicePorts.filter((s) => s.protocol === 'udp').map((s) => [s.name, s]));
  const out: string[][] = [];
  for (const before of previous.servicePorts) {
    if (before.protocol !== 'udp') continue;
    const after = now.get(before.name);
    const still = after ? usedEndpoints(after) : new Set<string>();
    for (const ip of [...usedEndpoints(before)].sort()) {
      if (still.has(ip)) continue;
      for (const vip of [before.clusterIP, ...before.externalIPs, ...before.loadBalancerIPs])
        out.push(['-D', '-p', 'udp', '--orig-dst', vip, '--dst-nat', ip]);
      if (before.nodePort) out.push(['-D', '-p', 'udp', '--dport', String(before.nodePort), '--dst-nat', ip]);
    }
  }
  return out;
}
