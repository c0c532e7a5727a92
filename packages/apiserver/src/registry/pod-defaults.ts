// Defaults Kubernetes fills into pod specs (pkg/apis/core/v1/defaults.go), applied to pods and to the pod
// templates of ReplicaSets and Deployments alike, so a template's hash and a pod's immutability check see
// the same defaulted spec on every write. Shapes are checked loosely: validation reports bad ones later.
import { isObject } from './field-errors';
import { normalizeQuantity } from '@kubelab/api';

/** Always for `:latest` or no tag, else IfNotPresent (kubelab's kubelet reads Always as "local if present"). */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: unknown): void {
  if (!isObject(p)) return;
  // Zero means "unset" for these in Kubernetes' defaulting, so 0 is replaced as well.
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  if (isObject(p.httpGet)) {
    p.httpGet.path ??= '/';
    p.httpGet.scheme ??= 'HTTP';
  }
}

function defaultContainer(c: unknown): void {
  if (!isObject(c)) return;
  if (typeof c.image === 'string' && c.image && c.imagePullPolicy === undefined) c.imagePullPolicy = defaultPullPolicy(c.image.trim());
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isObject(p) && p.protocol === undefined) p.protocol = 'TCP';
  if (Array.isArray(c.env)) {
    for (const e of c.env) {
      const ref = isObject(e) && isObject(e.valueFrom) ? e.valueFrom.fieldRef : undefined;
      if (isObject(ref)) ref.apiVersion ??= 'v1';
    }
  }
  if (isObject(c.resources)) {
    for (const kind of ['limits', 'requests']) {
      const map = c.resources[kind];
      if (isObject(map)) for (const [k, v] of Object.entries(map)) map[k] = normalizeQuantity(v);
    }
    // Limits without requests mean requests equal to the limits (SetDefaults_Pod).
    const { limits, requests } = c.resources;
    if (isObject(limits) && (requests === undefined || isObject(requests))) {
      const filled = { ...limits, ...(requests ?? {}) };
      if (Object.keys(filled).length) c.resources.requests = filled;
    }
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(c[probe]);
}

export function defaultPodSpec(spec: unknown): void {
  if (!isObject(spec)) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  for (const key of ['initContainers', 'containers'])
    if (Array.isArray(spec[key])) for (const c of spec[key] as unknown[]) defaultContainer(c);
  if (Array.isArray(spec.volumes)) {
    for (const v of spec.volumes) {
      if (!isObject(v)) continue;
      if (isObject(v.configMap)) v.configMap.defaultMode ??= 0o644;
      if (isObject(v.secret)) v.secret.defaultMode ??= 0o644;
    }
  }
}

/**
 * A negative terminationGracePeriodSeconds becomes 1 on create and update, as kube-apiserver's pod strategy
 * mutates it (a negative wait reached the runtime as `docker stop -t -1`, which waits forever: issue 6).
 * Templates keep what was written; the pods made from them go through this.
 */
export function mutateTerminationGracePeriod(spec: unknown): void {
  if (isObject(spec) && typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0)
    spec.terminationGracePeriodSeconds = 1;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * A container that omits imagePullPolicy on update keeps the stored one (matched by name). kubectl apply's
 * strategic merge keeps defaulted fields that way; kubelab's clients send JSON merge patches, which
 * replace the containers list, and re-defaulting from a new tag would flip the policy and trip the pod
 * immutability rule on a plain image change.
 */
export function inheritPullPolicy(spec: unknown, old: unknown): void {
  if (!isObject(spec) || !isObject(old)) return;
  for (const key of ['initContainers', 'containers']) {
    const before = new Map(
      asArray(old[key])
        .filter(isObject)
        .map((c) => [c.name, c.imagePullPolicy]),
    );
    for (const c of asArray(spec[key]))
      if (isObject(c) && c.imagePullPolicy === undefined && before.get(c.name)) c.imagePullPolicy = before.get(c.name);
  }
}
