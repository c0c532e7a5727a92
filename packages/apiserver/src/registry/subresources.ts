// The `scale` sub-resource of Deployments and ReplicaSets (an autoscaling/v1 Scale, as `kubectl scale`
// and the HPA use it) and the `binding` sub-resource of Pods (how a scheduler assigns a pod to a node:
// POST pods/{name}/binding with a Binding, the only way to set spec.nodeName after creation).
import {
  badRequest,
  conflict,
  field,
  formatSelector,
  invalid,
  type KubeObject,
  type LabelSelector,
  type Pod,
  type Status,
} from '@kubelab/api';
import { withCondition } from '../controllers/pod-util';
import { isObject, nonNegative } from './field-errors';
import type { SubresourceHandler } from './strategy';

interface Scalable extends KubeObject {
  spec: { replicas?: number; selector?: LabelSelector };
  status?: { replicas?: number };
}

function toScale(obj: KubeObject): KubeObject {
  const o = obj as Scalable;
  const m = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: { replicas: o.status?.replicas ?? 0, selector: formatSelector(o.spec?.selector) },
  };
}

export const scaleSubresource: SubresourceHandler = {
  get: toScale,
  update(ctx, parent, body) {
    const name = parent.metadata.name!;
    if (body.metadata?.name && body.metadata.name !== name) {
      throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
    }
    const spec = isObject(body.spec) ? body.spec : {};
    const replicas = spec.replicas ?? 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('Scale', 'autoscaling', name, [
        field.invalid('spec.replicas', replicas, typeof replicas === 'number' ? nonNegative : 'must be an integer'),
      ]);
    }
    const next = structuredClone(parent) as Scalable;
    next.spec = { ...next.spec, replicas };
    return toScale(ctx.commit(next));
  },
};

export interface BindingOptions {
  now?: () => Date;
}

export function bindingSubresource(opts: BindingOptions = {}): SubresourceHandler {
  const now = opts.now ?? (() => new Date());
  return {
    create(ctx, parent, body) {
      const pod = parent as Pod;
      const name = pod.metadata.name!;
      if (body.kind !== undefined && body.kind !== 'Binding')
        throw badRequest(`the request body must be a Binding, not ${String(body.kind)}`);
      if (body.metadata?.name && body.metadata.name !== name) {
        throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
      }
      const target = isObject(body.target) ? body.target : {};
      if (!target.name) throw invalid('Binding', '', name, [field.required('target.name')]);
      if (target.kind !== undefined && target.kind !== '' && target.kind !== 'Node')
        throw invalid('Binding', '', name, [field.invalid('target.kind', target.kind, "must be empty or 'Node'")]);
      if (pod.metadata.deletionTimestamp)
        throw conflict('pods/binding', { kind: 'Pod', name }, `pod ${name} is being deleted, cannot be assigned to a host`);
      if (pod.spec?.nodeName)
        throw conflict('pods/binding', { kind: 'Pod', name }, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
      const next = structuredClone(pod);
      next.spec.nodeName = String(target.name);
      // Annotations on the Binding are copied to the pod (assignPod in the pod registry).
      if (body.metadata?.annotations) next.metadata.annotations = { ...next.metadata.annotations, ...body.metadata.annotations };
      const status = next.status ?? {};
      status.conditions = withCondition(status.conditions, { type: 'PodScheduled', status: 'True' }, now()).conditions;
      next.status = status;
      ctx.commit(next);
      const ok: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
      return ok as unknown as KubeObject;
    },
  };
}
