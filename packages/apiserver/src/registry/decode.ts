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

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  // Keys that are not plain identifiers (labels, annotations, data keys) are written as map keys, the way
  // Kubernetes field paths write them: metadata.labels[app.kubernetes.io/name].
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${key.length > 64 ? `${key.slice(0, 61)}...` : key}]`;
}

/**
 * The field path of the first object or list nested deeper than `limit` levels (the body itself is level
 * 1, as Go's decoder counts), or undefined when the value is within the limit. Recursion stops at the
 * limit, so even a value nested a million levels deep costs at most `limit` stack frames.
 */
export function tooDeepAt(value: unknown, limit = maxNestingDepth): string | undefined {
  const walk = (v: unknown, path: string, depth: number): string | undefined => {
    if (v === null || typeof v !== 'object') return undefined;
    if (depth > limit) return path || '<body>';
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, child] of entries) {
      const found = walk(child, childPath(path, k), depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(value, '', 1);
}

/** Refuses a body (or a patched object) that nests deeper than kubelab can store, naming the field. */
export function assertNestingDepth(info: Pick<ResourceInfo, 'kind' | 'group' | 'version'>, body: unknown): void {
  const at = tooDeepAt(body);
  if (at === undefined) return;
  const shown = at.length > 300 ? `${at.slice(0, 150)}...${at.slice(-140)}` : at;
  throw decodeError(info, `exceeded max depth: ${shown} is nested more than ${maxNestingDepth} levels deep`);
}
