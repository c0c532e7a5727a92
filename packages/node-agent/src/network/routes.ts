// host-gw pod routes (DESIGN.md §3): every other node's pod CIDR via that node's InternalIP on the node
// network. Pure: the wanted routes come from Node objects, the diff from `ip -j route` output.
import { cidrContains, cidrsOverlap, parseCidr, type Node } from '@kubelab/api';

export interface PodRoute {
  cidr: string;
  via: string;
}

/** One row of `ip -j -4 route show`. */
export interface RouteRow {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
}

export function internalIp(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** Routes to the pod CIDRs of all nodes but this one, in a stable order. Nodes without both facts are skipped. */
export function desiredRoutes(nodes: Node[], self: string, ownPodCidr: string): PodRoute[] {
  const out: PodRoute[] = [];
  for (const n of nodes) {
    if (n.metadata.name === self) continue;
    const cidr = n.spec?.podCIDR;
    const via = internalIp(n);
    if (!cidr || !via) continue;
    try {
      parseCidr(cidr);
    } catch {
      continue;
    }
    // A node claiming our own range would hijack local pods' traffic: never route it away.
    if (cidrsOverlap(cidr, ownPodCidr)) continue;
    out.push({ cidr, via });
  }
  return out.sort((a, b) => a.cidr.localeCompare(b.cidr));
}

function normalizeDst(dst: string): string {
  return dst.includes('/') ? dst : `${dst}/32`;
}

/**
 * What to change so the routes into the cluster pod range match `desired`: replace missing or wrong ones,
 * delete gateway routes inside the cluster pod range that no node claims any more. The kernel's own link
 * route for this node's pod network and anything outside the cluster pod range are left alone.
 */
export function diffRoutes(
  current: RouteRow[],
  desired: PodRoute[],
  clusterPodCidr: string,
  ownPodCidr: string,
): { replace: PodRoute[]; remove: RouteRow[] } {
  const cluster = parseCidr(clusterPodCidr);
  const managed = current.filter((r) => {
    if (r.dst === 'default' || !r.gateway) return false;
    const dst = normalizeDst(r.dst);
    const c = parseCidr(dst);
    return c.prefix >= cluster.prefix && cidrContains(clusterPodCidr, dst.split('/')[0]) && dst !== ownPodCidr;
  });
  const byDst = new Map(managed.map((r) => [normalizeDst(r.dst), r]));
  const replace = desired.filter((d) => byDst.get(d.cidr)?.gateway !== d.via);
  const wanted = new Set(desired.map((d) => d.cidr));
  const remove = managed.filter((r) => !wanted.has(normalizeDst(r.dst)));
  return { replace, remove };
}
