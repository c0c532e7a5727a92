// ?labelSelector= and ?fieldSelector= for lists and watches.
import { badRequest, matchesRequirements, parseSelector, type KubeObject } from '@kubelab/api';

export type ObjectFilter = (obj: KubeObject) => boolean;

interface FieldRequirement {
  path: string[];
  value: string;
  negate: boolean;
}

export function parseFieldSelector(text: string): FieldRequirement[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = p.match(/^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/);
      if (!m) throw badRequest(`invalid field selector: "${p}"`);
      return { path: m[1].split('.'), value: m[3], negate: m[2] === '!=' };
    });
}

function fieldValue(obj: KubeObject, path: string[]): string {
  let cur: unknown = obj;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur === undefined || cur === null ? '' : String(cur);
}

export function buildFilter(labelSelector?: string, fieldSelector?: string): ObjectFilter {
  const labels = labelSelector ? parseSelector(labelSelector) : [];
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : [];
  return (obj) =>
    matchesRequirements(labels, obj.metadata.labels) && fields.every((f) => (fieldValue(obj, f.path) === f.value) !== f.negate);
}
