// Kubernetes' strategic merge patch (`application/strategic-merge-patch+json`), the server side of it:
// StrategicMergeMapPatch of k8s.io/apimachinery pkg/util/strategicpatch/patch.go (mergeMap, mergeSlice,
// mergePatchIntoOriginal, applyRetainKeysDirective), with MergeParallelList and IgnoreUnmatchedNulls on, as
// the API server calls it. Lists whose field is tagged `patchStrategy:"merge"` merge by their merge key (or
// as a set of scalars); other lists are replaced; maps merge key by key; null deletes. Directives:
//   `$patch: replace | delete` in a map, `$patch: delete | replace` as a list element (by merge key),
//   `$setElementOrder/<list>`, `$retainKeys`, `$deleteFromPrimitiveList/<list>`.
// Field strategies come from a PatchMeta table (patch-meta.ts) instead of Go struct tags.
import type { PatchField, PatchMeta } from './patch-meta';
import { normalizeElementOrder, partition, splitDeletes } from './strategic-merge-order';
import {
  badArgType,
  deletePrefix,
  directiveMarker,
  elementKind,
  errPrimitiveList,
  errRetainKeys,
  errSetElementOrder,
  goFormat,
  internal,
  isMap,
  type JsonMap,
  kindOf,
  noMergeKey,
  orderPrefix,
  retainKeysDirective,
  type StrategicMergePatchError,
} from './strategic-merge-support';

export { goFormat, StrategicMergePatchError } from './strategic-merge-support';

/**
 * Applies `patch` to `original` and returns the result; neither argument is changed. Throws
 * StrategicMergePatchError for a patch Kubernetes refuses.
 */
export function strategicMergePatch(original: JsonMap, patch: JsonMap, meta: PatchMeta | undefined): JsonMap {
  return mergeMap(structuredClone(original), structuredClone(patch), meta);
}

function mergeMap(original: JsonMap | undefined, patch: JsonMap, meta: PatchMeta | undefined): JsonMap {
  if (directiveMarker in patch) return directiveInMap(patch[directiveMarker], patch);
  const out = original ?? {};
  applyRetainKeys(out, patch);
  mergeOrderedLists(out, patch, meta);
  // Deletions from primitive lists first, so a value both deleted and re-added (never sent by kubectl) stays.
  const keys = Object.keys(patch).sort((a, b) => Number(b.startsWith(deletePrefix)) - Number(a.startsWith(deletePrefix)));
  for (const rawKey of keys) {
    const patchV = patch[rawKey];
    let k = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(deletePrefix)) {
      k = extractKey(rawKey, deletePrefix, errPrimitiveList);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete out[k];
      continue;
    }
    const field = meta?.fields[k];
    if (!(k in out)) {
      // Nothing to delete from. (Go stores the deletion list itself here; a list that is not there stays absent.)
      if (!isDeleteList) out[k] = fresh(patchV, field);
      continue;
    }
    const cur = out[k];
    if (isDeleteList) {
      // Deletes from any list of scalars, whatever its strategy; anything else is left as it is.
      if (!Array.isArray(patchV)) throw errPrimitiveList();
      if (Array.isArray(cur) && cur.length) out[k] = cur.filter((v) => !patchV.includes(v));
      continue;
    }
    if (kindOf(cur) !== kindOf(patchV)) {
      out[k] = patchV;
      continue;
    }
    if (isMap(cur)) out[k] = field?.strategy === 'replace' ? patchV : mergeMap(cur, patchV as JsonMap, field?.meta);
    else if (Array.isArray(cur)) out[k] = field?.strategy === 'merge' ? mergeSlice(cur, patchV as unknown[], field) : patchV;
    else out[k] = patchV;
  }
  return out;
}

/**
 * A patch value for a field the original lacks: Go stores it as sent and its typed decoding drops the
 * directives; here the directives are resolved against nothing, so none is ever stored.
 */
function fresh(v: unknown, field: PatchField | undefined): unknown {
  if (isMap(v)) return field?.strategy === 'replace' ? v : mergeMap({}, v, field?.meta);
  if (Array.isArray(v) && field?.strategy === 'merge') return mergeSlice([], v, field);
  return v;
}

function directiveInMap(directive: unknown, patch: JsonMap): JsonMap {
  if (directive === 'replace') {
    delete patch[directiveMarker];
    return patch;
  }
  if (directive === 'delete') return {};
  throw internal(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
}

function extractKey(s: string, prefix: string, err: () => StrategicMergePatchError): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) throw err();
  return s.slice(slash + 1);
}

/** applyRetainKeysDirective: keys of `original` not named in `$retainKeys` are cleared. */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!(retainKeysDirective in patch)) return;
  const list = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(list)) throw errRetainKeys();
  const keep = new Set(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deletePrefix) || k.startsWith(orderPrefix)) continue;
    if (!keep.has(k)) throw errRetainKeys();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** mergePatchIntoOriginal: each `$setElementOrder/<list>` with its list, merged and put in that order. */
function mergeOrderedLists(original: JsonMap, patch: JsonMap, meta: PatchMeta | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(orderPrefix)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
    const listKey = extractKey(key, orderPrefix, errSetElementOrder);
    const orig = original[listKey];
    const patchList = patch[listKey];
    if (orig !== undefined && !Array.isArray(orig)) throw badArgType('[]interface {}', orig);
    if (patchList !== undefined && patchList !== null && !Array.isArray(patchList)) throw badArgType('[]interface {}', patchList);
    const field = meta?.fields[listKey];
    const mergeKey = field?.key ?? '';
    const origList = (orig as unknown[] | undefined) ?? [];
    const patchItems = (patchList as unknown[] | undefined | null) ?? [];
    validateWithOrder(patchItems, order, mergeKey);
    let merged: unknown[];
    let serverOrder = origList;
    if (orig !== undefined && patchList === undefined) merged = origList;
    else if (orig === undefined && Array.isArray(patchList)) merged = patchList;
    else if (orig !== undefined && Array.isArray(patchList))
      merged =
        field?.strategy === 'merge'
          ? mergeSlice(origList, patchList, field, (seen) => {
              serverOrder = seen;
            })
          : patchList;
    else continue;
    const kind = elementKind(origList, patchItems);
    if (kind === undefined) {
      original[listKey] = merged;
      delete patch[listKey];
      continue;
    }
    const [inPatch, serverOnly] = partition(merged, order, mergeKey, kind);
    original[listKey] = normalizeElementOrder(inPatch, serverOnly, order, serverOrder, mergeKey, kind);
    delete patch[listKey];
  }
}

/** validatePatchWithSetOrderList: the patch's items appear in the `$setElementOrder` list, in its order. */
function validateWithOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? splitDeletes(patchList)[0] : patchList;
  let p = 0;
  let o = 0;
  while (p < nonDelete.length && o < order.length) {
    if (isMap(nonDelete[p]) && directiveMarker in (nonDelete[p] as JsonMap)) {
      p++;
      continue;
    }
    if (mergeKeyEqual(nonDelete[p], order[o], mergeKey)) p++;
    o++;
  }
  if (p < nonDelete.length && o >= order.length)
    throw internal(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${orderPrefix} list:\n${goFormat(order)}\n`);
}

function mergeKeyEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isMap(left)) throw badArgType('map[string]interface {}', left);
  if (!isMap(right)) throw badArgType('map[string]interface {}', right);
  if (!(mergeKey in left)) throw noMergeKey(left, mergeKey);
  if (!(mergeKey in right)) throw noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

/**
 * mergeSlice. `view`, when given, receives the caller's original list as Go leaves it: Go's slices share
 * one backing array, so deleting entries shifts them in place and appended entries are written behind
 * them. mergePatchIntoOriginal orders server-only items by that view, and Kubernetes' own expectations
 * (e.g. "add map and delete map from merging list") depend on it.
 */
function mergeSlice(original: unknown[], patch: unknown[], field: PatchField, view?: (seen: unknown[]) => void): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch)!;
  const mergeKey = field.key ?? '';
  let merged: unknown[];
  let orig = original;
  let items = patch;
  if (kind !== 'map') {
    merged = [...new Set([...original, ...patch])];
  } else {
    if (!mergeKey) throw internal('cannot merge lists without merge key for type struct');
    const special = specialElements(original, patch, mergeKey);
    orig = special.orig;
    items = special.items;
    const { backing } = special;
    let len = orig.length;
    merged = [...orig];
    for (const v of items as JsonMap[]) {
      if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
      const i = merged.findIndex((o) => {
        if (!isMap(o)) throw internal('value for key is not a map.');
        return o[mergeKey] === v[mergeKey];
      });
      if (i >= 0) merged[i] = mergeMap(merged[i] as JsonMap, v, field.meta);
      else {
        merged.push(mergeMap({}, v, field.meta));
        if (backing && len < backing.length) backing[len] = v;
        len++;
      }
    }
    if (backing) view?.(backing);
  }
  const [inPatch, serverOnly] = partition(merged, items, mergeKey, kind);
  return normalizeElementOrder(inPatch, serverOnly, items, orig, mergeKey, kind);
}

/**
 * mergeSliceWithSpecialElements: `$patch: delete` elements remove by merge key (deleteMatchingEntries,
 * shifting the backing array as Go's append(s[:i], s[i+1:]...) does); `$patch: replace` replaces.
 */
function specialElements(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
): { orig: unknown[]; items: unknown[]; backing?: unknown[] } {
  const plain: unknown[] = [];
  const backing = [...original];
  let len = backing.length;
  let replace = false;
  for (const v of patch as JsonMap[]) {
    if (!(directiveMarker in v)) {
      plain.push(v);
      continue;
    }
    const directive = v[directiveMarker];
    if (directive === 'delete') {
      if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
      for (;;) {
        const i = backing.slice(0, len).findIndex((o) => isMap(o) && o[mergeKey] === v[mergeKey]);
        if (i < 0) break;
        backing.copyWithin(i, i + 1, len);
        len--;
      }
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw internal('merging lists cannot yet be specified in the patch');
    } else {
      throw internal(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(v)}`);
    }
  }
  return replace ? { orig: plain, items: [] } : { orig: backing.slice(0, len), items: plain, backing };
}
