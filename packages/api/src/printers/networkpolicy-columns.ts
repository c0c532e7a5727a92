// `kubectl get networkpolicies` columns (printers.go printNetworkPolicy: NAME, POD-SELECTOR, AGE) and
// metav1.FormatLabelSelector, which both the table and `describe networkpolicy` print selectors with.
import type { NetworkPolicy } from '../networkpolicy';
import type { LabelSelector } from '../selectors';
import { age } from './cells';
import type { Column } from './columns';

const byKey = <T extends { key: string }>(a: T, b: T): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * metav1.FormatLabelSelector: LabelSelectorAsSelector(...).String(): requirements sorted by key, matchLabels
 * as `k=v`, In/NotIn as `k in (a,b)` with sorted values, Exists as `k`, DoesNotExist as `!k`; `<none>` when empty.
 */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of sel?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    const text =
      e.operator === 'In'
        ? `${e.key} in (${values})`
        : e.operator === 'NotIn'
          ? `${e.key} notin (${values})`
          : e.operator === 'Exists'
            ? e.key
            : `!${e.key}`;
    reqs.push({ key: e.key, text });
  }
  const out = reqs
    .sort(byKey)
    .map((r) => r.text)
    .join(',');
  return out || '<none>';
}

export const networkPolicyColumns: Column[] = [
  { header: 'NAME', value: (o) => o.metadata.name ?? '' },
  { header: 'POD-SELECTOR', value: (o) => formatLabelSelector((o as NetworkPolicy).spec?.podSelector) },
  { header: 'AGE', value: age },
];
