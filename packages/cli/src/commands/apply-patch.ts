// Client-side apply, simplified from kubectl (k8s.io/kubectl/pkg/cmd/apply/patcher.go): the manifest is
// stored in the last-applied-configuration annotation, and each apply sends a JSON merge patch (RFC 7386)
// computed three ways — last applied (original), manifest (modified), live object (current) — so fields the
// user removed from the manifest are deleted and fields others (or the server) set are left alone.
import { mergePatch, type KubeObject } from '@kubelab/api';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** JSON with sorted keys, like Go's encoding of unstructured maps, so equal manifests give equal annotations. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (!isObj(v)) return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sort(v[k])]),
    );
  };
  return JSON.stringify(sort(value));
}

/**
 * The manifest with its last-applied annotation set. As in kubectl's GetModifiedConfiguration, the
 * annotation holds the manifest without that annotation (an empty `annotations: {}` stays) plus a newline.
 */
export function withLastApplied(manifest: KubeObject): KubeObject {
  const annotations = { ...(manifest.metadata.annotations ?? {}) };
  delete annotations[lastAppliedAnnotation];
  const bare = { ...manifest, metadata: { ...manifest.metadata, annotations } };
  return { ...bare, metadata: { ...bare.metadata, annotations: { ...annotations, [lastAppliedAnnotation]: `${canonicalJson(bare)}\n` } } };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** `want` is found in `have`, ignoring fields `have` has beyond it (server defaults inside list items). */
function contains(have: unknown, want: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => contains(have[i], w));
  if (isObj(want)) return isObj(have) && Object.keys(want).every((k) => contains(have[k], want[k]));
  return have === want;
}

/**
 * The field kubectl's strategic merge patch matches list items by (patchMergeKey in the Kubernetes API types:
 * containers, env, volumes by name; ports by containerPort; volumeMounts by mountPath), if every item has it.
 */
function mergeKeyOf(items: unknown[]): string | undefined {
  return ['name', 'containerPort', 'mountPath'].find((key) => items.length > 0 && items.every((i) => isObj(i) && i[key] !== undefined));
}

/**
 * The list to send in place of the live one. JSON merge patches replace lists whole, so to change one field of
 * one container the way a strategic merge patch would, keyed items start from their live version (keeping
 * server defaults) and get the item's own three-way patch; unkeyed lists are sent as written.
 */
function mergeList(original: unknown, modified: unknown[], current: unknown): unknown[] {
  const key = mergeKeyOf(modified);
  if (!key || !Array.isArray(current)) return modified;
  const find = (list: unknown, item: Obj): Obj | undefined =>
    (Array.isArray(list) ? list.find((x) => isObj(x) && x[key] === item[key]) : undefined) as Obj | undefined;
  return (modified as Obj[]).map((m) => {
    const live = find(current, m);
    return live ? (mergePatch(structuredClone(live), threeWayMergePatch(find(original, m), m, live)) as Obj) : m;
  });
}

/**
 * The merge patch taking `current` to `modified`, deleting what `original` had and `modified` dropped.
 * A list is sent (see mergeList) when the user changed it since the last apply (which is how a field removed
 * inside a list item gets deleted) or when the live list no longer contains it; server-defaulted fields inside
 * list items alone never trigger a send.
 */
export function threeWayMergePatch(original: unknown, modified: Obj, current: unknown): Obj {
  const orig = isObj(original) ? original : {};
  const cur = isObj(current) ? current : {};
  const patch: Obj = {};
  for (const [k, mv] of Object.entries(modified)) {
    const cv = cur[k];
    if (isObj(mv) && isObj(cv)) {
      const sub = threeWayMergePatch(orig[k], mv, cv);
      if (Object.keys(sub).length > 0) patch[k] = sub;
    } else if (Array.isArray(mv)) {
      if (!contains(cv, mv) || (k in orig && !deepEqual(orig[k], mv))) {
        const list = mergeList(orig[k], mv, cv);
        if (!deepEqual(list, cv)) patch[k] = list;
      }
    } else if (!deepEqual(mv, cv)) {
      patch[k] = mv;
    }
  }
  for (const k of Object.keys(orig)) {
    if (!(k in modified) && cur[k] !== undefined) patch[k] = null;
  }
  return patch;
}

export type ApplyDecision =
  | { action: 'create'; object: KubeObject }
  | { action: 'patch'; patch: Obj; missingAnnotation: boolean }
  | { action: 'unchanged' };

/** What `apply` does with one manifest given the live object (undefined when it does not exist). */
export function decideApply(manifest: KubeObject, live: KubeObject | undefined): ApplyDecision {
  const modified = withLastApplied(manifest);
  if (!live) return { action: 'create', object: modified };
  const stored = live.metadata.annotations?.[lastAppliedAnnotation];
  let original: unknown = {};
  if (stored) {
    try {
      original = JSON.parse(stored);
    } catch {
      original = {}; // a corrupt annotation: behave as if it were missing, but without the warning
    }
  }
  const patch = threeWayMergePatch(original, modified as Obj, live);
  if (Object.keys(patch).length === 0) return { action: 'unchanged' };
  return { action: 'patch', patch, missingAnnotation: stored === undefined };
}
