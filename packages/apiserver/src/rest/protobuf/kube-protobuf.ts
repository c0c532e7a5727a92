// Kubernetes' protobuf request bodies (`application/vnd.kubernetes.protobuf`), decoded into the JSON the
// rest of kubelab reads. kubectl 1.32+ sends its typed `create namespace|configmap|secret|deployment|service`
// this way (fixed by the client, with no negotiation to fall back on), so the server must read it. The
// envelope is k8s.io/apimachinery's protobuf serializer: the magic bytes "k8s\0", then a runtime.Unknown
// whose typeMeta names the kind and whose `raw` holds the object's own message. Wire decoding is protobufjs'
// Reader; the field numbers come from Kubernetes' generated.proto (kube-proto-schema.ts). The well-known
// wrapper messages become their JSON forms: Time/MicroTime as RFC 3339, Quantity and IntOrString as their
// string or number, FieldsV1 and RawExtension as the JSON they carry.
import protobuf from 'protobufjs/minimal';
import { StatusError } from '@kubelab/api';
import { kubeProtoSchema } from './kube-proto-schema';

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';
const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Field {
  name: string;
  type: string;
  repeated: boolean;
  /** Key type of a map field (its entries are messages: key = 1, value = 2). */
  mapKey?: string;
  /** A Go pointer field: its zero value is sent on purpose (replicas: 0) and kept. */
  ptr?: boolean;
  /** An embedded struct (Probe's handler): its fields belong to the parent in JSON. */
  inline?: boolean;
}

const messages = new Map<string, Map<number, Field>>();
function message(type: string): Map<number, Field> | undefined {
  let fields = messages.get(type);
  if (fields) return fields;
  const spec = kubeProtoSchema[type];
  if (spec === undefined) return undefined;
  fields = new Map();
  for (const entry of spec.split(' ').filter(Boolean)) {
    const [name, id, fieldType, rule, key] = entry.split(':');
    fields.set(Number(id), {
      name,
      type: fieldType,
      repeated: rule === 'repeated',
      mapKey: rule === 'map' ? key : undefined,
      ptr: rule === 'ptr',
      inline: rule === 'inline',
    });
  }
  messages.set(type, fields);
  return fields;
}

/** apiVersion/kind -> message name, for the kinds kubelab decodes. */
const kinds: Record<string, string> = {
  'v1/Namespace': 'core.Namespace',
  'v1/ConfigMap': 'core.ConfigMap',
  'v1/Secret': 'core.Secret',
  'v1/Pod': 'core.Pod',
  'v1/Service': 'core.Service',
  'v1/Node': 'core.Node',
  'v1/Event': 'core.Event',
  'v1/Endpoints': 'core.Endpoints',
  'apps/v1/Deployment': 'apps.Deployment',
  'apps/v1/ReplicaSet': 'apps.ReplicaSet',
  'discovery.k8s.io/v1/EndpointSlice': 'discovery.EndpointSlice',
  'autoscaling/v1/Scale': 'autoscaling.Scale',
  'v1/DeleteOptions': 'meta.DeleteOptions',
  'meta.k8s.io/v1/DeleteOptions': 'meta.DeleteOptions',
};

/**
 * Kinds served outside the registry's (kubectl-surface/protobuf-kinds.ts: Eviction, the authorization
 * reviews, Lease), with their messages' schema in the generated form above.
 */
export function registerProtobufKinds(more: Record<string, string>, schema: Record<string, string>): void {
  Object.assign(kinds, more);
  for (const [k, v] of Object.entries(schema)) if (!(k in kubeProtoSchema)) kubeProtoSchema[k] = v;
}

function rfc3339(seconds: number, nanos: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return nanos ? `${iso.slice(0, 19)}.${String(nanos).padStart(9, '0').slice(0, 6)}Z` : `${iso.slice(0, 19)}Z`;
}

function toNumber(v: number | { toNumber(): number }): number {
  return typeof v === 'number' ? v : v.toNumber();
}

function scalar(r: protobuf.Reader, type: string): unknown {
  switch (type) {
    case 'string':
      return r.string();
    case 'bool':
      return r.bool();
    case 'int32':
      return r.int32();
    case 'int64':
      return toNumber(r.int64() as unknown as number);
    case 'bytes':
      return Buffer.from(r.bytes());
    default:
      throw new Error(`unsupported protobuf type ${type}`);
  }
}

/** The JSON form of a decoded wrapper message, or the message itself. */
function jsonForm(type: string, m: Record<string, unknown>): unknown {
  switch (type) {
    case 'meta.Time':
    case 'meta.MicroTime':
      // The zero time is JSON null in Go: the field is left out.
      return m.seconds || m.nanos ? rfc3339(Number(m.seconds ?? 0), Number(m.nanos ?? 0)) : undefined;
    case 'resource.Quantity':
      return m.string ?? '';
    case 'intstr.IntOrString':
      return Number(m.type ?? 0) === 1 ? (m.strVal ?? '') : (m.intVal ?? 0);
    case 'meta.FieldsV1':
    case 'runtime.RawExtension':
      return JSON.parse(((m.Raw ?? m.raw) as Buffer | undefined)?.toString('utf8') || '{}');
    default:
      return m;
  }
}

function decodeMessage(r: protobuf.Reader, type: string, end: number): Record<string, unknown> {
  const fields = message(type);
  if (!fields) throw new Error(`no protobuf schema for ${type}`);
  const out: Record<string, unknown> = {};
  while (r.pos < end) {
    const tag = r.uint32();
    const f = fields.get(tag >>> 3);
    if (!f) {
      r.skipType(tag & 7);
      continue;
    }
    const value = decodeValue(r, f.mapKey ? '' : f.type, f, tag & 7);
    if (f.mapKey) {
      const entry = value as { key: unknown; value: unknown };
      const map = (out[f.name] ??= {}) as Record<string, unknown>;
      map[String(entry.key)] = entry.value;
    } else if (f.inline) {
      Object.assign(out, value);
    } else if (f.repeated) {
      ((out[f.name] ??= []) as unknown[]).push(...(Array.isArray(value) ? value : [value]));
    } else if (value !== undefined && (f.ptr || !isZero(value))) {
      out[f.name] = value;
    }
  }
  return out;
}

function decodeValue(r: protobuf.Reader, type: string, f: Field, wireType: number): unknown {
  if (f.mapKey) {
    // A map entry: key = 1 (mapKey), value = 2 (f.type).
    const end = r.uint32() + r.pos;
    const entry: { key: unknown; value: unknown } = { key: f.mapKey === 'string' ? '' : 0, value: undefined };
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) entry.key = scalar(r, f.mapKey);
      else if (tag >>> 3 === 2) entry.value = decodeValue(r, f.type, { ...f, mapKey: undefined, repeated: false }, tag & 7);
      else r.skipType(tag & 7);
    }
    entry.value ??= f.type === 'string' ? '' : f.type === 'bytes' ? '' : jsonForm(f.type, {});
    if (Buffer.isBuffer(entry.value)) entry.value = entry.value.toString('base64');
    return entry;
  }
  if (message(type)) {
    const end = r.uint32() + r.pos;
    return jsonForm(type, decodeMessage(r, type, end));
  }
  // Packed repeated scalars (proto2 Kubernetes types do not pack, but a client may).
  if (f.repeated && wireType === 2 && type !== 'string' && type !== 'bytes') {
    const end = r.uint32() + r.pos;
    const values: unknown[] = [];
    while (r.pos < end) values.push(scalar(r, type));
    return values;
  }
  const v = scalar(r, type);
  return Buffer.isBuffer(v) ? v.toString('base64') : v;
}

/**
 * Go's generated marshallers write every non-pointer scalar, zero or not; decoded into Go structs those zeros
 * are the fields' zero values, which JSON leaves out (omitempty). They are left out here as well.
 */
function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function badBody(detail: string): StatusError {
  return new StatusError('BadRequest', `the body of the request could not be decoded as ${protobufMediaType}: ${detail}`);
}

/** Decodes a protobuf request body into the object's JSON form, apiVersion and kind included. */
export function decodeKubeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(magic)) throw badBody('provided object is not a Kubernetes protobuf message');
  let envelope: Record<string, unknown>;
  try {
    const r = protobuf.Reader.create(body.subarray(4));
    envelope = decodeMessage(r, 'runtime.Unknown', r.len);
  } catch (err) {
    throw badBody((err as Error).message);
  }
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const name = kinds[`${typeMeta.apiVersion}/${typeMeta.kind}`];
  if (!name) throw badBody(`no kind "${typeMeta.kind}" is registered for version "${typeMeta.apiVersion}"`);
  const raw = Buffer.from(String(envelope.raw ?? ''), 'base64');
  try {
    const r = protobuf.Reader.create(raw);
    return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...decodeMessage(r, name, r.len) };
  } catch (err) {
    throw badBody((err as Error).message);
  }
}
