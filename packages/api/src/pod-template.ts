// Pod template equality as the Deployment controller and kubectl see it (deploymentutil.EqualIgnoreHash):
// semantic, not literal, and blind to the pod-template-hash label. Shared by the controller (which ReplicaSet
// is the new one), `describe deployment` and `rollout undo`.
import { stableJson } from './stable-json';
import type { PodTemplateSpec } from './workloads';

export const podTemplateHashLabel = 'pod-template-hash';

/**
 * A value as Go sees it after decoding: nulls gone, and empty maps, lists and value structs equal to absent
 * ones (apimachinery's semantic DeepEqual treats empty and nil slices/maps alike; `resources: {}` is a struct
 * value). So a typed client's round trip (`creationTimestamp: null`, `resources: {}`) is the same template.
 * `emptyDir: {}` is a volume source whose presence is its meaning, so it stays.
 */
export function semanticForm(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => semanticForm(x));
    return items.length ? items : undefined;
  }
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const y = semanticForm(x, k);
    if (y !== undefined) out[k] = y;
  }
  return Object.keys(out).length || key === 'emptyDir' ? out : undefined;
}

/** The template without its pod-template-hash label, in semantic form: what hashing and equality look at. */
export function templateIdentity(t: PodTemplateSpec | undefined): unknown {
  if (!t) return undefined;
  const labels = { ...t.metadata?.labels };
  delete labels[podTemplateHashLabel];
  return semanticForm({ ...t, metadata: { ...t.metadata, labels } });
}

/** EqualIgnoreHash: the same template apart from the pod-template-hash label. */
export function sameTemplate(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return stableJson(templateIdentity(a)) === stableJson(templateIdentity(b));
}
