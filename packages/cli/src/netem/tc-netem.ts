// The real thing, for kernels that have it: `kubelab netem set` as tc-netem qdiscs (tc-netem(8)). Pure: the
// command lines the helper runs in the target's namespace; the helper tries them first and falls back to the
// iptables + NFQUEUE emulation (netem-spec.ts) when the kernel or the image lacks a piece (sch_netem or
// sch_prio unknown, a distribution table missing).
//
// One entry for everything: netem is the interface's root qdisc. Entries for peers (A--B): a prio root with
// one band per peer plus a last band for the rest, a netem under each band that has an impairment, and u32
// filters sending a peer's packets to its band; everything else falls through the priomap to the last band.
// So a pair's impairment replaces, not adds to, the namespace-wide one for that peer, as in the emulation.
import { CliError } from '../errors';
import type { NetemEntry, NetemSpec } from './netem-spec';

const num = (n: number): string => String(Number(n.toFixed(3)));

/** tc's rate text: bit/s in the largest SI unit that keeps it whole. */
export function tcRate(bps: number): string {
  for (const [unit, f] of [
    ['gbit', 1e9],
    ['mbit', 1e6],
    ['kbit', 1e3],
  ] as const)
    if (bps >= f && Number.isInteger(bps / f)) return `${bps / f}${unit}`;
  return `${Math.round(bps)}bit`;
}

/**
 * netem's options for a spec, in tc-netem(8)'s order. A uniform jitter is netem's default (no table);
 * `distribution` names a table tc loads from its lib directory. `reorder` without `gap` is iproute2's gap 1:
 * every packet may jump the queue.
 */
export function tcNetemOptions(s: NetemSpec): string {
  const o: string[] = [];
  if (s.delayMs) {
    o.push(`delay ${num(s.delayMs)}ms`);
    if (s.jitterMs) o.push(`${num(s.jitterMs)}ms`);
    if (s.jitterMs && s.distribution && s.distribution !== 'uniform') o.push(`distribution ${s.distribution}`);
  }
  if (s.loss) o.push(`loss ${num(s.loss)}%`);
  if (s.duplicate) o.push(`duplicate ${num(s.duplicate)}%`);
  if (s.corrupt) o.push(`corrupt ${num(s.corrupt)}%`);
  if (s.reorder) o.push(`reorder ${num(s.reorder)}%${s.gap ? ` gap ${s.gap}` : ''}`);
  if (s.rateBps) o.push(`rate ${tcRate(s.rateBps)}`);
  return o.join(' ');
}

/** prio's band limit (TCQ_PRIO_BANDS): peers plus the band for everything else. */
export const MAX_TC_PEERS = 15;

export interface TcPlan {
  /** Run in order; the first failure means the tc path is not available (or the spec is wrong). */
  setup: string[];
  /** Takes it all out again (the root qdisc goes, its children and filters with it). */
  teardown: string;
}

export function tcPlan(entries: NetemEntry[], iface: string): TcPlan {
  const dev = `dev ${iface}`;
  const teardown = `tc qdisc del ${dev} root 2>/dev/null || true`;
  const peers = entries.filter((e) => e.peerIP);
  const all = entries.find((e) => !e.peerIP);
  // `replace`: a qdisc left by an earlier helper (killed before its cleanup) is swapped, not an error.
  if (peers.length === 0)
    return { setup: all ? [`tc qdisc replace ${dev} root handle 1: netem ${tcNetemOptions(all.spec)}`] : [], teardown };
  if (peers.length > MAX_TC_PEERS) throw new CliError(`tc netem: at most ${MAX_TC_PEERS} pairs per target (prio has 16 bands)`);
  const rest = peers.length; // 0-based band of everything else
  const bands = peers.length + 1;
  const setup = [
    `tc qdisc del ${dev} root 2>/dev/null || true`,
    `tc qdisc add ${dev} root handle 1: prio bands ${bands} priomap ${Array(16).fill(rest).join(' ')}`,
  ];
  peers.forEach((p, i) => {
    setup.push(`tc qdisc add ${dev} parent 1:${i + 1} handle ${10 + i}: netem ${tcNetemOptions(p.spec)}`);
    setup.push(`tc filter add ${dev} parent 1: protocol ip prio 1 u32 match ip dst ${p.peerIP}/32 flowid 1:${i + 1}`);
  });
  if (all) setup.push(`tc qdisc add ${dev} parent 1:${rest + 1} handle ${10 + rest}: netem ${tcNetemOptions(all.spec)}`);
  return { setup, teardown };
}
