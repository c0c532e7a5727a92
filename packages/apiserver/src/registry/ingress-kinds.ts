// Strategies for networking.k8s.io/v1 Ingresses and IngressClasses. Validation and the default class are pure
// (ingress-validation.ts); the classes the default is picked from are read through a callback.
import { resources, type IngressClass, type KubeObject, type ResourceInfo } from '@kubelab/api';
import { registerProtobufKinds } from '../rest/protobuf/kube-protobuf';
import { unknownTopLevel } from './ignored-fields';
import { admitDefaultIngressClass, validateIngress, validateIngressClass } from './ingress-validation';
import type { Strategy } from './strategy';

// Field numbers from k8s.io/api networking/v1 generated.proto: kubectl's typed clients (`kubectl create
// ingress`, 1.32+) send protobuf bodies; /openapi/v3 is built from the same table.
registerProtobufKinds(
  { 'networking.k8s.io/v1/Ingress': 'networking.Ingress', 'networking.k8s.io/v1/IngressClass': 'networking.IngressClass' },
  {
    'networking.Ingress': 'metadata:1:meta.ObjectMeta spec:2:networking.IngressSpec status:3:networking.IngressStatus',
    'networking.IngressSpec':
      'ingressClassName:4:string:ptr defaultBackend:1:networking.IngressBackend:ptr tls:2:networking.IngressTLS:repeated rules:3:networking.IngressRule:repeated',
    'networking.IngressBackend': 'service:4:networking.IngressServiceBackend:ptr resource:3:core.TypedLocalObjectReference:ptr',
    'networking.IngressServiceBackend': 'name:1:string port:2:networking.ServiceBackendPort',
    'networking.ServiceBackendPort': 'name:1:string number:2:int32',
    'networking.IngressTLS': 'hosts:1:string:repeated secretName:2:string',
    'networking.IngressRule': 'host:1:string ingressRuleValue:2:networking.IngressRuleValue:inline',
    'networking.IngressRuleValue': 'http:1:networking.HTTPIngressRuleValue:ptr',
    'networking.HTTPIngressRuleValue': 'paths:1:networking.HTTPIngressPath:repeated',
    'networking.HTTPIngressPath': 'path:1:string pathType:3:string:ptr backend:2:networking.IngressBackend',
    'networking.IngressStatus': 'loadBalancer:1:networking.IngressLoadBalancerStatus',
    'networking.IngressLoadBalancerStatus': 'ingress:1:networking.IngressLoadBalancerIngress:repeated',
    'networking.IngressLoadBalancerIngress': 'ip:1:string hostname:2:string ports:4:networking.IngressPortStatus:repeated',
    'networking.IngressPortStatus': 'port:1:int32 protocol:2:string error:3:string:ptr',
    'networking.IngressClass': 'metadata:1:meta.ObjectMeta spec:2:networking.IngressClassSpec',
    'networking.IngressClassSpec': 'controller:1:string parameters:2:networking.IngressClassParametersReference:ptr',
    'networking.IngressClassParametersReference':
      'apiGroup:1:string:ptr kind:2:string name:3:string scope:4:string:ptr namespace:5:string:ptr',
  },
);

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
