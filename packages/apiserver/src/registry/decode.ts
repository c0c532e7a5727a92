// Bodies that cannot be handled as the kind they claim to be: Kubernetes refuses them while decoding, with
// 400 and the wording of transformDecodeError (k8s.io/apiserver/pkg/endpoints/handlers/rest.go), before
// anything is stored.
import { StatusError, type ResourceInfo } from '@kubelab/api';

/**
 * How deep a body may nest objects and lists. Kubernetes' JSON decoder stops at 10 000 levels, but kubelab's
 * store is serialized with JSON.stringify, which is recursive and runs out of stack at about 2 000 levels
 * (issue 6: such an object was acknowledged and then no snapshot could be written). Real objects nest about
 * 10 levels (a pod's affinity terms reach 9); 100 leaves them ample room and the serializer a wide margin.
 */
export const maxNestingDepth = 100;

export function decodeError(info: Pick<ResourceInfo, 'kind' | 'group' | 'version'>, detail: string): StatusError {
  const { kind, version, group } = info;
  return new StatusError(
    'BadRequest',
    `${kind} in version "${group ? `${group}/${version}` : version}" cannot be handled as a ${kind}: ${detail}`,
  );
}

/**
 * A field path as Kubernetes writes it: `spec.containers[0].env`, and `metadata.labels[app.kubernetes.io/name]`
 * for keys that are not plain identifiers (labels, annotations, data keys).
 */
function fieldPath(keys: (string | number)[]): string {
  let path = '';
  for (const key of keys) {
    if (typeof key === 'number') path += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) path += path ? `.${key}` : key;
    else path += `[${key.length > 64 ? `${key.slice(0, 61)}...` : key}]`;
  }
  return path || '<body>';
}

/**
 * The field path of the first object or list nested deeper than `limit` levels (the body itself is level
 * 1, as Go's decoder counts), or undefined when the value is within the limit. Recursion stops at the
 * limit, so even a value nested a million levels deep costs at most `limit` stack frames; the path is
 * only spelled out for the one field found.
 */
export function tooDeepAt(value: unknown, limit = maxNestingDepth): string | undefined {
  const keys: (string | number)[] = [];
  const walk = (v: object, depth: number): boolean => {
    if (depth > limit) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child: unknown = v[i];
        if (child === null || typeof child !== 'object') continue;
        keys.push(i);
        if (walk(child, depth + 1)) return true;
        keys.pop();
      }
      return false;
    }
    for (const k in v) {
      const child = (v as Record<string, unknown>)[k];
      if (child === null || typeof child !== 'object') continue;
      keys.push(k);
      if (walk(child, depth + 1)) return true;
      keys.pop();
    }
    return false;
  };
  if (value === null || typeof value !== 'object') return undefined;
  return walk(value, 1) ? fieldPath(keys) : undefined;
}

/** Refuses a body (or a patched object) that nests deeper than kubelab can store, naming the field. */
export function assertNestingDepth(info: Pick<ResourceInfo, 'kind' | 'group' | 'version'>, body: unknown): void {
  const at = tooDeepAt(body);
  if (at === undefined) return;
  const shown = at.length > 300 ? `${at.slice(0, 150)}...${at.slice(-140)}` : at;
  throw decodeError(info, `exceeded max depth: ${shown} is nested more than ${maxNestingDepth} levels deep`);
}
