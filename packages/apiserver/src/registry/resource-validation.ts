// Container resource requirements (requests / limits), as Kubernetes validates them: resource names,
// quantity syntax, non-negative values, and requests not above limits.
import { field, parseQuantity, quantityPattern, qualifiedName, type FieldError } from '@kubelab/api';
import { isObject, nonNegative } from './field-errors';

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

function resourceNameErrors(name: string): string[] {
  if (name.includes('/')) return qualifiedName(name);
  if (standardContainerResources.has(name) || name.startsWith('hugepages-')) return [];
  return ['must be a standard resource type or fully qualified'];
}

export function validateResources(r: unknown, path: string): FieldError[] {
  if (r === undefined || r === null) return [];
  if (!isObject(r)) return [field.invalid(path, r, 'must be an object')];
  const errs: FieldError[] = [];
  const parsed: Record<'limits' | 'requests', Record<string, number>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    const map = r[kind];
    if (map === undefined || map === null) continue;
    if (!isObject(map)) {
      errs.push(field.invalid(`${path}.${kind}`, map, 'must be a map of resource names to quantities'));
      continue;
    }
    for (const [name, q] of Object.entries(map)) {
      const at = `${path}.${kind}[${name}]`;
      for (const e of resourceNameErrors(name)) errs.push(field.invalid(at, name, e));
      const value = typeof q === 'string' || typeof q === 'number' ? parseQuantity(q) : undefined;
      if (value === undefined) errs.push(field.invalid(at, q, `quantities must match the regular expression '${quantityPattern}'`));
      else if (value < 0) errs.push(field.invalid(at, String(q), nonNegative));
      else parsed[kind][name] = value;
    }
  }
  for (const [name, req] of Object.entries(parsed.requests)) {
    const limit = parsed.limits[name];
    if (limit !== undefined && req > limit) {
      const limits = r.limits as Record<string, unknown>;
      const requests = r.requests as Record<string, unknown>;
      errs.push(
        field.invalid(
          `${path}.requests[${name}]`,
          String(requests[name]),
          `must be less than or equal to ${name} limit of ${String(limits[name])}`,
        ),
      );
    }
  }
  return errs;
}
