// How `kubelab trace` prints: a headline, the probe's result, one row per hop (node, network namespace,
// table:chain:rule#, counter delta, the rule without its comment, the object the comment names, NAT), the
// conntrack entry, and the conclusion; or all of it as JSON. Pure.
import { tabwrite } from '../printers/tabwriter';
import type { Hop } from './simulate';

export interface TraceReport {
  headline: string;
  /** How DST's name resolved, when it was a DNS name. */
  dns?: string;
  probe?: string;
  hops: Hop[];
  conntrack?: string;
  /** When the model and the probe disagree, what differs. */
  mismatch?: string;
  conclusion: string;
  explainOnly: boolean;
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
  if (r.probe) out.push(`probe: ${r.probe}`);
  out.push('');
  const traced = r.hops.some((h) => h.traced !== undefined);
  const rows = [
    [
      'HOP',
      'NODE',
      'NETNS',
      'WHERE',
      ...(r.explainOnly ? [] : ['PKTS']),
      'RULE / ROUTE',
      'OBJECT',
      'NAT',
      ...(traced ? ['KERNEL TRACE'] : []),
    ],
  ];
  r.hops.forEach((h, i) => {
    const delta = h.ruleRef ? (h.delta === undefined ? '?' : `+${h.delta}`) : '';
    rows.push([
      String(i + 1),
      h.node ?? '-',
      h.netns,
      h.ruleRef ?? h.where,
      ...(r.explainOnly ? [] : [delta]),
      h.rule ? shortRule(h.text) + (h.uncertain ? ' (?)' : '') : h.text,
      h.object?.text ?? '',
      h.nat ?? '',
      ...(traced ? [h.traced === undefined ? '' : h.traced ? 'matched' : 'not seen'] : []),
    ]);
  });
  out.push(tabwrite(rows.map((cells) => cells.join('\t')).join('\n'), { padding: 2 }).replace(/ +$/gm, ''));
  out.push('');
  if (r.conntrack) out.push(`conntrack: ${r.conntrack}`);
  if (r.mismatch) out.push(`model and probe differ: ${r.mismatch}`);
  out.push(r.conclusion);
  return out.join('\n');
}

export function traceJson(r: TraceReport): object {
  return {
    headline: r.headline,
    dns: r.dns,
    probe: r.probe,
    hops: r.hops.map((h, i) => ({
      hop: i + 1,
      node: h.node,
      netns: h.netns,
      where: h.where,
      rule: h.ruleRef,
      text: h.text,
      object: h.object,
      nat: h.nat,
      packets: h.delta,
      traced: h.traced,
      uncertain: h.uncertain,
    })),
    conntrack: r.conntrack,
    mismatch: r.mismatch,
    conclusion: r.conclusion,
  };
}
