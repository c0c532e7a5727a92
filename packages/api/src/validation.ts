// Name and label rules from Kubernetes' apimachinery validation (k8s.io/apimachinery/pkg/util/validation),
// with the same messages, so errors read like the real API server's.
import { field, type FieldError } from './errors';
import type { ObjectMeta } from './types';

const dns1123LabelRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123SubdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function dns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!dns1123LabelRe.test(value)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errs;
}

export function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return errs;
}

/** Label and annotation keys: optional DNS subdomain prefix, then a name of at most 63 characters. */
export function qualifiedName(key: string): string[] {
  const parts = key.split('/');
  let name = key;
  const errs: string[] = [];
  if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123Subdomain(prefix).map((e) => `prefix part ${e}`));
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  else if (!qualifiedNameRe.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  }
  return errs;
}

export function labelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!labelValueRe.test(value)) {
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  }
  return errs;
}

export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels))
    return [field.invalid(path, labels, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const e of qualifiedName(k)) errs.push(field.invalid(path, k, e));
    if (typeof v !== 'string') errs.push(field.invalid(`${path}[${k}]`, v, 'must be a string'));
    else for (const e of labelValue(v)) errs.push(field.invalid(`${path}[${k}]`, v, e));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== 'object' || Array.isArray(annotations))
    return [field.invalid(path, annotations, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    for (const e of qualifiedName(k)) errs.push(field.invalid(path, k, e));
    if (typeof v !== 'string') errs.push(field.invalid(`${path}[${k}]`, v, 'must be a string'));
  }
  return errs;
}

/** path-segment: RBAC names (`system:node`), as ValidatePathSegmentName allows them. */
export type NameRule = 'dns1123-label' | 'dns1123-subdomain' | 'path-segment';

function pathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  for (const bad of ['/', '%']) if (name.includes(bad)) return [`may not contain '${bad}'`];
  return [];
}

/** Validates metadata common to all objects. `namespaced` decides whether metadata.namespace is allowed. */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: { namespaced: boolean; nameRule: NameRule }): FieldError[] {
  if (!meta || typeof meta !== 'object') return [field.required('metadata')];
  const errs: FieldError[] = [];
  if (!meta.name && !meta.generateName) errs.push(field.required('metadata.name', 'name or generateName is required'));
  if (meta.name !== undefined) {
    if (typeof meta.name !== 'string') errs.push(field.invalid('metadata.name', meta.name, 'must be a string'));
    else {
      const check =
        opts.nameRule === 'dns1123-label' ? dns1123Label : opts.nameRule === 'path-segment' ? pathSegmentName : dns1123Subdomain;
      for (const e of check(meta.name)) errs.push(field.invalid('metadata.name', meta.name, e));
    }
  }
  if (!opts.namespaced && meta.namespace) errs.push(field.forbidden('metadata.namespace', 'not allowed on this type'));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers'));
  return errs;
}

/**
 * ValidateOwnerReferences (apimachinery's objectmeta.go). The garbage collector and the controllers read these
 * after the object is stored, so a malformed list must be refused here, not found by a controller later.
 */
export function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs)) return [field.invalid(path, refs, 'must be a list of owner references')];
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  refs.forEach((ref: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!ref || typeof ref !== 'object' || Array.isArray(ref)) {
      errs.push(field.invalid(at, ref, 'must be an owner reference object'));
      return;
    }
    const r = ref as Record<string, unknown>;
    const str = (k: string): string => (typeof r[k] === 'string' ? (r[k] as string) : '');
    const apiVersion = str('apiVersion');
    if (!apiVersion || apiVersion.endsWith('/'))
      errs.push(field.invalid(`${at}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    for (const k of ['kind', 'name', 'uid']) if (!str(k)) errs.push(field.invalid(`${at}.${k}`, r[k] ?? '', 'must not be empty'));
    if (r.controller === true) controllers.push(str('name'));
  });
  if (controllers.length > 1) {
    errs.push(
      field.invalid(
        path,
        refs,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.slice(0, 2).join(' and ')}`,
      ),
    );
  }
  return errs;
}

/** Finalizers are qualified names (`kubernetes.io/pv-protection`), as ValidateFinalizers requires. */
export function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  if (finalizers === undefined || finalizers === null) return [];
  if (!Array.isArray(finalizers)) return [field.invalid(path, finalizers, 'must be a list of strings')];
  const errs: FieldError[] = [];
  finalizers.forEach((f: unknown, i) => {
    if (typeof f !== 'string') errs.push(field.invalid(`${path}[${i}]`, f, 'must be a string'));
    else for (const e of qualifiedName(f)) errs.push(field.invalid(path, f, e));
  });
  return errs;
}
