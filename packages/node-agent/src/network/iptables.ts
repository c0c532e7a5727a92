// The node's iptables, rendered from its network model (model.ts) as one iptables-restore text per table,
// applied with --noflush (node-network.ts). Pure and deterministic: the same model gives byte-identical
// text, so an unchanged model applies nothing and a restarted agent renders what is already there.
//
// nat: the service proxy (service-rules.ts, kube-proxy's chains), hostPorts (KUBELAB-HOSTPORTS, like kind's
// portmap CNI) and the pod egress masquerade (KUBELAB-POSTROUTING). Pod to pod is never NATed (DESIGN.md
// §3: the server sees the client's pod IP); pod traffic leaving the cluster pod range through the node
// network is masqueraded to the node IP. filter: the service proxy's REJECTs and NetworkPolicy (policy-rules.ts).
import { isDynamicChainName } from './chain-names';
import type { HostPortModel, NetworkModel } from './model';
import { NETPOL_CHAIN, writePolicies } from './policy-rules';
import { CHAINS, LARGE_CLUSTER_ENDPOINTS, writeProxyBase, writeProxyTail, writeServicePort } from './service-rules';
import { comment, TableBuffer, type RenderedTable, type TableName } from './table-buffer';

export const POSTROUTING_CHAIN = 'KUBELAB-POSTROUTING';
export const HOSTPORTS_CHAIN = 'KUBELAB-HOSTPORTS';
export const OUTPUT_CHAIN = 'KUBELAB-OUTPUT';

/** A rule in a built-in chain that sends packets into one of ours, checked (-C) then inserted (-I). */
export interface JumpRule {
  table: TableName;
  chain: string;
  spec: string[];
}

const jump = (table: TableName, chain: string, target: string, text: string, extra: string[] = []): JumpRule => ({
  table,
  chain,
  spec: [...extra, '-m', 'comment', '--comment', text, '-j', target],
});
const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];
const LOCAL_DST = ['-m', 'addrtype', '--dst-type', 'LOCAL'];

/**
 * The jumps kube-proxy ensures (iptablesJumpChains) plus kubelab's own. Inserted at position 1 in reverse
 * order, so each built-in chain ends up starting with them in this order.
 */
export const JUMPS: JumpRule[] = [
  // First in FORWARD: NetworkPolicy decides before kube-proxy's KUBE-FORWARD accepts marked (masqueraded) flows.
  jump('filter', 'FORWARD', NETPOL_CHAIN, 'kubelab network policies'),
  jump('filter', 'INPUT', CHAINS.externalServices, 'kubernetes externally-visible service portals', NEW),
  jump('filter', 'FORWARD', CHAINS.externalServices, 'kubernetes externally-visible service portals', NEW),
  jump('filter', 'INPUT', CHAINS.nodePorts, 'kubernetes health check service ports'),
  jump('filter', 'FORWARD', CHAINS.services, 'kubernetes service portals', NEW),
  jump('filter', 'OUTPUT', CHAINS.services, 'kubernetes service portals', NEW),
  jump('filter', 'FORWARD', CHAINS.forward, 'kubernetes forwarding rules'),
  jump('nat', 'OUTPUT', CHAINS.services, 'kubernetes service portals'),
  jump('nat', 'PREROUTING', CHAINS.services, 'kubernetes service portals'),
  jump('nat', 'POSTROUTING', CHAINS.postrouting, 'kubernetes postrouting rules'),
  jump('nat', 'PREROUTING', HOSTPORTS_CHAIN, 'kubelab hostPort portals', LOCAL_DST),
  jump('nat', 'OUTPUT', HOSTPORTS_CHAIN, 'kubelab hostPort portals', LOCAL_DST),
  jump('nat', 'POSTROUTING', POSTROUTING_CHAIN, 'kubelab pod egress'),
  jump('filter', 'OUTPUT', OUTPUT_CHAIN, 'kubelab node output'),
];

function writeHostPort(nat: TableBuffer, h: HostPortModel): void {
  const src = h.source;
  const what = comment(`${src.namespace}/${src.name} hostPort ${h.hostPort}/${h.protocol}`);
  const match = `-m ${h.protocol} -p ${h.protocol}${h.hostIP ? ` -d ${h.hostIP}` : ''} --dport ${h.hostPort}`;
  // Hairpin, as portmap's CNI-HOSTPORT-SETMARK: the pod reaching its own host port sees the agent as source.
  nat.rule(HOSTPORTS_CHAIN, `${what} -s ${h.podIP} ${match} -j ${CHAINS.markMasq}`, src);
  nat.rule(HOSTPORTS_CHAIN, `${what} ${match} -j DNAT --to-destination ${h.podIP}:${h.containerPort}`, src);
}

function writeEgress(nat: TableBuffer, m: NetworkModel): void {
  const { podCidr, clusterPodCidr, nodeInterface } = m.node;
  const src = { kind: 'Node' as const, name: m.node.name };
  nat.chain(POSTROUTING_CHAIN);
  nat.rule(POSTROUTING_CHAIN, `-s ${podCidr} -d ${clusterPodCidr} ${comment('pod to pod: no NAT')} -j RETURN`, src);
  nat.rule(POSTROUTING_CHAIN, `-s ${podCidr} -o ${nodeInterface} ${comment('pod egress: masquerade to the node IP')} -j MASQUERADE`, src);
}

/**
 * Same-node pod traffic enters and leaves the agent on the pod network's interface, so the kernel sends the
 * client an ICMP redirect ("use the server directly"); a pod that obeys bypasses the agent, its replies
 * come back through it with no conntrack entry, and packets are lost (issue 8 item 6). The sysctl that
 * would stop it is per interface, ORed with `all`, and /proc/sys is read-only in a node container, so
 * the redirects are dropped on their way out instead.
 */
function writeNoRedirects(filter: TableBuffer, m: NetworkModel): void {
  filter.chain(OUTPUT_CHAIN);
  filter.rule(
    OUTPUT_CHAIN,
    `-p icmp -m icmp --icmp-type redirect ${comment('pods keep the agent as next hop: no ICMP redirects')} -j DROP`,
    { kind: 'Node', name: m.node.name },
  );
}

export interface RenderedTables {
  nat: RenderedTable;
  filter: RenderedTable;
}

export function renderTables(m: NetworkModel): RenderedTables {
  const nat = new TableBuffer('nat');
  const filter = new TableBuffer('filter');
  writeProxyBase(nat, filter);
  nat.chain(HOSTPORTS_CHAIN);
  const endpoints = m.servicePorts.reduce((n, s) => n + s.endpoints.length, 0);
  const large = endpoints > LARGE_CLUSTER_ENDPOINTS;
  for (const s of m.servicePorts) writeServicePort(nat, filter, s, m.node.clusterPodCidr, large);
  writeProxyTail(nat, filter, m.node.serviceCidr);
  for (const h of m.hostPorts) writeHostPort(nat, h);
  writeEgress(nat, m);
  writeNoRedirects(filter, m);
  writePolicies(filter, m.policy, m.node.nflog !== false);
  return { nat: nat.render(), filter: filter.render() };
}

/**
 * The restore text for one table plus the deletion of the per-service chains that exist now but are no
 * longer rendered (kube-proxy: declare them, which flushes them, then `-X` after every rule is rewritten).
 */
export function withStaleChainsDeleted(t: RenderedTable, existing: string[]): string {
  const wanted = new Set(t.chains);
  const stale = existing.filter((c) => isDynamicChainName(c) && !wanted.has(c)).sort();
  if (stale.length === 0) return t.text;
  const header = `*${t.table}\n`;
  const body = t.text.slice(header.length, t.text.length - 'COMMIT\n'.length);
  return `${header}${stale.map((c) => `:${c} - [0:0]\n`).join('')}${body}${stale.map((c) => `-X ${c}\n`).join('')}COMMIT\n`;
}

/** What a table's chains hold: chain -> its rules as restore lines ("" for an empty chain). */
export type ChainContents = Map<string, string>;

export function chainContents(t: RenderedTable): ChainContents {
  const lines = new Map<string, string[]>(t.chains.map((c) => [c, []]));
  for (const r of t.rules) lines.get(r.chain)?.push(`-A ${r.chain} ${r.spec}`);
  return new Map([...lines].map(([c, l]) => [c, l.join('\n')]));
}

/**
 * The iptables-restore input that takes a table from `previous` (what this agent last applied) to `t`:
 * kube-proxy's partial sync. Only chains whose rules changed are declared (flushed) and rewritten; chains
 * that are gone are flushed and deleted; untouched chains are left out (--noflush keeps them). Without a
 * `previous` (first sync, after a failure) the whole table, deleting stale per-service chains in `existing`.
 * Returns "" when nothing changed.
 */
export function restoreInput(t: RenderedTable, previous: ChainContents | undefined, existing: string[] = []): string {
  if (!previous) return withStaleChainsDeleted(t, existing);
  const next = chainContents(t);
  const changed = t.chains.filter((c) => previous.get(c) !== next.get(c));
  const removed = [...previous.keys()].filter((c) => !next.has(c)).sort();
  if (changed.length === 0 && removed.length === 0) return '';
  const lines = [`*${t.table}`, ...[...changed, ...removed].map((c) => `:${c} - [0:0]`)];
  for (const c of changed) if (next.get(c)) lines.push(next.get(c) as string);
  for (const c of removed) lines.push(`-X ${c}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}
