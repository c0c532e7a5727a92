// The structured-merge-diff schema of a kind (schema/elements.go): atoms that are scalars, lists (atomic, or
// associative: a set of scalars or a map keyed by some of its items' fields) and maps (structs with named
// fields, or maps of one element type; granular or atomic). Built from the protobuf field table
// (kube-proto-schema.ts: names, types, embedded structs) and the apply markers (kube-apply-schema.ts: list
// types, keys, atomic structs, defaults), the way kube-openapi's schemaconv turns Kubernetes' OpenAPI into
// it. Kinds outside the table get the "deduced" schema Kubernetes uses for schemaless objects: maps granular,
// lists atomic.
import { kubeProtoSchema } from '../rest/protobuf/kube-proto-schema';
import type { JsonValue } from './fieldpath';
import { kubeApplySchema } from './kube-apply-schema';

export type TypeRef = string;

export interface ListType {
  elementType: TypeRef;
  associative: boolean;
  /** Keys of an associative list of maps (x-kubernetes-list-map-keys); none for a set of scalars. */
  keys: string[];
}

export interface StructField {
  type: TypeRef;
  default?: JsonValue;
  /** A Go value struct (not a pointer): always present in Kubernetes' typed objects. */
  valueStruct?: boolean;
}

export interface MapType {
  /** Struct fields; any other key has elementType. */
  fields?: Map<string, StructField>;
  elementType?: TypeRef;
  atomic: boolean;
}

/** What a type may be; untyped types are all three and the value decides (deduceAtom). */
export interface Atom {
  scalar?: boolean;
  list?: ListType;
  map?: MapType;
}

export const deduced = '__untyped_deduced_';
const untypedAtomic = '__untyped_atomic_';
const scalarType = '__scalar';

const builtins: Record<string, Atom> = {
  [deduced]: {
    scalar: true,
    list: { elementType: untypedAtomic, associative: false, keys: [] },
    map: { elementType: deduced, atomic: false },
  },
  [untypedAtomic]: {
    scalar: true,
    list: { elementType: untypedAtomic, associative: false, keys: [] },
    map: { elementType: untypedAtomic, atomic: true },
  },
  [scalarType]: { scalar: true },
};

/** Messages whose JSON form is a scalar (RFC 3339 times, quantities, int-or-string). */
const scalarMessages = new Set(['meta.Time', 'meta.MicroTime', 'resource.Quantity', 'intstr.IntOrString']);
/** Messages whose JSON is whatever they carry. */
const untypedMessages = new Set(['runtime.RawExtension', 'meta.FieldsV1', 'runtime.Unknown']);

interface ProtoField {
  name: string;
  type: string;
  rule?: string;
}

function protoFields(message: string): ProtoField[] {
  return (kubeProtoSchema[message] ?? '')
    .split(' ')
    .filter(Boolean)
    .map((entry) => {
      const [name, , type, rule] = entry.split(':');
      return { name, type, rule };
    });
}

interface Markers {
  atomic: boolean;
  lists: Map<string, string>;
  defaults: Map<string, JsonValue>;
}

function markers(message: string): Markers {
  const out: Markers = { atomic: false, lists: new Map(), defaults: new Map() };
  for (const token of (kubeApplySchema[message] ?? '').split(' ').filter(Boolean)) {
    if (token === '@atomic') out.atomic = true;
    else if (/^\w+:/.test(token)) {
      const i = token.indexOf(':');
      out.lists.set(token.slice(0, i), token.slice(i + 1));
    } else {
      const i = token.indexOf('=');
      out.defaults.set(token.slice(0, i), JSON.parse(token.slice(i + 1)) as JsonValue);
    }
  }
  return out;
}

function isScalarProto(type: string): boolean {
  return !type.includes('.') || scalarMessages.has(type);
}

function elementRef(type: string): TypeRef {
  if (isScalarProto(type)) return scalarType;
  if (untypedMessages.has(type)) return deduced;
  return type;
}

export class Schema {
  private readonly atoms = new Map<TypeRef, Atom>(Object.entries(builtins));

  /** Adds a named type (tests build structured-merge-diff's own schemas this way). */
  define(name: TypeRef, atom: Atom): TypeRef {
    this.atoms.set(name, atom);
    return name;
  }

  resolve(t: TypeRef | undefined): Atom | undefined {
    if (t === undefined) return undefined;
    let a = this.atoms.get(t);
    if (!a && kubeProtoSchema[t] !== undefined) {
      a = { map: this.struct(t) };
      this.atoms.set(t, a);
    }
    return a;
  }

  /** A kind's root type: its message plus apiVersion and kind. */
  root(message: string): TypeRef {
    const name = `${message}#root`;
    if (!this.atoms.has(name)) {
      const map = this.struct(message);
      const fields = new Map(map.fields);
      fields.set('apiVersion', { type: scalarType });
      fields.set('kind', { type: scalarType });
      this.atoms.set(name, { map: { ...map, fields } });
    }
    return name;
  }

  private struct(message: string): MapType {
    const m = markers(message);
    const fields = new Map<string, StructField>();
    for (const f of protoFields(message)) {
      if (f.rule === 'inline') {
        for (const [k, v] of this.struct(f.type).fields ?? []) fields.set(k, v);
        continue;
      }
      fields.set(f.name, {
        type: this.fieldType(message, f, m),
        default: m.defaults.get(f.name),
        valueStruct: !f.rule && !isScalarProto(f.type) && !untypedMessages.has(f.type),
      });
    }
    return { fields, atomic: m.atomic };
  }

  private fieldType(message: string, f: ProtoField, m: Markers): TypeRef {
    const marker = m.lists.get(f.name);
    if (f.rule === 'repeated') {
      const elementType = elementRef(f.type);
      // A bytes field is one base64 string, not a list.
      if (f.type === 'bytes') return scalarType;
      const list: ListType = { elementType, associative: false, keys: [] };
      if (marker === 'set') list.associative = true;
      else if (marker?.startsWith('map=')) {
        list.associative = true;
        list.keys = marker.slice(4).split(',');
      }
      return this.inline(`${message}.${f.name}`, { list });
    }
    if (f.rule === 'map')
      return this.inline(`${message}.${f.name}`, { map: { elementType: elementRef(f.type), atomic: marker === 'atomic' } });
    return elementRef(f.type);
  }

  private inline(name: TypeRef, atom: Atom): TypeRef {
    this.atoms.set(name, atom);
    return name;
  }
}

export const kubeSchema = new Schema();

/** Group of a kind -> prefix of its messages in the field table. */
const groupPrefixes: Record<string, string> = {
  '': 'core',
  apps: 'apps',
  'discovery.k8s.io': 'discovery',
  autoscaling: 'autoscaling',
  'coordination.k8s.io': 'coordination',
  'networking.k8s.io': 'networking',
  'rbac.authorization.k8s.io': 'rbac',
  policy: 'policy',
};

/** The root type of a kind, or the deduced type when the field table does not know it. */
export function typeOfKind(group: string, kind: string): TypeRef {
  const message = `${groupPrefixes[group] ?? group}.${kind}`;
  return kubeProtoSchema[message] !== undefined ? kubeSchema.root(message) : deduced;
}
