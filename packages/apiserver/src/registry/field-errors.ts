// Field errors @kubelab/api's `field` helpers do not cover, worded as k8s.io/apimachinery's field package
// words them. `FieldValueNotFound` / `FieldValueTooLong` are real Kubernetes cause types missing from the
// shared union, hence the casts.
import type { FieldError } from '@kubelab/api';

export const moreField = {
  notFound: (f: string, value: unknown): FieldError => ({
    field: f,
    type: 'FieldValueNotFound' as FieldError['type'],
    message: `Not found: ${JSON.stringify(value)}`,
  }),
  tooLong: (f: string, max: number): FieldError => ({
    field: f,
    type: 'FieldValueTooLong' as FieldError['type'],
    message: `Too long: must have at most ${max} bytes`,
  }),
  /** An invalid value whose rendering is already Go-formatted, e.g. `map[string]string{"app":"web"}`. */
  invalidRaw: (f: string, rendered: string, detail: string): FieldError => ({
    field: f,
    type: 'FieldValueInvalid',
    message: `Invalid value: ${rendered}: ${detail}`,
  }),
};

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Go's %#v of a map[string]string, which Kubernetes prints in selector errors. Keys sorted, as Go does. */
export function goStringMap(m: Record<string, string> | undefined): string {
  if (!m) return 'map[string]string(nil)';
  const parts = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`);
  return `map[string]string{${parts.join(', ')}}`;
}

export const nonNegative = 'must be greater than or equal to 0';
export const portRange = 'must be between 1 and 65535, inclusive';

export function isPortNumber(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** IANA_SVC_NAME (RFC 6335) rules for named ports, messages as in apimachinery's IsValidPortName. */
export function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.length > 0 && !/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}
