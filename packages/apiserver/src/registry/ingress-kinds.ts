// Strategies for networking.k8s.io/v1 Ingresses and IngressClasses. Validation and the default class are pure
// (ingress-validation.ts); the classes the default is picked from are read through a callback.
import { resources, type IngressClass, type KubeObject, type ResourceInfo } from '@kubelab/api';
import { unknownTopLevel } from './ignored-fields';
import { admitDefaultIngressClass, validateIngress, validateIngressClass } from './ingress-validation';
import type { Strategy } from './strategy';

function info(plural: string): ResourceInfo {
  const r = resources.find((x) => x.plural === plural && x.group === 'networking.k8s.io');
  if (!r) throw new Error(`resource ${plural} is not described in @kubelab/api`);
  return r;
}

/** The Ingress strategy; `classes` lists the IngressClasses for the DefaultIngressClass admission. */
export function ingressStrategyWith(classes: () => IngressClass[]): Strategy {
  return {
    info: info('ingresses'),
    nameRule: 'dns1123-subdomain',
    prepareForCreate(obj: KubeObject) {
      obj.status = { loadBalancer: {} };
      admitDefaultIngressClass(obj, classes);
    },
    validate: (obj, old) => validateIngress(obj, !old),
    ignoredFields: (obj) => unknownTopLevel(obj, ['spec', 'status']),
  };
}

export const ingressClassStrategy: Strategy = {
  info: info('ingressclasses'),
  nameRule: 'dns1123-subdomain',
  validate: (obj, old) => validateIngressClass(obj, old),
  ignoredFields: (obj) => unknownTopLevel(obj, ['spec']),
};
