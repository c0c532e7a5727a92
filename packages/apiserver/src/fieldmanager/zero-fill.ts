// Kubernetes compares typed Go objects when it records an update, and a Go value struct (not a pointer) is
// always there: an empty Deployment already has `spec`, `spec.strategy`, `spec.template.spec`, a container
// its `resources`. So those fields never count as added by a write, and managedFields show no "." for them
// (`f:spec: {f:replicas: {}}`). kubelab stores only what was sent; this fills the same empty structs into a
// copy before an update is compared.
import type { JsonValue } from './fieldpath';
import type { Schema, TypeRef } from './schema';
import { mapFieldType } from './typed';

export function zeroFill(schema: Schema, t: TypeRef, v: JsonValue): JsonValue {
  const atom = schema.resolve(t);
  if (!atom) return v;
  if (Array.isArray(v)) return atom.list ? v.map((x) => zeroFill(schema, atom.list!.elementType, x)) : v;
  if (v === null || typeof v !== 'object' || !atom.map) return v;
  const m = atom.map;
  const out: Record<string, JsonValue> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = zeroFill(schema, mapFieldType(m, k), x);
  if (!m.atomic) for (const [k, f] of m.fields ?? []) if (f.valueStruct && !(k in out)) out[k] = zeroFill(schema, f.type, {});
  return out;
}
