// Typed operations on JSON values, as structured-merge-diff's typed package does them (typed/merge.go,
// compare.go, tofieldset.go, remove.go, helpers.go): merge a config onto a live object, compare two objects
// into added/modified/removed field sets, list the fields a value sets, and remove a set of fields. Atomic
// lists and maps, and empty ones, are leaves; associative lists are walked by their items' path elements.
// `undefined` is an absent value; `null` is an explicit null.
import { FieldSet, type JsonValue, keyElement, type Path, type PathElement, pathString, serializePathElement } from './fieldpath';
import { type Atom, deduced, type ListType, type MapType, type Schema, type TypeRef } from './schema';

type Value = JsonValue | undefined;
type JsonMap = { [k: string]: JsonValue };

export class TypedError extends Error {}

const isMap = (v: Value): v is JsonMap => v !== null && typeof v === 'object' && !Array.isArray(v);
const isScalar = (v: Value): boolean => v !== null && v !== undefined && typeof v !== 'object';

function resolve(schema: Schema, t: TypeRef): Atom {
  const a = schema.resolve(t);
  if (!a) throw new TypedError(`schema error: no type found matching: ${t}`);
  return a;
}

/** deduceAtom: an untyped type narrowed to what the value is. */
function deduceAtom(a: Atom, v: Value): Atom {
  if (v === undefined || v === null) return a;
  if (isScalar(v)) return a.scalar ? { scalar: true } : a;
  if (Array.isArray(v)) return a.list ? { list: a.list } : a;
  return a.map ? { map: a.map } : a;
}

function atomKind(a: Atom): 'map' | 'scalar' | 'list' {
  if (a.map) return 'map';
  if (a.scalar) return 'scalar';
  if (a.list) return 'list';
  throw new TypedError('schema error: invalid atom');
}

/** The type of a map's key: a struct field's, else the element type (unknown struct fields: deduced). */
export function mapFieldType(m: MapType, key: string): TypeRef {
  return m.fields?.get(key)?.type ?? m.elementType ?? deduced;
}

/** listItemToPathElement: the element naming an item of an associative list. */
export function listItemElement(schema: Schema, list: ListType, item: Value): PathElement {
  if (!list.associative) throw new TypedError('invalid indexing of non-associative list');
  if (list.keys.length) {
    if (item === null) throw new TypedError('associative list with keys may not have a null element');
    if (!isMap(item)) throw new TypedError('associative list with keys may not have non-map elements');
    const fields = resolve(schema, list.elementType).map?.fields;
    const key: [string, JsonValue][] = [];
    for (const k of list.keys) {
      if (item[k] !== undefined) key.push([k, item[k]]);
      else {
        const def = fields?.get(k)?.default;
        if (def !== undefined) key.push([k, def]);
      }
    }
    if (!key.length)
      throw new TypedError(
        `associative list with keys has an element that omits all key fields ${JSON.stringify(list.keys)} (and doesn't have default values for any key fields)`,
      );
    return keyElement(key);
  }
  if (isMap(item)) throw new TypedError("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) throw new TypedError('not supported: associative list with lists as elements');
  if (item === null) throw new TypedError("associative list without keys has an element that's an explicit null");
  return { value: item as JsonValue };
}

function withPath(err: unknown, path: Path): never {
  if (err instanceof TypedError && !err.message.startsWith('.')) throw new TypedError(`${pathString(path)}: ${err.message}`);
  throw err;
}

// ---------------------------------------------------------------- merge

/**
 * TypedValue.Merge with ruleKeepRHS: `rhs` (the applied config) wins on every leaf; associative lists keep
 * the live order and put the config's items where the config orders them (visitListItems).
 */
export function merge(schema: Schema, t: TypeRef, lhs: Value, rhs: Value): Value {
  return mergeValue(schema, t, lhs, rhs, []);
}

function mergeValue(schema: Schema, t: TypeRef, lhs: Value, rhs: Value, path: Path): Value {
  if (lhs === undefined && rhs === undefined) return undefined;
  const a = resolve(schema, t);
  // When the two differ in kind (a map replaced by a scalar), the config's kind wins, as in Go.
  const atom = rhs === undefined ? deduceAtom(a, lhs) : deduceAtom(a, rhs);
  try {
    switch (atomKind(atom)) {
      case 'scalar':
        return rhs !== undefined ? rhs : lhs;
      case 'list': {
        const l = Array.isArray(lhs) ? lhs : undefined;
        const r = Array.isArray(rhs) ? rhs : undefined;
        if (atom.list!.associative === false || (!l?.length && !r?.length)) return rhs !== undefined ? rhs : lhs;
        return mergeList(schema, atom.list!, l, r, path);
      }
      default: {
        const l = isMap(lhs) ? lhs : undefined;
        const r = isMap(rhs) ? rhs : undefined;
        if (atom.map!.atomic || ((!l || !Object.keys(l).length) && (!r || !Object.keys(r).length))) return rhs !== undefined ? rhs : lhs;
        if (!l && !r) return rhs !== undefined ? rhs : lhs;
        return mergeMap(schema, atom.map!, l, r, path);
      }
    }
  } catch (err) {
    withPath(err, path);
  }
}

function mergeMap(schema: Schema, m: MapType, lhs: JsonMap | undefined, rhs: JsonMap | undefined, path: Path): Value {
  const out: JsonMap = {};
  const keys = new Set([...Object.keys(lhs ?? {}), ...Object.keys(rhs ?? {})]);
  for (const k of keys) {
    const v = mergeValue(schema, mapFieldType(m, k), lhs?.[k], rhs?.[k], [...path, { field: k }]);
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

interface Indexed {
  pes: PathElement[];
  keys: string[];
  byKey: Map<string, Value>;
}

function indexList(schema: Schema, list: ListType, items: JsonValue[] | undefined, allowDuplicates: boolean): Indexed {
  const out: Indexed = { pes: [], keys: [], byKey: new Map() };
  (items ?? []).forEach((item, i) => {
    let pe: PathElement;
    try {
      pe = listItemElement(schema, list, item);
    } catch (err) {
      throw new TypedError(`element ${i}: ${(err as Error).message}`);
    }
    const k = serializePathElement(pe);
    if (out.byKey.has(k)) {
      if (!allowDuplicates) throw new TypedError(`duplicate entries for key ${pathString([pe])}`);
      out.byKey.set(k, undefined); // a duplicated item merges as absent
    } else out.byKey.set(k, item);
    out.pes.push(pe);
    out.keys.push(k);
  });
  return out;
}

function mergeList(schema: Schema, list: ListType, lhs: JsonValue[] | undefined, rhs: JsonValue[] | undefined, path: Path): Value {
  const r = indexList(schema, list, rhs, false);
  const l = indexList(schema, list, lhs, true);
  const out: JsonValue[] = [];
  const sharedOrder = r.keys.filter((k) => l.byKey.has(k));
  let next = sharedOrder.shift();
  const merged = new Set<string>();
  const item = (k: string, pe: PathElement) => {
    const v = mergeValue(schema, list.elementType, l.byKey.get(k), r.byKey.get(k), [...path, pe]);
    if (v !== undefined) out.push(v);
  };
  let lI = 0;
  let rI = 0;
  while (lI < l.keys.length || rI < r.keys.length) {
    if (lI < l.keys.length && rI < r.keys.length) {
      const k = l.keys[lI];
      if (k === r.keys[rI]) {
        merged.add(k);
        item(k, l.pes[lI]);
        lI++;
        rI++;
        next = sharedOrder.shift();
        continue;
      }
      if (r.byKey.has(k) && next !== undefined && next !== k) {
        lI++;
        continue;
      }
    }
    if (lI < l.keys.length) {
      const k = l.keys[lI];
      if (!r.byKey.has(k)) {
        const v = mergeValue(schema, list.elementType, (lhs ?? [])[lI], undefined, [...path, l.pes[lI]]);
        if (v !== undefined) out.push(v);
        lI++;
        continue;
      }
      if (merged.has(k)) lI++;
    }
    if (rI < r.keys.length) {
      const k = r.keys[rI];
      merged.add(k);
      item(k, r.pes[rI]);
      rI++;
      if (next === k) next = sharedOrder.shift();
    }
  }
  return out.length ? out : undefined;
}

// ---------------------------------------------------------------- compare

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** TypedValue.Compare: which fields `rhs` added, modified or removed relative to `lhs`. */
export function compare(schema: Schema, t: TypeRef, lhs: Value, rhs: Value): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareValue(schema, t, lhs, rhs, [], c);
  return c;
}

function compareValue(schema: Schema, t: TypeRef, lhs: Value, rhs: Value, path: Path, c: Comparison): void {
  if (lhs === undefined && rhs === undefined) return;
  const a = resolve(schema, t);
  const atom = rhs === undefined ? deduceAtom(a, lhs) : deduceAtom(a, rhs);
  let leaf = false;
  const doLeaf = () => {
    leaf = true;
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
    else if (!jsonEquals(lhs, rhs)) c.modified.insert(path);
  };
  try {
    switch (atomKind(atom)) {
      case 'scalar':
        doLeaf();
        break;
      case 'list': {
        const l = Array.isArray(lhs) ? lhs : undefined;
        const r = Array.isArray(rhs) ? rhs : undefined;
        if (!atom.list!.associative || (!l?.length && !r?.length)) doLeaf();
        else compareList(schema, atom.list!, l, r, path, c);
        break;
      }
      default: {
        const l = isMap(lhs) ? lhs : undefined;
        const r = isMap(rhs) ? rhs : undefined;
        if (atom.map!.atomic || ((!l || !Object.keys(l).length) && (!r || !Object.keys(r).length))) doLeaf();
        else {
          const keys = new Set([...Object.keys(l ?? {}), ...Object.keys(r ?? {})]);
          for (const k of keys) compareValue(schema, mapFieldType(atom.map!, k), l?.[k], r?.[k], [...path, { field: k }], c);
        }
      }
    }
  } catch (err) {
    withPath(err, path);
  }
  if (!leaf) {
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
  }
}

function compareList(
  schema: Schema,
  list: ListType,
  lhs: JsonValue[] | undefined,
  rhs: JsonValue[] | undefined,
  path: Path,
  c: Comparison,
): void {
  const order: [string, PathElement][] = [];
  const group = (items: JsonValue[] | undefined, into: Map<string, JsonValue[]>, other?: Map<string, JsonValue[]>) =>
    (items ?? []).forEach((item, i) => {
      let pe: PathElement;
      try {
        pe = listItemElement(schema, list, item);
      } catch (err) {
        throw new TypedError(`element ${i}: ${(err as Error).message}`);
      }
      const k = serializePathElement(pe);
      const found = into.get(k);
      if (found) found.push(item);
      else {
        into.set(k, [item]);
        if (!other?.has(k)) order.push([k, pe]);
      }
    });
  const lValues = new Map<string, JsonValue[]>();
  const rValues = new Map<string, JsonValue[]>();
  group(lhs, lValues);
  group(rhs, rValues, lValues);
  for (const [k, pe] of order) {
    const l = lValues.get(k) ?? [];
    const r = rValues.get(k) ?? [];
    const p = [...path, pe];
    if (l.length <= 1 && r.length <= 1) compareValue(schema, list.elementType, l[0], r[0], p, c);
    else if (l.length >= 2 && r.length >= 2) {
      if (l.length !== r.length || l.some((v, i) => !jsonEquals(v, r[i]))) c.modified.insert(p);
    } else if (l.length >= 2) {
      if (r.length) compareValue(schema, list.elementType, undefined, r[0], p, c);
      c.removed.insert(p);
    } else {
      if (l.length) compareValue(schema, list.elementType, l[0], undefined, p, c);
      c.added.insert(p);
    }
  }
}

export function jsonEquals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bl = b as JsonValue[];
    return a.length === bl.length && a.every((v, i) => jsonEquals(v, bl[i]));
  }
  const am = a as JsonMap;
  const bm = b as JsonMap;
  const ak = Object.keys(am);
  return ak.length === Object.keys(bm).length && ak.every((k) => k in bm && jsonEquals(am[k], bm[k]));
}

// ---------------------------------------------------------------- toFieldSet

/** TypedValue.ToFieldSet: every leaf field, list item and untyped map key the value sets. */
export function toFieldSet(schema: Schema, t: TypeRef, v: Value): FieldSet {
  const set = new FieldSet();
  fieldSetOf(schema, t, v, [], set);
  return set;
}

function fieldSetOf(schema: Schema, t: TypeRef, v: Value, path: Path, set: FieldSet): void {
  const atom = deduceAtom(resolve(schema, t), v);
  switch (atomKind(atom)) {
    case 'scalar':
      set.insert(path);
      return;
    case 'list': {
      if (!atom.list!.associative) {
        set.insert(path);
        return;
      }
      if (!Array.isArray(v)) return;
      const pes = v.map((item, i) => {
        try {
          return listItemElement(schema, atom.list!, item);
        } catch (err) {
          return withPath(new TypedError(`element ${i}: ${(err as Error).message}`), path);
        }
      });
      const seen = new Set<string>();
      const duplicates = new Set<string>();
      for (const pe of pes) {
        const k = serializePathElement(pe);
        if (seen.has(k) && !duplicates.has(k)) {
          set.insert([...path, pe]);
          duplicates.add(k);
        }
        seen.add(k);
      }
      v.forEach((item, i) => {
        if (duplicates.has(serializePathElement(pes[i]))) return;
        const p = [...path, pes[i]];
        fieldSetOf(schema, atom.list!.elementType, item, p, set);
        set.insert(p);
      });
      return;
    }
    default: {
      if (atom.map!.atomic) {
        set.insert(path);
        return;
      }
      if (!isMap(v)) return;
      for (const [k, val] of Object.entries(v)) {
        if (val === undefined) continue;
        const p = [...path, { field: k }];
        fieldSetOf(schema, mapFieldType(atom.map!, k), val, p, set);
        if (val === null || (isMap(val) && !Object.keys(val).length) || !atom.map!.fields?.has(k)) set.insert(p);
      }
    }
  }
}

// ---------------------------------------------------------------- removeItems

/** TypedValue.RemoveItems: the value without the fields and list items of `toRemove`. */
export function removeItems(schema: Schema, t: TypeRef, v: Value, toRemove: FieldSet): Value {
  if (v === undefined) return v;
  const atom = deduceAtom(resolve(schema, t), v);
  if (atom.list && Array.isArray(v)) {
    if (!v.length || !atom.list.associative) return v;
    const out: JsonValue[] = [];
    for (const item of v) {
      const pe = listItemElement(schema, atom.list, item);
      if (toRemove.hasMember(pe)) continue;
      const sub = toRemove.withPrefix(pe);
      out.push(sub.empty() ? item : (removeItems(schema, atom.list.elementType, item, sub) ?? null));
    }
    return out.length ? out : undefined;
  }
  if (atom.map && isMap(v)) {
    if (!Object.keys(v).length || atom.map.atomic) return v;
    const out: JsonMap = {};
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined) continue;
      const pe = { field: k };
      if (toRemove.hasMember(pe)) continue;
      const sub = toRemove.withPrefix(pe);
      const kept = sub.empty() ? val : removeItems(schema, mapFieldType(atom.map, k), val, sub);
      out[k] = kept === undefined ? null : kept;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

/** Set.EnsureNamedFieldsAreMembers: struct fields that only have children become members too. */
export function ensureNamedFieldsAreMembers(schema: Schema, t: TypeRef, s: FieldSet): FieldSet {
  const out = new FieldSet();
  const atom = schema.resolve(t) ?? {};
  for (const [k, pe] of s.members) out.members.set(k, pe);
  for (const [k, c] of s.children) {
    let childType: TypeRef = '';
    if ('field' in c.pe && atom.map) {
      childType = atom.map.fields?.get(c.pe.field)?.type ?? atom.map.elementType ?? '';
      if (atom.map.fields?.has(c.pe.field)) out.members.set(k, c.pe);
    } else if ('key' in c.pe && atom.list) childType = atom.list.elementType;
    out.children.set(k, { pe: c.pe, set: ensureNamedFieldsAreMembers(schema, childType, c.set) });
  }
  return out;
}
