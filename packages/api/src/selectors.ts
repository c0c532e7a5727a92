// Label selectors: the string form used by `?labelSelector=` and `-l`, and the structured form used in
// specs (matchLabels / matchExpressions). Semantics follow k8s.io/apimachinery/pkg/labels.
import { badRequest } from './errors';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: Operator; values?: string[] }[];
}

export type Labels = Record<string, string> | undefined;

/** Parses `app=web,tier!=db,env in (a,b),!legacy,track`. An empty string selects everything. */
export function parseSelector(text: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (!part) continue;
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^!\s*([^\s=!(),]+)$/))) reqs.push({ key: m[1], operator: 'DoesNotExist', values: [] });
    else if ((m = part.match(/^([^\s=!(),]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const values = m[3]
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      reqs.push({ key: m[1], operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = part.match(/^([^\s=!(),]+)\s*!=\s*([^\s=!(),]*)$/))) reqs.push({ key: m[1], operator: 'NotIn', values: [m[2]] });
    else if ((m = part.match(/^([^\s=!(),]+)\s*==?\s*([^\s=!(),]*)$/))) reqs.push({ key: m[1], operator: 'In', values: [m[2]] });
    else if ((m = part.match(/^([^\s=!(),]+)$/))) reqs.push({ key: m[1], operator: 'Exists', values: [] });
    else throw badRequest(`unable to parse requirement: "${part}"`);
  }
  return reqs;
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function matchesRequirements(reqs: Requirement[], labels: Labels): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.operator) {
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'In':
        return has && r.values.includes(l[r.key]);
      case 'NotIn':
        return !has || !r.values.includes(l[r.key]);
    }
  });
}

export function selectorToRequirements(sel: LabelSelector | undefined): Requirement[] {
  if (!sel) return [];
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In', values: [v] }));
  for (const e of sel.matchExpressions ?? []) reqs.push({ key: e.key, operator: e.operator, values: e.values ?? [] });
  return reqs;
}

/** A structured selector matches. Per Kubernetes, an empty selector matches everything. */
export function matchesSelector(sel: LabelSelector | undefined, labels: Labels): boolean {
  return matchesRequirements(selectorToRequirements(sel), labels);
}

/** A `spec.selector` map of a Service (plain equality). An empty or missing map selects nothing (Services). */
export function matchesMap(selector: Record<string, string> | undefined, labels: Labels): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function formatSelector(sel: LabelSelector | undefined): string {
  return selectorToRequirements(sel)
    .map((r) => {
      switch (r.operator) {
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'In':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${r.values.join(',')})`;
      }
    })
    .join(',');
}
