// Field paths and sets of them, as structured-merge-diff's fieldpath package has them (sigs.k8s.io/
// structured-merge-diff fieldpath/element.go, set.go, serialize.go): a path element is a field name, the key
// of an associative list item, a set member's value or a list index; a FieldSet is a tree whose nodes list
// their member elements and their children. Its JSON form is managedFields' FieldsV1
// (`{"f:spec":{"f:replicas":{}},"k:{\"name\":\"x\"}":{".":{}}}`). Elements are ordered as Go orders them
// (fields, then keys, then values, then indices), which decides FieldsV1's key order and the order conflicts
// are listed in.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export type PathElement =
  | { field: string }
  | { key: [string, JsonValue][] } // sorted by field name
  | { value: JsonValue }
  | { index: number };

export type Path = PathElement[];

/** Go's value.Compare: floats and ints numerically, then strings, booleans, lists, maps, null. */
function typeRank(v: JsonValue): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 2;
  if (typeof v === 'boolean') return 3;
  if (Array.isArray(v)) return 4;
  if (v === null) return 6;
  return 5;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareValues(a: JsonValue, b: JsonValue): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number') return Math.sign(a - (b as number));
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a)) {
    const bl = b as JsonValue[];
    for (let i = 0; i < Math.min(a.length, bl.length); i++) {
      const c = compareValues(a[i], bl[i]);
      if (c) return c;
    }
    return a.length - bl.length;
  }
  if (a === null) return 0;
  const ak = Object.keys(a).sort();
  const bm = b as Record<string, JsonValue>;
  const bk = Object.keys(bm).sort();
  for (let i = 0; i < Math.min(ak.length, bk.length); i++) {
    const c = compareStrings(ak[i], bk[i]) || compareValues(a[ak[i]], bm[bk[i]]);
    if (c) return c;
  }
  return ak.length - bk.length;
}

function kindRank(pe: PathElement): number {
  if ('field' in pe) return 0;
  if ('key' in pe) return 1;
  if ('value' in pe) return 2;
  return 3;
}

export function comparePathElements(a: PathElement, b: PathElement): number {
  const ra = kindRank(a);
  const rb = kindRank(b);
  if (ra !== rb) return ra - rb;
  if ('field' in a) return compareStrings(a.field, (b as { field: string }).field);
  if ('key' in a) {
    const bk = (b as { key: [string, JsonValue][] }).key;
    for (let i = 0; ; i++) {
      if (i >= a.key.length && i >= bk.length) return 0;
      if (i >= a.key.length) return -1;
      if (i >= bk.length) return 1;
      const c = compareStrings(a.key[i][0], bk[i][0]) || compareValues(a.key[i][1], bk[i][1]);
      if (c) return c;
    }
  }
  if ('value' in a) return compareValues(a.value, (b as { value: JsonValue }).value);
  return a.index - (b as { index: number }).index;
}

/** JSON as Go's encoder writes it for FieldsV1 keys: map keys sorted. */
function canonicalJson(v: JsonValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
    .join(',')}}`;
}

/** The FieldsV1 key of an element (fieldpath.SerializePathElement); also its identity. */
export function serializePathElement(pe: PathElement): string {
  if ('field' in pe) return `f:${pe.field}`;
  if ('key' in pe) return `k:{${pe.key.map(([n, v]) => `${JSON.stringify(n)}:${canonicalJson(v)}`).join(',')}}`;
  if ('value' in pe) return `v:${canonicalJson(pe.value)}`;
  return `i:${pe.index}`;
}

export class FieldPathError extends Error {}

export function deserializePathElement(s: string): PathElement | undefined {
  if (s.length < 2 || s[1] !== ':') throw new FieldPathError(`missing colon: ${s}`);
  const rest = s.slice(2);
  switch (s[0]) {
    case 'f':
      return { field: rest };
    case 'v':
      return { value: JSON.parse(rest) as JsonValue };
    case 'k': {
      const obj = JSON.parse(rest) as Record<string, JsonValue>;
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new FieldPathError(`invalid key: ${s}`);
      return keyElement(Object.entries(obj));
    }
    case 'i': {
      if (!/^-?\d+$/.test(rest)) throw new FieldPathError(`invalid index: ${s}`);
      return { index: Number(rest) };
    }
    default:
      return undefined; // ErrUnknownPathElementType: skipped
  }
}

export function keyElement(fields: [string, JsonValue][]): PathElement {
  return { key: [...fields].sort(([a], [b]) => compareStrings(a, b)) };
}

/** Go's value.ToString, as paths are printed in conflict messages. */
function valueString(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${k}=${valueString(x)}`)
    .join(',')}}`;
}

export function pathElementString(pe: PathElement): string {
  if ('field' in pe) return `.${pe.field}`;
  if ('key' in pe) return `[${pe.key.map(([n, v]) => `${n}=${valueString(v)}`).join(',')}]`;
  if ('value' in pe) return `[=${valueString(pe.value)}]`;
  return `[${pe.index}]`;
}

export function pathString(p: Path): string {
  return p.map(pathElementString).join('');
}

interface Child {
  pe: PathElement;
  set: FieldSet;
}

const sortedValues = <T>(m: Map<string, T>, pe: (t: T) => PathElement): T[] =>
  [...m.values()].sort((a, b) => comparePathElements(pe(a), pe(b)));

/** fieldpath.Set: members at this level and children sets, keyed by serialized element. */
export class FieldSet {
  readonly members = new Map<string, PathElement>();
  readonly children = new Map<string, Child>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(p: Path): void {
    if (p.length === 0) return;
    let s: FieldSet = this;
    for (let i = 0; i < p.length - 1; i++) s = s.descend(p[i]);
    s.members.set(serializePathElement(p[p.length - 1]), p[p.length - 1]);
  }

  /** The child set under `pe`, created when missing. */
  descend(pe: PathElement): FieldSet {
    const k = serializePathElement(pe);
    let c = this.children.get(k);
    if (!c) {
      c = { pe, set: new FieldSet() };
      this.children.set(k, c);
    }
    return c.set;
  }

  has(p: Path): boolean {
    if (p.length === 0) return false;
    let s: FieldSet | undefined = this;
    for (let i = 0; i < p.length - 1 && s; i++) s = s.children.get(serializePathElement(p[i]))?.set;
    return !!s?.members.has(serializePathElement(p[p.length - 1]));
  }

  hasMember(pe: PathElement): boolean {
    return this.members.has(serializePathElement(pe));
  }

  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(serializePathElement(pe))?.set ?? new FieldSet();
  }

  empty(): boolean {
    if (this.members.size) return false;
    for (const c of this.children.values()) if (!c.set.empty()) return false;
    return true;
  }

  union(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, pe] of o.members) out.members.set(k, pe);
    for (const [k, c] of this.children) out.children.set(k, c);
    for (const [k, c] of o.children) {
      const mine = this.children.get(k);
      out.children.set(k, mine ? { pe: mine.pe, set: mine.set.union(c.set) } : c);
    }
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const theirs = o.children.get(k);
      if (!theirs) continue;
      const r = c.set.intersection(theirs.set);
      if (!r.empty()) out.children.set(k, { pe: c.pe, set: r });
    }
    return out;
  }

  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const theirs = o.children.get(k);
      if (!theirs) {
        out.children.set(k, c);
        continue;
      }
      const d = c.set.difference(theirs.set);
      if (!d.empty()) out.children.set(k, { pe: c.pe, set: d });
    }
    return out;
  }

  /** Difference that also drops whole subtrees whose root is a member of `o`. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (o.members.has(k)) continue;
      const theirs = o.children.get(k);
      if (!theirs) {
        out.children.set(k, c);
        continue;
      }
      const d = c.set.recursiveDifference(theirs.set);
      if (!d.empty()) out.children.set(k, { pe: c.pe, set: d });
    }
    return out;
  }

  equals(o: FieldSet): boolean {
    return this.toJson() === o.toJson();
  }

  /** Every path in the set, in Go's order (members, then children, at each level). */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    for (const pe of sortedValues(this.members, (x) => x)) out.push([...prefix, pe]);
    for (const c of sortedValues(this.children, (x) => x.pe)) out.push(...c.set.paths([...prefix, c.pe]));
    return out;
  }

  /** FieldsV1 (Set.ToJSON): a member that also has children gets a "." entry. */
  toFieldsV1(includeSelf = false): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (includeSelf && (this.members.size || this.children.size)) out['.'] = {};
    const keys = new Map<string, PathElement>();
    for (const [k, pe] of this.members) keys.set(k, pe);
    for (const [k, c] of this.children) keys.set(k, c.pe);
    for (const [k] of [...keys].sort(([, a], [, b]) => comparePathElements(a, b))) {
      const child = this.children.get(k);
      out[k] = child ? child.set.toFieldsV1(this.members.has(k)) : {};
    }
    return out;
  }

  toJson(): string {
    return JSON.stringify(this.toFieldsV1());
  }

  static fromFieldsV1(json: unknown): FieldSet {
    return readV1(json).children ?? new FieldSet();
  }
}

function readV1(json: unknown): { children?: FieldSet; isMember: boolean } {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new FieldPathError('FieldsV1 must be a JSON object');
  let children: FieldSet | undefined;
  let isMember = false;
  for (const [key, v] of Object.entries(json)) {
    if (key === '.') {
      isMember = true;
      continue;
    }
    const pe = deserializePathElement(key);
    if (!pe) continue;
    const sub = readV1(v);
    children ??= new FieldSet();
    if (sub.isMember) children.members.set(serializePathElement(pe), pe);
    if (sub.children) children.children.set(serializePathElement(pe), { pe, set: sub.children });
  }
  if (!children) isMember = true;
  return { children, isMember };
}
