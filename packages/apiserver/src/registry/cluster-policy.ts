// kube-apiserver's --allow-privileged on the kinds that carry a pod spec: without it, privileged containers,
// host namespaces and capabilities past the pod's own namespaces are refused with Kubernetes' wording
// (`spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy`), for pods and
// pod templates alike, init containers included. See @kubelab/api pod-security for what counts.
import { field, privilegedRequests, stableJson, type FieldError, type KubeObject } from '@kubelab/api';
import { isObject } from './field-errors';
import type { Strategy } from './strategy';

export interface ClusterPolicy {
  /** `kubelab cluster up --allow-privileged` (KUBELAB_ALLOW_PRIVILEGED=true in the control plane). */
  allowPrivileged: boolean;
}

export function policyErrors(spec: unknown, path: string, policy: ClusterPolicy): FieldError[] {
  if (policy.allowPrivileged) return [];
  return privilegedRequests(spec, path).map((r) => field.forbidden(r.field, r.detail));
}

/** What hostPath volumes are on this cluster, said once per volume when a pod (template) is written. */
export function hostPathWarnings(kind: string, obj: KubeObject, spec: unknown, path: string, policy: ClusterPolicy): string[] {
  if (!isObject(spec) || !Array.isArray(spec.volumes)) return [];
  const out: string[] = [];
  spec.volumes.forEach((v: unknown, i) => {
    if (!isObject(v) || !isObject(v.hostPath)) return;
    const at = `${path}.volumes[${i}].hostPath`;
    const hostPath = JSON.stringify(v.hostPath.path ?? '');
    out.push(
      policy.allowPrivileged
        ? `${kind} "${obj.metadata.name}": ${at}: ${hostPath} is the Docker host's own path (the cluster allows privileged pods)`
        : `${kind} "${obj.metadata.name}": ${at}: ${hostPath} is a private directory of the node (a Docker volume), not the host's; create the cluster with --allow-privileged to mount host paths`,
    );
  });
  return out;
}

function specAt(obj: KubeObject, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) cur = isObject(cur) ? cur[key] : undefined;
  return cur;
}

/**
 * The strategy with the cluster policy added to its validation and warnings. `specPath` locates the pod spec
 * (`spec`, `spec.template.spec`). Updates are checked only when the pod spec changes, so status writes of
 * objects stored earlier never fail on it.
 */
export function withClusterPolicy(s: Strategy, specPath: string, policy: ClusterPolicy): Strategy {
  return {
    ...s,
    validate(obj, old) {
      const errs = s.validate?.(obj, old) ?? [];
      const spec = specAt(obj, specPath);
      if (old && stableJson(spec) === stableJson(specAt(old, specPath))) return errs;
      return [...errs, ...policyErrors(spec, specPath, policy)];
    },
    warnings(obj) {
      return [...(s.warnings?.(obj) ?? []), ...hostPathWarnings(s.info.kind, obj, specAt(obj, specPath), specPath, policy)];
    },
  };
}

/** Where each pod-carrying kind keeps its pod spec, by plural. */
export const podSpecPaths: Record<string, string> = {
  pods: 'spec',
  replicasets: 'spec.template.spec',
  deployments: 'spec.template.spec',
};

/** Applies the policy to the strategies that carry a pod spec; others pass through. */
export function applyClusterPolicy(strategies: Strategy[], policy: ClusterPolicy): Strategy[] {
  return strategies.map((s) => {
    const path = podSpecPaths[s.info.plural];
    return path ? withClusterPolicy(s, path, policy) : s;
  });
}
