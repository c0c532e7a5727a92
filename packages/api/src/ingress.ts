// networking.k8s.io/v1 Ingress and IngressClass shapes, with Kubernetes' field names. The API server
// (validation, default class), the ingress router and the CLI's printers all read these.
import type { LoadBalancerIngress } from './services';
import type { KubeObject } from './types';

export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';
export const pathTypes: PathType[] = ['Exact', 'ImplementationSpecific', 'Prefix'];

export interface ServiceBackendPort {
  name?: string;
  number?: number;
}

export interface IngressBackend {
  service?: { name: string; port?: ServiceBackendPort };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface HTTPIngressPath {
  path?: string;
  pathType?: PathType;
  backend: IngressBackend;
}

export interface IngressRule {
  host?: string;
  http?: { paths: HTTPIngressPath[] };
}

export interface IngressTLS {
  hosts?: string[];
  secretName?: string;
}

export interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: IngressBackend;
  tls?: IngressTLS[];
  rules?: IngressRule[];
}

export interface Ingress extends KubeObject {
  spec: IngressSpec;
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface IngressClass extends KubeObject {
  spec: { controller?: string; parameters?: { apiGroup?: string; kind: string; name: string; scope?: string; namespace?: string } };
}

/** The annotation that makes an IngressClass the default one (DefaultIngressClass admission). */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** The class annotation of Ingresses written before spec.ingressClassName (still read by ingress-nginx). */
export const LEGACY_INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
/** The controller name ingress-nginx registers, and kubelab's router answers to. */
export const NGINX_INGRESS_CONTROLLER = 'k8s.io/ingress-nginx';

/** The class an Ingress asks for: spec.ingressClassName, else the legacy annotation. */
export function ingressClassOf(ing: Ingress): string | undefined {
  return ing.spec?.ingressClassName ?? ing.metadata.annotations?.[LEGACY_INGRESS_CLASS_ANNOTATION];
}

/** kubectl's backend string: `svc:port` (describe) or `APIGroup/Kind:name` for resource backends. */
export function backendString(b: IngressBackend | undefined): string {
  if (!b) return '';
  if (b.resource) return `${b.resource.apiGroup ?? ''}, Kind=${b.resource.kind}, Name=${b.resource.name}`;
  const port = b.service?.port?.name || String(b.service?.port?.number ?? '');
  return `${b.service?.name ?? ''}:${port}`;
}
