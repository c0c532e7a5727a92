// Strategies for the kinds of the foundation: Namespaces, Nodes, Events.
import {
  field,
  isIPv4,
  parseCidr,
  resources,
  taintEffects,
  type FieldError,
  type KubeObject,
  type Node,
  type ResourceInfo,
} from '@kubelab/api';
import type { Strategy } from './strategy';

function info(plural: string): ResourceInfo {
  const r = resources.find((x) => x.plural === plural && x.group === '');
  if (!r) throw new Error(`resource ${plural} is not described in @kubelab/api`);
  return r;
}

export const namespaceStrategy: Strategy = {
  info: info('namespaces'),
  nameRule: 'dns1123-label',
  returnDeletedObject: true,
  prepareForCreate(obj) {
    obj.spec = { finalizers: ['kubernetes'], ...(obj.spec as object) };
    obj.status = { phase: 'Active' };
    nameLabel(obj);
  },
  prepareForUpdate(obj) {
    nameLabel(obj);
  },
};

/**
 * Every namespace carries its own name as a label (SetDefaults_Namespace, Kubernetes 1.21+), so a
 * NetworkPolicy namespaceSelector can pick one by name; updates cannot take it away.
 */
function nameLabel(obj: KubeObject): void {
  obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name! };
}

export const nodeStrategy: Strategy = {
  info: info('nodes'),
  nameRule: 'dns1123-subdomain',
  validate(obj) {
    const node = obj as Node;
    const errs: FieldError[] = [];
    const spec = node.spec ?? {};
    if (spec.podCIDR !== undefined) {
      try {
        parseCidr(String(spec.podCIDR));
      } catch {
        errs.push(field.invalid('spec.podCIDR', spec.podCIDR, 'must be a valid CIDR'));
      }
    }
    if (spec.taints !== undefined && !Array.isArray(spec.taints))
      errs.push(field.invalid('spec.taints', spec.taints, 'must be a list of taints'));
    else
      (spec.taints ?? []).forEach((t, i) => {
        if (!t.key) errs.push(field.required(`spec.taints[${i}].key`));
        if (!taintEffects.includes(t.effect)) errs.push(field.notSupported(`spec.taints[${i}].effect`, t.effect, [...taintEffects]));
      });
    const addresses = node.status?.addresses;
    if (addresses !== undefined && !Array.isArray(addresses))
      errs.push(field.invalid('status.addresses', addresses, 'must be a list of addresses'));
    else
      (addresses ?? []).forEach((a, i) => {
        if (a.type === 'InternalIP' && !isIPv4(a.address))
          errs.push(field.invalid(`status.addresses[${i}].address`, a.address, 'must be a valid IP address'));
      });
    return errs;
  },
  prepareForCreate(obj) {
    obj.spec ??= {};
  },
};

export const eventStrategy: Strategy = {
  info: info('events'),
  nameRule: 'dns1123-subdomain',
  validate(obj: KubeObject) {
    const errs: FieldError[] = [];
    const involved = obj.involvedObject as { kind?: string; name?: string } | undefined;
    if (!involved || typeof involved !== 'object') errs.push(field.required('involvedObject'));
    if (obj.type !== undefined && obj.type !== 'Normal' && obj.type !== 'Warning')
      errs.push(field.notSupported('type', obj.type, ['Normal', 'Warning']));
    return errs;
  },
};
