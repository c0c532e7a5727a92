// How `kubelab trace` prints: a headline, the probe's result, one row per hop (node, network namespace,
// table:chain:rule#, counter delta, the rule without its comment, the object the comment names, NAT, the
// packet's conntrack state where the kernel's trace shows it), the conntrack entry, and the conclusion; or
// all of it as JSON. Pure.
import { tabwrite } from '../printers/tabwriter';
import type { FaultNote } from './faults';
import type { Hop } from './simulate';

export interface TraceReport {
  headline: string;
  /** How DST's name resolved, when it was a DNS name. */
  dns?: string;
  probe?: string;
  /** The packet was real traffic (--live), not a probe: `probe` says which. */
  live?: boolean;
  hops: Hop[];
  conntrack?: string;
  /** When the model and the probe disagree, what differs. */
  mismatch?: string;
  /** Hop numbers of the rows, when only some of the path is shown (--dropped-only). */
  numbers?: number[];
  /** How an Ingress URL routes (rule, Service, endpoints), when DST was one. */
  ingress?: string;
  /** Faults set on purpose (netem, partition) on the pods and nodes of the path. */
  faults?: FaultNote[];
  conclusion: string;
  explainOnly: boolean;
}

/** A command as a shell would take it back (for the probe line). */
export function shellWords(cmd: string[]): string {
  return cmd.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The rule as printed in a row: without "-A CHAIN" and the comment (the OBJECT column says it). */
export function shortRule(text: string): string {
  return text
    .replace(/^-A \S+ /, '')
    .replace(/ ?-m comment --comment (?:"(?:[^"\\]|\\.)*"|\S+)/, '')
    .trim();
}

export function formatTrace(r: TraceReport): string {
  const out = [r.headline];
  if (r.dns) out.push(`dns: ${r.dns}`);
  if (r.ingress) out.push(`ingress: ${r.ingress}`);
  if (r.probe) out.push(`${r.live ? 'live' : 'probe'}: ${r.probe}`);
  out.push('');
  const traced = r.hops.some((h) => h.traced !== undefined);
  const ttls = r.hops.some((h) => h.ttl !== undefined);
  const cts = r.hops.some((h) => h.ctstate !== undefined);
  const rows = [
    [
      'HOP',
      'NODE',
      'NETNS',
      ...(ttls ? ['IFACE'] : []),
      'WHERE',
      ...(r.explainOnly ? [] : ['PKTS']),
      ...(ttls ? ['TTL'] : []),
      'RULE / ROUTE',
      'OBJECT',
      'NAT',
      ...(cts ? ['CT STATE'] : []),
      ...(traced ? ['KERNEL TRACE'] : []),
    ],
  ];
  // TTL where it changes: the first row the kernel saw, then each row where the packet's TTL differs.
  let lastTtl: number | undefined;
  r.hops.forEach((h, i) => {
    const delta = h.ruleRef ? (h.delta === undefined ? '?' : `+${h.delta}`) : '';
    const ttl = h.ttl !== undefined && h.ttl !== lastTtl ? String(h.ttl) : '';
    if (h.ttl !== undefined) lastTtl = h.ttl;
    // A pod's row starts a new packet (the router's own connection): its first TTL shows again.
    if (h.netns.startsWith('pod ')) lastTtl = undefined;
    rows.push([
      String(r.numbers?.[i] ?? i + 1),
      h.node ?? '-',
      h.netns,
      ...(ttls ? [h.iface ?? ''] : []),
      h.ruleRef ?? h.where,
      ...(r.explainOnly ? [] : [delta]),
      ...(ttls ? [ttl] : []),
      h.rule ? shortRule(h.text) + (h.uncertain ? ' (?)' : '') : h.text,
      h.object?.text ?? '',
      h.nat ?? '',
      ...(cts ? [h.ctstate ?? ''] : []),
      ...(traced ? [h.traced === undefined ? '' : h.traced ? 'matched' : 'not seen'] : []),
    ]);
  });
  // No rows (--dropped-only of a packet that was delivered): no table either.
  if (r.hops.length) {
    out.push(tabwrite(rows.map((cells) => cells.join('\t')).join('\n'), { padding: 2 }).replace(/ +$/gm, ''));
    out.push('');
  }
  for (const f of r.faults ?? []) out.push(`hop ${f.hop}: ${f.text}`);
  if (r.faults?.length) out.push('');
  // One line per node that keeps an entry, aligned under the first.
  if (r.conntrack) out.push(`conntrack: ${r.conntrack.replace(/\n/g, '\n           ')}`);
  if (r.mismatch) out.push(`model and probe differ: ${r.mismatch}`);
  out.push(r.conclusion);
  return out.join('\n');
}

export function traceJson(r: TraceReport): object {
  return {
    headline: r.headline,
    dns: r.dns,
    ingress: r.ingress,
    probe: r.probe,
    live: r.live,
    hops: r.hops.map((h, i) => ({
      hop: r.numbers?.[i] ?? i + 1,
      node: h.node,
      netns: h.netns,
      where: h.where,
      rule: h.ruleRef,
      text: h.text,
      object: h.object,
      nat: h.nat,
      packets: h.delta,
      traced: h.traced,
      ttl: h.ttl,
      iface: h.iface,
      ctstate: h.ctstate,
      uncertain: h.uncertain,
    })),
    faults: r.faults,
    conntrack: r.conntrack,
    mismatch: r.mismatch,
    conclusion: r.conclusion,
  };
}
