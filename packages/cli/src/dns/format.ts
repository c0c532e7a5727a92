// How `kubelab dns trace` prints a lookup: one headline (who asked for what, what it got, how many queries
// and how long), then one row per query the resolver sent, in order, with the DNS pod that answered. Pure.
import { tabwrite } from '../printers/tabwriter';
import type { Lookup } from './lookups';

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

function ms(n: number): string {
  return n < 10 ? `${n.toFixed(2)}ms` : `${Math.round(n)}ms`;
}

export function formatLookup(l: Lookup, clientName: (ip: string) => string): string {
  const first = l.queries[0];
  const last = l.queries[l.queries.length - 1];
  const span = last.at - first.at + last.durationMs;
  const got = l.answer ? `${l.answer.answers.join(', ')} (${l.answer.rcode})` : `no address (${last.rcode})`;
  const types = [...new Set(l.queries.map((q) => q.type))].join('+');
  const head = `${clock(first.at)}  ${clientName(l.client)} asked ${types} ${l.original.replace(/\.$/, '')}  ->  ${got}  [${l.queries.length} ${l.queries.length === 1 ? 'query' : 'queries'}, ${ms(span)}]`;
  const rows = l.queries.map(
    (q, i) => `  ${i + 1}\t${q.type}\t${q.name}\t${q.rcode}\t${ms(q.durationMs)}\t${q.server}\t${q.answers.join(', ') || '-'}`,
  );
  return [head, tabwrite(rows.join('\n'), { padding: 2 })].join('\n');
}
