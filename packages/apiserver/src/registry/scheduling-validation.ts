// Validation of what the scheduler reads beyond nodeSelector and tolerations: affinity and topology spread
// constraints, worded as kubernetes pkg/apis/core/validation (ValidateAffinity, validateTopologySpreadConstraints).
import { field, type FieldError } from '@kubelab/api';
import { isObject } from './field-errors';

const nodeOperators = ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'];
const labelOperators = ['DoesNotExist', 'Exists', 'In', 'NotIn'];

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function validateNodeRequirement(r: unknown, at: string, fieldsOnly = false): FieldError[] {
  if (!isObject(r)) return [field.invalid(at, r, 'must be an object')];
  const errs: FieldError[] = [];
  if (!r.key) errs.push(field.required(`${at}.key`));
  if (fieldsOnly && r.key && r.key !== 'metadata.name') errs.push(field.invalid(`${at}.key`, r.key, 'not a valid field selector key'));
  const values = list(r.values);
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(field.required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0)
        errs.push(field.forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(field.required(`${at}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      else if (!/^-?\d+$/.test(String(values[0]))) errs.push(field.invalid(`${at}.values[0]`, values[0], 'must be an integer'));
      break;
    default:
      errs.push(field.notSupported(`${at}.operator`, r.operator, nodeOperators));
  }
  return errs;
}

function validateLabelSelector(sel: unknown, at: string): FieldError[] {
  if (sel === undefined || sel === null) return [];
  if (!isObject(sel)) return [field.invalid(at, sel, 'must be an object')];
  return list(sel.matchExpressions).flatMap((e, i) => {
    const p = `${at}.matchExpressions[${i}]`;
    if (!isObject(e)) return [field.invalid(p, e, 'must be an object')];
    if (!labelOperators.includes(e.operator as string)) return [field.notSupported(`${p}.operator`, e.operator, labelOperators)];
    const n = list(e.values).length;
    if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0)
      return [field.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'")];
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0)
      return [field.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")];
    return [];
  });
}

function validatePodAffinityTerms(terms: unknown, at: string, weighted: boolean): FieldError[] {
  return list(terms).flatMap((t, i) => {
    const p = `${at}[${i}]`;
    if (!isObject(t)) return [field.invalid(p, t, 'must be an object')];
    const errs: FieldError[] = [];
    let term: Record<string, unknown> = t;
    let termAt = p;
    if (weighted) {
      if (typeof t.weight !== 'number' || t.weight < 1 || t.weight > 100)
        errs.push(field.invalid(`${p}.weight`, t.weight, 'must be in the range 1-100'));
      term = isObject(t.podAffinityTerm) ? t.podAffinityTerm : {};
      termAt = `${p}.podAffinityTerm`;
    }
    if (!term.topologyKey) errs.push(field.required(`${termAt}.topologyKey`, 'can not be empty'));
    errs.push(...validateLabelSelector(term.labelSelector, `${termAt}.labelSelector`));
    errs.push(...validateLabelSelector(term.namespaceSelector, `${termAt}.namespaceSelector`));
    return errs;
  });
}

export function validateAffinity(affinity: unknown, at: string): FieldError[] {
  if (affinity === undefined || affinity === null) return [];
  if (!isObject(affinity)) return [field.invalid(at, affinity, 'must be an object')];
  const errs: FieldError[] = [];
  const na = isObject(affinity.nodeAffinity) ? affinity.nodeAffinity : {};
  const required = na.requiredDuringSchedulingIgnoredDuringExecution;
  if (isObject(required)) {
    const p = `${at}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
    const terms = list(required.nodeSelectorTerms);
    if (terms.length === 0) errs.push(field.required(p, 'must have at least one node selector term'));
    terms.forEach((t, i) => {
      if (!isObject(t)) return void errs.push(field.invalid(`${p}[${i}]`, t, 'must be an object'));
      list(t.matchExpressions).forEach((r, j) => errs.push(...validateNodeRequirement(r, `${p}[${i}].matchExpressions[${j}]`)));
      list(t.matchFields).forEach((r, j) => errs.push(...validateNodeRequirement(r, `${p}[${i}].matchFields[${j}]`, true)));
    });
  }
  list(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
    const p = `${at}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    if (!isObject(t)) return void errs.push(field.invalid(p, t, 'must be an object'));
    if (typeof t.weight !== 'number' || t.weight < 1 || t.weight > 100)
      errs.push(field.invalid(`${p}.weight`, t.weight, 'must be in the range 1-100'));
    const pref = isObject(t.preference) ? t.preference : {};
    list(pref.matchExpressions).forEach((r, j) => errs.push(...validateNodeRequirement(r, `${p}.preference.matchExpressions[${j}]`)));
  });
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = isObject(affinity[kind]) ? affinity[kind] : {};
    errs.push(
      ...validatePodAffinityTerms(
        a.requiredDuringSchedulingIgnoredDuringExecution,
        `${at}.${kind}.requiredDuringSchedulingIgnoredDuringExecution`,
        false,
      ),
    );
    errs.push(
      ...validatePodAffinityTerms(
        a.preferredDuringSchedulingIgnoredDuringExecution,
        `${at}.${kind}.preferredDuringSchedulingIgnoredDuringExecution`,
        true,
      ),
    );
  }
  return errs;
}

export function validateTopologySpreadConstraints(constraints: unknown, at: string): FieldError[] {
  if (constraints === undefined || constraints === null) return [];
  if (!Array.isArray(constraints)) return [field.invalid(at, constraints, 'must be a list')];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  constraints.forEach((c, i) => {
    const p = `${at}[${i}]`;
    if (!isObject(c)) return void errs.push(field.invalid(p, c, 'must be an object'));
    if (typeof c.maxSkew !== 'number' || !Number.isInteger(c.maxSkew) || c.maxSkew <= 0)
      errs.push(field.invalid(`${p}.maxSkew`, c.maxSkew, 'must be greater than zero'));
    if (!c.topologyKey) errs.push(field.required(`${p}.topologyKey`, 'can not be empty'));
    if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway')
      errs.push(field.notSupported(`${p}.whenUnsatisfiable`, c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']));
    if (c.minDomains !== undefined && c.minDomains !== null) {
      if (typeof c.minDomains !== 'number' || c.minDomains <= 0)
        errs.push(field.invalid(`${p}.minDomains`, c.minDomains, 'must be greater than 0'));
      else if (c.whenUnsatisfiable !== 'DoNotSchedule')
        errs.push(
          field.invalid(`${p}.minDomains`, c.minDomains, 'can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway'),
        );
    }
    const pair = `{${c.topologyKey}, ${c.whenUnsatisfiable}}`;
    if (seen.has(pair)) errs.push(field.duplicate(`${p}.{topologyKey, whenUnsatisfiable}`, pair));
    seen.add(pair);
    errs.push(...validateLabelSelector(c.labelSelector, `${p}.labelSelector`));
  });
  return errs;
}
