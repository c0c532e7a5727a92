// ?fieldValidation=Strict|Warn|Ignore on writes (metav1.CreateOptions.FieldValidation): fields the kind's
// schema does not declare are refused (Strict: 400 `strict decoding error: unknown field "spec.foo"`) or
// reported as Warning headers (Warn). kubectl 1.27+ sends Strict by default, having read from /openapi/v3
// that the server takes the parameter. The schema is Kubernetes' own field table (kube-proto-schema.ts).
// Without the parameter kubelab keeps its own warnings only (kube-apiserver would default to Warn).
import { StatusError } from '@kubelab/api';
import type { OptionsKind } from './query-params';
import { queryValues } from './query-params';
import { kubeProtoSchema } from './protobuf/kube-proto-schema';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';
const values: FieldValidation[] = ['Ignore', 'Strict', 'Warn'];

/** The parameter, checked as ValidateFieldValidation does (422 naming the options kind). */
export function parseFieldValidation(v: unknown, kind: OptionsKind): FieldValidation | undefined {
  const value = queryValues(v)[0];
  if (value === undefined || value === '') return undefined;
  if (values.includes(value as FieldValidation)) return value as FieldValidation;
  const message = `Unsupported value: ${JSON.stringify(value)}: supported values: "", "Ignore", "Strict", "Warn"`;
  throw new StatusError('Invalid', `${kind}.meta.k8s.io "" is invalid: fieldValidation: ${message}`, {
    name: '',
    group: 'meta.k8s.io',
    kind,
    causes: [{ reason: 'FieldValueNotSupported', message, field: 'fieldValidation' }],
  });
}

interface Field {
  type: string;
  rule?: string;
}

const parsed = new Map<string, Map<string, Field>>();
function fieldsOf(type: string): Map<string, Field> | undefined {
  let fields = parsed.get(type);
  if (fields) return fields;
  const spec = kubeProtoSchema[type];
  if (spec === undefined) return undefined;
  fields = new Map();
  for (const entry of spec.split(' ').filter(Boolean)) {
    const [name, , fieldType, rule] = entry.split(':');
    // An embedded struct's fields are the parent's in JSON (Probe's httpGet, Volume's emptyDir).
    if (rule === 'inline') for (const [n, f] of fieldsOf(fieldType) ?? []) fields.set(n, f);
    else fields.set(name, { type: fieldType, rule });
  }
  parsed.set(type, fields);
  return fields;
}

/** Messages whose JSON form is not an object of their fields: anything goes inside. */
const opaque = new Set(['meta.Time', 'meta.MicroTime', 'resource.Quantity', 'intstr.IntOrString', 'meta.FieldsV1', 'runtime.RawExtension']);

const kindMessages: Record<string, string> = {
  Namespace: 'core.Namespace',
  ConfigMap: 'core.ConfigMap',
  Secret: 'core.Secret',
  Pod: 'core.Pod',
  Service: 'core.Service',
  Node: 'core.Node',
  Event: 'core.Event',
  Endpoints: 'core.Endpoints',
  Deployment: 'apps.Deployment',
  ReplicaSet: 'apps.ReplicaSet',
  EndpointSlice: 'discovery.EndpointSlice',
  Scale: 'autoscaling.Scale',
};

function walk(value: unknown, type: string, path: string, out: string[]): void {
  if (opaque.has(type) || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const fields = fieldsOf(type);
  if (!fields) return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    // Patch directives ($patch, $setElementOrder/..., $retainKeys) and deletions (null) are not fields.
    if (k.startsWith('$') || v === null) continue;
    const f = fields.get(k);
    const at = path ? `${path}.${k}` : k;
    if (!f) {
      out.push(at);
      continue;
    }
    if (!fieldsOf(f.type)) continue;
    if (f.rule === 'repeated' && Array.isArray(v)) v.forEach((item, i) => walk(item, f.type, `${at}[${i}]`, out));
    else if (f.rule === 'map' && v && typeof v === 'object')
      for (const [mk, mv] of Object.entries(v)) walk(mv, f.type, `${at}[${mk}]`, out);
    else walk(v, f.type, at, out);
  }
}

/** The paths of fields `obj` (an object of `kind`, or a merge / strategic patch of one) has that the kind lacks. */
export function unknownFields(kind: string, obj: unknown): string[] {
  const type = kindMessages[kind];
  if (!type || obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [];
  const out: string[] = [];
  const { apiVersion: _a, kind: _k, ...rest } = obj as Record<string, unknown>;
  walk(rest, type, '', out);
  return out;
}

/**
 * Applies a fieldValidation directive to a body: Strict throws 400 with the decoder's wording, Warn returns
 * the Warning texts, Ignore (or none) nothing.
 */
export function checkFields(kind: string, apiVersion: string, body: unknown, mode: FieldValidation | undefined): string[] {
  if (!mode || mode === 'Ignore') return [];
  const unknown = unknownFields(kind, body).map((p) => `unknown field ${JSON.stringify(p)}`);
  if (!unknown.length) return [];
  if (mode === 'Strict') {
    const version = apiVersion.split('/').pop();
    throw new StatusError(
      'BadRequest',
      `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: strict decoding error: ${unknown.join(', ')}`,
    );
  }
  return unknown;
}
