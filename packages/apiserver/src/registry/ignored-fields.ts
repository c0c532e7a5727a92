// Fields of real manifests that kubelab accepts but does not act on. They are stored unchanged and named
// in a Warning header, so `kubelab apply` of a manifest written for a real cluster works and says what has
// no effect here. An allow-list (rather than a deny-list) also catches misspelt fields, as kubectl's
// `unknown field` warnings do.
import { isObject } from './field-errors';
import { modelledVolumeSources } from './pod-validation';

/** Pod spec fields kubelab's scheduler and kubelet act on. Extend when the kubelet learns a field. */
export const modelledPodSpecFields = new Set([
  'containers',
  'initContainers',
  'volumes',
  'restartPolicy',
  'nodeName',
  'nodeSelector',
  'tolerations',
  // The scheduler's NodeAffinity, InterPodAffinity and PodTopologySpread filters (required rules).
  'affinity',
  'topologySpreadConstraints',
  // Service links in the container environment.
  'enableServiceLinks',
  'hostname',
  'subdomain',
  'terminationGracePeriodSeconds',
  'dnsPolicy',
  'schedulerName',
  // Applied by the kubelet: hosts entries, resolv.conf options, user/group/capabilities/privileged.
  'hostAliases',
  'dnsConfig',
  'securityContext',
  // The ServiceAccount admission plugin and the kubelet's token volume (auth/service-account-admission.ts).
  'serviceAccountName',
  'serviceAccount',
  'automountServiceAccountToken',
]);

export const modelledContainerFields = new Set([
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'ports',
  'env',
  'envFrom',
  'resources',
  'volumeMounts',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'imagePullPolicy',
  'restartPolicy',
  'stdin',
  'stdinOnce',
  'tty',
  'securityContext',
]);

const modelledProbeFields = new Set([
  'exec',
  'httpGet',
  'tcpSocket',
  'initialDelaySeconds',
  'timeoutSeconds',
  'periodSeconds',
  'successThreshold',
  'failureThreshold',
]);

/** Values that mean "the Kubernetes default", which kubelab matches anyway: not worth a warning. */
const harmlessValues: Record<string, unknown[]> = {
  enableServiceLinks: [true],
  hostNetwork: [false],
  hostPID: [false],
  hostIPC: [false],
  serviceAccountName: ['default'],
  serviceAccount: ['default'],
  automountServiceAccountToken: [false],
  priority: [0],
  preemptionPolicy: ['PreemptLowerPriority'],
  terminationMessagePath: ['/dev/termination-log'],
  terminationMessagePolicy: ['File'],
};

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

function extra(obj: Record<string, unknown>, modelled: Set<string>, path: string): string[] {
  return Object.keys(obj)
    .filter((k) => !modelled.has(k) && !isEmpty(obj[k]) && !(harmlessValues[k] ?? []).includes(obj[k]))
    .map((k) => `${path}.${k}`);
}

export function ignoredPodSpecFields(spec: unknown, path: string): string[] {
  if (!isObject(spec)) return [];
  const out = extra(spec, modelledPodSpecFields, path);
  for (const key of ['initContainers', 'containers']) {
    const list = Array.isArray(spec[key]) ? (spec[key] as unknown[]) : [];
    list.forEach((c, i) => {
      if (!isObject(c)) return;
      const at = `${path}.${key}[${i}]`;
      out.push(...extra(c, modelledContainerFields, at));
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (isObject(c[probe])) out.push(...extra(c[probe] as Record<string, unknown>, modelledProbeFields, `${at}.${probe}`));
      }
    });
  }
  const volumes = Array.isArray(spec.volumes) ? (spec.volumes as unknown[]) : [];
  volumes.forEach((v, i) => {
    if (isObject(v)) out.push(...extra(v, new Set(['name', ...modelledVolumeSources]), `${path}.volumes[${i}]`));
  });
  return out;
}

/** Top-level fields other than the kind's own (e.g. a `spec` on a ConfigMap). */
export function unknownTopLevel(obj: Record<string, unknown>, own: string[]): string[] {
  const known = new Set(['apiVersion', 'kind', 'metadata', ...own]);
  return Object.keys(obj).filter((k) => !known.has(k) && !isEmpty(obj[k]));
}

/** Fields of a Deployment / ReplicaSet spec other than `template` (whose pod spec is checked separately). */
export function ignoredControllerFields(spec: unknown, modelled: string[]): string[] {
  if (!isObject(spec)) return [];
  const out = extra(spec, new Set(modelled), 'spec');
  const template = isObject(spec.template) ? spec.template : {};
  out.push(...unknownTopLevel(template, ['metadata', 'spec']).map((k) => `spec.template.${k}`));
  out.push(...ignoredPodSpecFields(template.spec, 'spec.template.spec'));
  return out;
}
