// Strategic merge patch (strategic-merge-patch.ts): the order of a merged list, as strategicpatch's
// normalizeElementOrder and mergeSortedSlice give it: the patch's items in the patch's order, the server-only
// items in the live order, interleaved.
import { badArgType, directiveMarker, internal, isMap, noMergeKey, type ValueKind } from './strategic-merge-support';

/** extractToDeleteItems: list elements that are `$patch: delete` directives, split from the rest. */
export function splitDeletes(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = [];
  const del: unknown[] = [];
  for (const v of list) {
    if (!isMap(v)) throw badArgType('map[string]interface {}', v);
    (v[directiveMarker] === 'delete' ? del : keep).push(v);
  }
  return [keep, del];
}

/** Items of `merged` present in `by` (by merge key for maps), and the rest. */
export function partition(merged: unknown[], by: unknown[], mergeKey: string, kind: ValueKind): [unknown[], unknown[]] {
  const inBy: unknown[] = [];
  const rest: unknown[] = [];
  for (const v of merged) {
    let found: boolean;
    if (kind === 'map' && mergeKey) {
      if (!isMap(v)) throw badArgType('map[string]interface {}', v);
      if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
      found = by.some((b) => {
        if (!isMap(b)) throw internal('value for key is not a map.');
        return b[mergeKey] === v[mergeKey];
      });
    } else {
      found = by.includes(v);
    }
    (found ? inBy : rest).push(v);
  }
  return [inBy, rest];
}

function indexIn(list: unknown[], v: unknown, mergeKey: string, kind: ValueKind): number {
  const val = (x: unknown) => (kind === 'map' ? (isMap(x) ? x[mergeKey] : undefined) : x);
  const want = val(v);
  return list.findIndex((x) => val(x) === want);
}

/** normalizeSliceOrder: `toSort` in the order of `order` (stable), `$patch: delete` elements last. */
function sortByOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: ValueKind): unknown[] {
  let items = toSort;
  let deletes: unknown[] = [];
  if (kind === 'map') {
    for (const v of [...toSort, ...order]) {
      if (!isMap(v)) throw badArgType('map[string]interface {}', v);
      if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
    }
    [items, deletes] = splitDeletes(toSort);
  }
  const sorted = items
    .map((v, i) => ({ v, i, at: indexIn(order, v, mergeKey, kind) }))
    .sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i))
    .map((x) => x.v);
  return [...sorted, ...deletes];
}

/**
 * normalizeElementOrder + mergeSortedSlice: the patch's items in the patch's order, the server-only items in
 * the live order, interleaved so each server-only item stays before the patch items it preceded live.
 */
export function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ValueKind,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}
