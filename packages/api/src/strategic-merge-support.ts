// Strategic merge patch (strategic-merge-patch.ts): the directive names, the errors with the HTTP status
// kube-apiserver gives each, Go's formatting of values in their messages, and Go's kinds of JSON values.
export type JsonMap = Record<string, unknown>;

export const directiveMarker = '$patch';
export const retainKeysDirective = '$retainKeys';
export const deletePrefix = '$deleteFromPrimitiveList';
export const orderPrefix = '$setElementOrder';

/**
 * Why a patch could not be applied, with the HTTP status kube-apiserver answers for it
 * (interpretStrategicMergePatchError): 400 for the malformed-directive errors, 422 for lists of lists,
 * 500 for the rest (Go errors that are not API statuses, e.g. a missing merge key).
 */
export class StrategicMergePatchError extends Error {
  constructor(
    message: string,
    readonly reason: 'BadRequest' | 'Invalid' | 'InternalError',
  ) {
    super(message);
    this.name = 'StrategicMergePatchError';
  }
}

export const badRequest = (m: string) => new StrategicMergePatchError(m, 'BadRequest');
export const internal = (m: string) => new StrategicMergePatchError(m, 'InternalError');
// mergepatch's sentinel errors, word for word.
export const errRetainKeys = () => badRequest('invalid patch format of retainKeys');
export const errPrimitiveList = () => badRequest('invalid patch format of primitive list');
export const errSetElementOrder = () => badRequest('invalid patch format of setElementOrder list');

export function isMap(v: unknown): v is JsonMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Go's %v of a decoded JSON value (map keys sorted, as fmt prints maps). */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isMap(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goFormat(v[k])}`)
      .join(' ')}]`;
  return String(v);
}

export const noMergeKey = (m: unknown, key: string) => internal(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
export const badArgType = (expected: string, actual: unknown) =>
  internal(`expected a ${expected}, but received a ${Array.isArray(actual) ? '[]interface {}' : typeof actual}`);

/** The Go kind of a decoded JSON value, as reflect.TypeOf tells them apart. */
export type ValueKind = 'map' | 'slice' | 'string' | 'float64' | 'bool' | 'nil';
export function kindOf(v: unknown): ValueKind {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}

/** sliceElementType: one element kind across the lists, never a list of lists. */
export function elementKind(...lists: unknown[][]): ValueKind | undefined {
  let kind: ValueKind | undefined;
  for (const list of lists)
    for (const v of list) {
      const k = kindOf(v);
      if (kind === undefined) {
        if (k === 'slice') throw new StrategicMergePatchError('lists of lists are not supported', 'Invalid');
        kind = k;
      } else if (k !== kind) {
        throw internal(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  return kind;
}
