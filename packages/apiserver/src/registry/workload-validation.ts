// Validation of ReplicaSets, Deployments (pkg/apis/apps/validation), ConfigMaps and Secrets
// (pkg/apis/core/validation), with Kubernetes' paths and messages. Pod templates reuse the pod rules.
import {
  field,
  matchesSelector,
  qualifiedName,
  validateAnnotations,
  validateLabels,
  type FieldError,
  type LabelSelector,
} from '@kubelab/api';
import { goStringMap, isObject, moreField, nonNegative } from './field-errors';
import { validatePodSpec } from './pod-validation';
import { stableJson } from '@kubelab/api';

const emptySelector = 'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}';
const percentRe = /^[0-9]+%$/;
const percentMsg =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";
const maxObjectBytes = 1024 * 1024;

function nonNegativeInt(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'number' || !Number.isInteger(v)) return [field.invalid(path, v, 'must be an integer')];
  return v < 0 ? [field.invalid(path, v, nonNegative)] : [];
}

export function validateSelector(sel: unknown, path: string): FieldError[] {
  if (!isObject(sel)) return [field.invalid(path, sel, 'must be a label selector')];
  const errs = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  const exprs = sel.matchExpressions ?? [];
  if (!Array.isArray(exprs)) return [...errs, field.invalid(`${path}.matchExpressions`, exprs, 'must be a list')];
  exprs.forEach((e: unknown, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    const x = isObject(e) ? e : {};
    for (const m of qualifiedName(String(x.key ?? ''))) errs.push(field.invalid(`${at}.key`, x.key ?? '', m));
    const values = Array.isArray(x.values) ? x.values : [];
    if (x.operator === 'In' || x.operator === 'NotIn') {
      if (values.length === 0)
        errs.push(field.required(`${at}.values`, "Required value: must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (x.operator === 'Exists' || x.operator === 'DoesNotExist') {
      if (values.length > 0)
        errs.push(field.forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else errs.push(field.invalid(`${at}.operator`, x.operator ?? '', 'not a valid selector operator'));
  });
  return errs;
}

/** The spec shared by ReplicaSets and Deployments: replicas, selector, and a template the selector matches. */
export function validateControllerSpec(spec: unknown, old?: unknown): FieldError[] {
  if (!isObject(spec)) return [field.required('spec')];
  const errs = [...nonNegativeInt(spec.replicas, 'spec.replicas'), ...nonNegativeInt(spec.minReadySeconds, 'spec.minReadySeconds')];
  const sel = spec.selector;
  let selectorOk = false;
  if (sel === undefined || sel === null) errs.push(field.required('spec.selector'));
  else {
    const selErrs = validateSelector(sel, 'spec.selector');
    errs.push(...selErrs);
    const empty =
      isObject(sel) && !Object.keys(sel.matchLabels ?? {}).length && !(Array.isArray(sel.matchExpressions) && sel.matchExpressions.length);
    if (empty) errs.push(moreField.invalidRaw('spec.selector', emptySelector, 'empty selector is invalid for deployment'));
    selectorOk = !selErrs.length && !empty;
  }
  const template = spec.template;
  if (!isObject(template)) errs.push(field.required('spec.template'));
  else {
    const meta = isObject(template.metadata) ? template.metadata : {};
    const labels = meta.labels as Record<string, string> | undefined;
    if (selectorOk && !matchesSelector(sel as LabelSelector, labels)) {
      errs.push(moreField.invalidRaw('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
    }
    errs.push(
      ...validateLabels(labels, 'spec.template.metadata.labels'),
      ...validateAnnotations(meta.annotations, 'spec.template.metadata.annotations'),
    );
    errs.push(...validatePodSpec(template.spec, 'spec.template.spec', { template: true }));
  }
  // apps/v1 made the selector immutable: changing it would orphan the running pods.
  if (isObject(old) && sel !== undefined && stableJson(sel) !== stableJson(old.selector))
    errs.push(field.invalid('spec.selector', sel, 'field is immutable'));
  return errs;
}

function intOrPercent(v: unknown, path: string, maxHundred: boolean): { errs: FieldError[]; zero: boolean } {
  if (v === undefined || v === null) return { errs: [], zero: false };
  if (typeof v === 'string') {
    if (!percentRe.test(v)) return { errs: [field.invalid(path, v, percentMsg)], zero: false };
    const n = Number.parseInt(v, 10);
    return { errs: maxHundred && n > 100 ? [field.invalid(path, v, 'must not be greater than 100%')] : [], zero: n === 0 };
  }
  return { errs: nonNegativeInt(v, path), zero: v === 0 };
}

export function validateDeploymentSpec(spec: unknown, old?: unknown): FieldError[] {
  const errs = validateControllerSpec(spec, old);
  if (!isObject(spec)) return errs;
  errs.push(
    ...nonNegativeInt(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'),
    ...nonNegativeInt(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'),
  );
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number' && typeof spec.minReadySeconds === 'number' && pds <= spec.minReadySeconds) {
    errs.push(field.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  const strategy = isObject(spec.strategy) ? spec.strategy : {};
  const types = ['Recreate', 'RollingUpdate'];
  if (!types.includes(strategy.type as string)) errs.push(field.notSupported('spec.strategy.type', strategy.type ?? '', types));
  const ru = strategy.rollingUpdate;
  if (strategy.type === 'Recreate' && ru !== undefined && ru !== null) {
    errs.push(field.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (isObject(ru)) {
    const unavailable = intOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable', true);
    const surge = intOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge', false);
    errs.push(...unavailable.errs, ...surge.errs);
    if (unavailable.zero && surge.zero)
      errs.push(field.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  return errs;
}

function configKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
    errs.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

const base64Re = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** data / binaryData maps: valid keys, string values (base64 where `base64` is set), 1 MiB in total. */
function validateDataMaps(obj: Record<string, unknown>, maps: { name: string; base64: boolean }[], secret: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Map<string, string>();
  let bytes = 0;
  for (const { name, base64 } of maps) {
    const map = obj[name];
    if (map === undefined || map === null) continue;
    if (!isObject(map)) {
      errs.push(field.invalid(name, secret ? '<secret contents redacted>' : map, 'must be a map of string keys to string values'));
      continue;
    }
    for (const [k, v] of Object.entries(map)) {
      const at = `${name}[${k}]`;
      for (const e of configKeyErrors(k)) errs.push(field.invalid(at, k, e));
      if (seen.has(k)) errs.push(field.invalid(at, k, `duplicate of key present in ${seen.get(k)}`));
      seen.set(k, name);
      if (typeof v !== 'string') errs.push(field.invalid(at, secret ? '<secret contents redacted>' : v, 'must be a string'));
      else if (base64 && !base64Re.test(v)) errs.push(moreField.invalidRaw(at, '"<secret contents redacted>"', 'illegal base64 data'));
      else bytes += base64 ? Buffer.byteLength(v, 'base64') : Buffer.byteLength(v);
    }
  }
  if (bytes > maxObjectBytes) errs.push(moreField.tooLong('', maxObjectBytes));
  return errs;
}

function immutableData(obj: Record<string, unknown>, old: Record<string, unknown> | undefined, keys: string[]): FieldError[] {
  if (old?.immutable !== true) return [];
  const errs = keys
    .filter((k) => stableJson(obj[k]) !== stableJson(old[k]))
    .map((k) => field.forbidden(k, 'field is immutable when `immutable` is set'));
  if (obj.immutable !== true) errs.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
  return errs;
}

export function validateConfigMap(obj: Record<string, unknown>, old?: Record<string, unknown>): FieldError[] {
  return [
    ...validateDataMaps(
      obj,
      [
        { name: 'data', base64: false },
        { name: 'binaryData', base64: true },
      ],
      false,
    ),
    ...immutableData(obj, old, ['data', 'binaryData']),
  ];
}

/** Keys each built-in secret type requires (pkg/apis/core/validation ValidateSecret). */
const requiredSecretKeys: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

export function validateSecret(obj: Record<string, unknown>, old?: Record<string, unknown>): FieldError[] {
  const errs = [...validateDataMaps(obj, [{ name: 'data', base64: true }], true), ...immutableData(obj, old, ['data'])];
  const data = isObject(obj.data) ? obj.data : {};
  if (typeof obj.type !== 'string') errs.push(field.invalid('type', obj.type, 'must be a string'));
  for (const key of requiredSecretKeys[obj.type as string] ?? []) if (!(key in data)) errs.push(field.required(`data[${key}]`));
  if (obj.type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    errs.push(field.required('data[username]'), field.required('data[password]'));
  }
  if (old && old.type !== obj.type) errs.push(field.invalid('type', obj.type, 'field is immutable'));
  return errs;
}
