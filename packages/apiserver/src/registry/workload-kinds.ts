// Strategies for Pods, ConfigMaps, Secrets (core/v1), ReplicaSets and Deployments (apps/v1): defaults,
// validation and ignored-field warnings as the Kubernetes registries apply them, plus their sub-resources.
import { field, qosClass, resources, type FieldError, type KubeObject, type PodSpec, type ResourceInfo } from '@kubelab/api';
import { gracefulDecision } from './pod-graceful-delete';
import { isObject } from './field-errors';
import { ignoredControllerFields, ignoredPodSpecFields, unknownTopLevel } from './ignored-fields';
import { defaultPodSpec, inheritPullPolicy, mutateTerminationGracePeriod } from './pod-defaults';
import { addDefaultTolerations } from './default-tolerations';
import { validatePodSpec, validatePodSpecUpdate } from './pod-validation';
import type { Strategy } from './strategy';
import { bindingSubresource, scaleSubresource } from './subresources';
import { validateConfigMap, validateControllerSpec, validateDeploymentSpec, validateSecret } from './workload-validation';

function info(group: string, plural: string): ResourceInfo {
  const r = resources.find((x) => x.plural === plural && x.group === group);
  if (!r) throw new Error(`resource ${plural} is not described in @kubelab/api`);
  return r;
}

export const podStrategy: Strategy = {
  info: info('', 'pods'),
  nameRule: 'dns1123-subdomain',
  returnDeletedObject: true,
  gracefulDelete: gracefulDecision,
  prepareForCreate(obj) {
    defaultPodSpec(obj.spec);
    mutateTerminationGracePeriod(obj.spec);
    addDefaultTolerations(obj.spec);
    // A new pod starts Pending whatever status the client sent; the scheduler and kubelet fill it in.
    obj.status = { phase: 'Pending', conditions: [], qosClass: qosClass(obj.spec as PodSpec) };
  },
  prepareForUpdate(obj, old) {
    inheritPullPolicy(obj.spec, old.spec);
    defaultPodSpec(obj.spec);
    mutateTerminationGracePeriod(obj.spec);
    addDefaultTolerations(obj.spec);
  },
  validate(obj, old) {
    const errs = validatePodSpec(obj.spec, 'spec');
    if (old && !errs.length && isObject(obj.spec) && isObject(old.spec))
      errs.push(...validatePodSpecUpdate(obj.spec as never, old.spec as never));
    return errs;
  },
  ignoredFields: (obj) => [...unknownTopLevel(obj, ['spec', 'status']), ...ignoredPodSpecFields(obj.spec, 'spec')],
  subresources: { binding: bindingSubresource() },
};

export const configMapStrategy: Strategy = {
  info: info('', 'configmaps'),
  nameRule: 'dns1123-subdomain',
  generationFields: ['data', 'binaryData'],
  validate: (obj, old) => validateConfigMap(obj, old),
  ignoredFields: (obj) => unknownTopLevel(obj, ['data', 'binaryData', 'immutable']),
};

/** stringData is a write-only convenience: merged over data (base64-encoded) and never stored. */
function mergeStringData(obj: KubeObject): void {
  obj.type ??= 'Opaque';
  const sd = obj.stringData;
  if (!isObject(sd) || !Object.values(sd).every((v) => typeof v === 'string')) return;
  const data = isObject(obj.data) ? obj.data : {};
  for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(v as string, 'utf8').toString('base64');
  obj.data = data;
  delete obj.stringData;
}

export const secretStrategy: Strategy = {
  info: info('', 'secrets'),
  nameRule: 'dns1123-subdomain',
  generationFields: ['data', 'type'],
  prepareForCreate: mergeStringData,
  prepareForUpdate: mergeStringData,
  validate(obj, old) {
    const errs: FieldError[] = validateSecret(obj, old);
    if (obj.stringData !== undefined)
      errs.push(field.invalid('stringData', '<secret contents redacted>', 'must be a map of string keys to string values'));
    return errs;
  },
  ignoredFields: (obj) => unknownTopLevel(obj, ['data', 'stringData', 'type', 'immutable']),
};

function defaultTemplate(spec: Record<string, unknown>): void {
  spec.replicas ??= 1;
  if (isObject(spec.template)) defaultPodSpec(spec.template.spec);
}

export const replicaSetStrategy: Strategy = {
  info: info('apps', 'replicasets'),
  nameRule: 'dns1123-subdomain',
  prepareForCreate(obj) {
    if (isObject(obj.spec)) defaultTemplate(obj.spec);
    obj.status = { replicas: 0 };
  },
  prepareForUpdate(obj) {
    if (isObject(obj.spec)) defaultTemplate(obj.spec);
  },
  validate: (obj, old) => validateControllerSpec(obj.spec, old?.spec),
  ignoredFields: (obj) => [
    ...unknownTopLevel(obj, ['spec', 'status']),
    ...ignoredControllerFields(obj.spec, ['replicas', 'selector', 'template', 'minReadySeconds']),
  ],
  subresources: { scale: scaleSubresource },
};

const deploymentFields = [
  'replicas',
  'selector',
  'template',
  'strategy',
  'minReadySeconds',
  'revisionHistoryLimit',
  'progressDeadlineSeconds',
  'paused',
];

function defaultDeployment(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isObject(spec)) return;
  defaultTemplate(spec);
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  const strategy = isObject(spec.strategy) ? spec.strategy : {};
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = isObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
    strategy.rollingUpdate = ru;
  }
  spec.strategy = strategy;
}

export const deploymentStrategy: Strategy = {
  info: info('apps', 'deployments'),
  nameRule: 'dns1123-subdomain',
  prepareForCreate(obj) {
    defaultDeployment(obj);
    obj.status = {};
  },
  prepareForUpdate: defaultDeployment,
  validate: (obj, old) => validateDeploymentSpec(obj.spec, old?.spec),
  ignoredFields: (obj) => [...unknownTopLevel(obj, ['spec', 'status']), ...ignoredControllerFields(obj.spec, deploymentFields)],
  subresources: { scale: scaleSubresource },
};

export const workloadStrategies: Strategy[] = [podStrategy, configMapStrategy, secretStrategy, replicaSetStrategy, deploymentStrategy];
