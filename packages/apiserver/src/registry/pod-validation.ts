// Pod spec validation (ValidatePodSpec in k8s.io/kubernetes/pkg/apis/core/validation) for the fields
// kubelab models, and the pod update rule: a pod's spec is fixed once created, except images,
// activeDeadlineSeconds and added tolerations.
import { validateAffinity, validateTopologySpreadConstraints } from './scheduling-validation';
import { dns1123Label, dns1123Subdomain, field, validateLabels, type FieldError, type PodSpec } from '@kubelab/api';
import { validateContainer } from './container-validation';
import { isObject } from './field-errors';
import { validatePodSecurityIds } from './security-context-ids';
import { stableJson, taintEffects } from '@kubelab/api';

export interface PodSpecRules {
  /** Pod templates of ReplicaSets / Deployments: restartPolicy must be Always, no activeDeadlineSeconds. */
  template?: boolean;
}

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const maxInt32 = 2147483647;
/** The volume sources kubelab's kubelet provides; other sources are accepted and reported as ignored. */
/** Volume sources the kubelet implements; others are accepted, warned about, and started as an empty directory. */
export const modelledVolumeSources = ['emptyDir', 'configMap', 'secret', 'hostPath', 'downwardAPI', 'projected'];

export function validatePodSpec(spec: unknown, path: string, rules: PodSpecRules = {}): FieldError[] {
  if (!isObject(spec)) return [field.required(path)];
  const errs: FieldError[] = [];
  const volumes = validateVolumes(spec.volumes, `${path}.volumes`, errs);
  const names = new Set<string>();
  const hostPorts = new Set<string>();
  for (const [key, init] of [
    ['initContainers', true],
    ['containers', false],
  ] as const) {
    const list = spec[key];
    if (list === undefined || list === null) {
      if (!init) errs.push(field.required(`${path}.containers`));
      continue;
    }
    if (!Array.isArray(list)) {
      errs.push(field.invalid(`${path}.${key}`, list, 'must be a list'));
      continue;
    }
    if (!init && list.length === 0) errs.push(field.required(`${path}.containers`));
    list.forEach((c: unknown, i) => {
      const at = `${path}.${key}[${i}]`;
      errs.push(...validateContainer(c, at, { volumes, init }));
      if (!isObject(c)) return;
      // One name space for init and app containers: `kubectl logs -c` and status entries use the name.
      if (typeof c.name === 'string' && c.name) {
        if (names.has(c.name)) errs.push(field.duplicate(`${at}.name`, c.name));
        names.add(c.name);
      }
      if (init) return;
      (Array.isArray(c.ports) ? c.ports : []).forEach((p: unknown, j) => {
        if (!isObject(p) || !p.hostPort) return;
        const key = `${p.hostPort}/${p.protocol ?? 'TCP'}`;
        if (hostPorts.has(key)) errs.push(field.duplicate(`${at}.ports[${j}].hostPort`, key));
        hostPorts.add(key);
      });
    });
  }
  if (rules.template) {
    if (spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always')
      errs.push(field.notSupported(`${path}.restartPolicy`, spec.restartPolicy, ['Always']));
    if (spec.activeDeadlineSeconds !== undefined)
      errs.push(field.forbidden(`${path}.activeDeadlineSeconds`, 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  } else if (spec.restartPolicy !== undefined && !restartPolicies.includes(spec.restartPolicy as string)) {
    errs.push(field.notSupported(`${path}.restartPolicy`, spec.restartPolicy, restartPolicies));
  }
  if (spec.dnsPolicy !== undefined && !dnsPolicies.includes(spec.dnsPolicy as string))
    errs.push(field.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, dnsPolicies));
  if (spec.dnsPolicy === 'None' && !isObject(spec.dnsConfig))
    errs.push(field.required(`${path}.dnsConfig`, 'Required value: must provide `dnsConfig` when `dnsPolicy` is None'));
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  for (const [key, check] of [
    ['nodeName', dns1123Subdomain],
    ['hostname', dns1123Label],
    ['subdomain', dns1123Label],
  ] as const) {
    const v = spec[key];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string') errs.push(field.invalid(`${path}.${key}`, v, 'must be a string'));
    else for (const e of check(v)) errs.push(field.invalid(`${path}.${key}`, v, e));
  }
  const ads = spec.activeDeadlineSeconds;
  if (!rules.template && ads !== undefined && !(typeof ads === 'number' && Number.isInteger(ads) && ads >= 1 && ads <= maxInt32)) {
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, ads, `must be between 1 and ${maxInt32}, inclusive`));
  }
  const grace = spec.terminationGracePeriodSeconds;
  if (grace !== undefined && !(typeof grace === 'number' && Number.isInteger(grace)))
    errs.push(field.invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must be an integer'));
  errs.push(...validatePodSecurityIds(spec.securityContext, `${path}.securityContext`));
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  errs.push(...validateAffinity(spec.affinity, `${path}.affinity`));
  errs.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, `${path}.topologySpreadConstraints`));
  return errs;
}

function validateVolumes(volumes: unknown, path: string, errs: FieldError[]): Set<string> {
  const names = new Set<string>();
  if (volumes === undefined || volumes === null) return names;
  if (!Array.isArray(volumes)) {
    errs.push(field.invalid(path, volumes, 'must be a list'));
    return names;
  }
  volumes.forEach((v: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(v)) return void errs.push(field.invalid(at, v, 'must be an object'));
    if (!v.name) errs.push(field.required(`${at}.name`));
    else if (typeof v.name !== 'string') errs.push(field.invalid(`${at}.name`, v.name, 'must be a string'));
    else {
      for (const e of dns1123Label(v.name)) errs.push(field.invalid(`${at}.name`, v.name, e));
      if (names.has(v.name)) errs.push(field.duplicate(`${at}.name`, v.name));
      names.add(v.name);
    }
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== null && v[k] !== undefined);
    if (sources.length === 0) errs.push(field.required(at, 'Required value: must specify a volume type'));
    else if (sources.length > 1) errs.push(field.forbidden(`${at}.${sources[1]}`, 'may not specify more than 1 volume type'));
    const cm = v.configMap;
    if (isObject(cm)) {
      if (!cm.name) errs.push(field.required(`${at}.configMap.name`));
      errs.push(...validateKeyToPath(cm.items, `${at}.configMap.items`), ...validateMode(cm.defaultMode, `${at}.configMap.defaultMode`));
    }
    if (isObject(v.downwardAPI)) errs.push(...validateDownwardAPIVolume(v.downwardAPI, `${at}.downwardAPI`));
    const secret = v.secret;
    if (isObject(secret)) {
      if (!secret.secretName) errs.push(field.required(`${at}.secret.secretName`));
      errs.push(...validateKeyToPath(secret.items, `${at}.secret.items`), ...validateMode(secret.defaultMode, `${at}.secret.defaultMode`));
    }
  });
  return names;
}

// validateDownwardAPIVolumeSource: a file per item, from a pod field (the volume's narrower list) or a
// container resource, which must name its container.
const volumeFieldPaths = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

function validateDownwardAPIVolume(source: Record<string, unknown>, path: string): FieldError[] {
  const errs = validateMode(source.defaultMode, `${path}.defaultMode`);
  const items = source.items;
  if (items === undefined || items === null) return errs;
  if (!Array.isArray(items)) return [...errs, field.invalid(`${path}.items`, items, 'must be a list')];
  items.forEach((item: unknown, i) => {
    const at = `${path}.items[${i}]`;
    const it = isObject(item) ? item : {};
    if (!it.path) errs.push(field.required(`${at}.path`));
    else if (typeof it.path !== 'string' || it.path.startsWith('/') || it.path.split('/').includes('..'))
      errs.push(field.invalid(`${at}.path`, it.path, "must be a relative path without '..'"));
    errs.push(...validateMode(it.mode, `${at}.mode`));
    const refs = ['fieldRef', 'resourceFieldRef'].filter((k) => it[k] !== undefined && it[k] !== null);
    if (refs.length !== 1) {
      errs.push(field.required(at, 'one and only one of fieldRef and resourceFieldRef must be specified'));
      return;
    }
    if (isObject(it.fieldRef)) {
      const fp = it.fieldRef.fieldPath;
      if (!fp) errs.push(field.required(`${at}.fieldRef.fieldPath`));
      else if (typeof fp !== 'string' || !(volumeFieldPaths.includes(fp) || /^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp)))
        errs.push(field.notSupported(`${at}.fieldRef.fieldPath`, fp, volumeFieldPaths));
    }
    if (isObject(it.resourceFieldRef) && !it.resourceFieldRef.containerName)
      errs.push(field.required(`${at}.resourceFieldRef.containerName`));
  });
  return errs;
}

function validateKeyToPath(items: unknown, path: string): FieldError[] {
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) return [field.invalid(path, items, 'must be a list')];
  const errs: FieldError[] = [];
  items.forEach((item: unknown, i) => {
    const at = `${path}[${i}]`;
    const it = isObject(item) ? item : {};
    if (!it.key) errs.push(field.required(`${at}.key`));
    if (!it.path) errs.push(field.required(`${at}.path`));
    else if (typeof it.path === 'string' && it.path.startsWith('/'))
      errs.push(field.invalid(`${at}.path`, it.path, 'must be a relative path'));
    else if (typeof it.path === 'string' && it.path.split('/').includes('..'))
      errs.push(field.invalid(`${at}.path`, it.path, "must not contain '..'"));
    errs.push(...validateMode(it.mode, `${at}.mode`));
  });
  return errs;
}

function validateMode(mode: unknown, path: string): FieldError[] {
  if (mode === undefined || mode === null) return [];
  if (typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode <= 0o777) return [];
  return [field.invalid(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive')];
}

function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  if (tolerations === undefined || tolerations === null) return [];
  if (!Array.isArray(tolerations)) return [field.invalid(path, tolerations, 'must be a list')];
  const errs: FieldError[] = [];
  tolerations.forEach((t: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(t)) return void errs.push(field.invalid(at, t, 'must be an object'));
    if (t.key) errs.push(...validateLabels({ [String(t.key)]: '' }, `${at}.key`));
    const op = t.operator ?? 'Equal';
    if (!t.key && op !== 'Exists') {
      errs.push(
        field.invalid(`${at}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'),
      );
    }
    if (op === 'Exists' && t.value) errs.push(field.invalid(`${at}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    else if (op !== 'Equal' && op !== 'Exists') errs.push(field.notSupported(`${at}.operator`, op, ['Equal', 'Exists']));
    if (t.effect !== undefined && t.effect !== '' && !(taintEffects as readonly unknown[]).includes(t.effect))
      errs.push(field.notSupported(`${at}.effect`, t.effect, [...taintEffects]));
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(field.invalid(`${at}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
  });
  return errs;
}

const updatableFields =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** ValidatePodUpdate: the mutable fields are copied from the old spec, then the specs must be equal. */
export function validatePodSpecUpdate(spec: PodSpec, old: PodSpec): FieldError[] {
  const errs: FieldError[] = [];
  const munged = structuredClone(spec);
  for (const key of ['containers', 'initContainers'] as const) {
    const before = old[key] ?? [];
    munged[key]?.forEach((c, i) => {
      if (isObject(c) && before[i]) c.image = before[i].image;
    });
  }
  const oldAds = old.activeDeadlineSeconds as number | undefined;
  const ads = spec.activeDeadlineSeconds as number | undefined;
  if (oldAds !== undefined && ads === undefined)
    errs.push(field.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  else if (oldAds !== undefined && typeof ads === 'number' && ads > oldAds)
    errs.push(field.invalid('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value'));
  munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  // A pod stored with a negative grace period (before the create rule existed) may be set to 1.
  const oldGrace = old.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && spec.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = oldGrace;
  const tolerations = (spec.tolerations ?? []).map(stableJson);
  const kept = (old.tolerations ?? []).every((t) => tolerations.includes(stableJson(t)));
  if (kept) munged.tolerations = old.tolerations;
  if (stableJson(munged) !== stableJson(old)) errs.push(field.forbidden('spec', updatableFields));
  return errs;
}
