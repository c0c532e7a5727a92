// networking.k8s.io/v1 Ingress and IngressClass validation, ported from kubernetes
// pkg/apis/networking/validation/validation.go (ValidateIngressCreate/Update, ValidateIngressClass) with the
// same field paths and messages, and the DefaultIngressClass admission plugin's defaulting.
import {
  DEFAULT_INGRESS_CLASS_ANNOTATION,
  dns1123Subdomain,
  field,
  isIPv4,
  LEGACY_INGRESS_CLASS_ANNOTATION,
  pathTypes,
  type FieldError,
  type Ingress,
  type IngressBackend,
  type IngressClass,
  type KubeObject,
} from '@kubelab/api';
import { portNameErrors, portRange } from './field-errors';

const dns1035Re = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Message =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const wildcardRe = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const wildcardMessage =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const invalidPathSequences = ['//', '/./', '/../', '%2f', '%2F'];
const invalidPathSuffixes = ['/..', '/.'];

/** IsWildcardDNS1123Subdomain */
export function wildcardSubdomainErrors(host: string): string[] {
  const errs: string[] = [];
  if (host.length > 253) errs.push('must be no more than 253 characters');
  if (!wildcardRe.test(host)) errs.push(wildcardMessage);
  return errs;
}

function hostErrors(path: string, host: string): FieldError[] {
  const msgs = host.includes('*') ? wildcardSubdomainErrors(host) : dns1123Subdomain(host);
  return msgs.map((m) => field.invalid(path, host, m));
}

function validateBackend(b: IngressBackend | undefined, at: string): FieldError[] {
  if (!b || typeof b !== 'object') return [field.invalid(at, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  if (b.resource && b.service) return [field.invalid(at, '', 'cannot set both resource and service backends')];
  if (b.resource) {
    const r = b.resource;
    if (!r.kind) errs.push(field.required(`${at}.resource.kind`));
    if (!r.name) errs.push(field.required(`${at}.resource.name`));
    if (r.apiGroup) for (const m of dns1123Subdomain(r.apiGroup)) errs.push(field.invalid(`${at}.resource.apiGroup`, r.apiGroup, m));
    return errs;
  }
  if (!b.service) return [field.invalid(at, '', 'resource or service backend is required')];
  const svc = b.service;
  if (!svc.name) errs.push(field.required(`${at}.service.name`));
  else if (typeof svc.name !== 'string' || !dns1035Re.test(svc.name) || svc.name.length > 63) {
    const msgs = String(svc.name).length > 63 ? ['must be no more than 63 characters'] : [dns1035Message];
    for (const m of msgs) errs.push(field.invalid(`${at}.service.name`, svc.name, m));
  }
  const name = svc.port?.name ?? '';
  const num = svc.port?.number ?? 0;
  if (name && num) errs.push(field.invalid(at, '', 'cannot set both port name & port number'));
  else if (name) for (const m of portNameErrors(name)) errs.push(field.invalid(`${at}.service.port.name`, name, m));
  else if (num) {
    if (!Number.isInteger(num) || num < 1 || num > 65535) errs.push(field.invalid(`${at}.service.port.number`, num, portRange));
  } else errs.push(field.required(at, 'Required value: port name or number is required'));
  return errs;
}

function validatePath(p: Record<string, unknown>, at: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.pathType === undefined || p.pathType === null)
    return [field.required(`${at}.pathType`, 'Required value: pathType must be specified')];
  const path = typeof p.path === 'string' ? p.path : '';
  switch (p.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!path.startsWith('/')) errs.push(field.invalid(`${at}.path`, path, 'must be an absolute path'));
      if (path.length > 0) {
        for (const seq of invalidPathSequences)
          if (path.includes(seq)) errs.push(field.invalid(`${at}.path`, path, `must not contain '${seq}'`));
        for (const suf of invalidPathSuffixes)
          if (path.endsWith(suf)) errs.push(field.invalid(`${at}.path`, path, `cannot end with '${suf}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (path.length > 0 && !path.startsWith('/')) errs.push(field.invalid(`${at}.path`, path, 'must be an absolute path'));
      break;
    default:
      errs.push(field.notSupported(`${at}.pathType`, p.pathType, pathTypes));
  }
  errs.push(...validateBackend(p.backend as IngressBackend, `${at}.backend`));
  return errs;
}

/** ValidateIngressSpec (+ the class annotation check of ValidateIngressCreate when `creating`). */
export function validateIngress(obj: KubeObject, creating: boolean): FieldError[] {
  const ing = obj as Ingress;
  if (!ing.spec || typeof ing.spec !== 'object')
    return [field.invalid('spec', null, 'either `defaultBackend` or `rules` must be specified')];
  const spec = ing.spec;
  const errs: FieldError[] = [];
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  if (!rules.length && !spec.defaultBackend) errs.push(field.invalid('spec', null, 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((r, i) => {
    const at = `spec.rules[${i}]`;
    if (r.host) {
      if (isIPv4(r.host) || r.host.includes(':')) errs.push(field.invalid(`${at}.host`, r.host, 'must be a DNS name, not an IP address'));
      else errs.push(...hostErrors(`${at}.host`, r.host));
    }
    if (r.http) {
      const paths = Array.isArray(r.http.paths) ? r.http.paths : [];
      if (!paths.length) errs.push(field.required(`${at}.http.paths`));
      paths.forEach((p, j) => errs.push(...validatePath(p as unknown as Record<string, unknown>, `${at}.http.paths[${j}]`)));
    }
  });
  (Array.isArray(spec.tls) ? spec.tls : []).forEach((t, i) => {
    (t.hosts ?? []).forEach((h, j) => errs.push(...hostErrors(`spec.tls[${i}].hosts[${j}]`, h)));
    if (t.secretName)
      for (const m of dns1123Subdomain(t.secretName)) errs.push(field.invalid(`spec.tls[${i}].secretName`, t.secretName, m));
  });
  if (spec.ingressClassName !== undefined && spec.ingressClassName !== null)
    for (const m of dns1123Subdomain(String(spec.ingressClassName)))
      errs.push(field.invalid('spec.ingressClassName', spec.ingressClassName, m));
  const annotation = ing.metadata.annotations?.[LEGACY_INGRESS_CLASS_ANNOTATION];
  if (creating && annotation !== undefined && spec.ingressClassName && annotation !== spec.ingressClassName)
    errs.push(
      field.invalid(`annotations.${LEGACY_INGRESS_CLASS_ANNOTATION}`, annotation, 'must match `ingressClassName` when both are specified'),
    );
  return errs;
}

/** ValidateIngressClass (+ the immutable controller on update). */
export function validateIngressClass(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = (obj as IngressClass).spec;
  const errs: FieldError[] = [];
  const controller = spec && typeof spec === 'object' ? spec.controller : undefined;
  if (!controller) errs.push(field.required('spec.controller'));
  else if (controller.length > 250)
    errs.push({
      field: 'spec.controller',
      type: 'FieldValueTooLong' as FieldError['type'],
      message: 'Too long: may not be more than 250 bytes',
    });
  else {
    // IsDomainPrefixedPath: a DNS subdomain, then a non-empty path.
    const slash = controller.indexOf('/');
    const host = slash < 0 ? controller : controller.slice(0, slash);
    if (slash < 0 || slash === controller.length - 1)
      errs.push(field.invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    else for (const m of dns1123Subdomain(host)) errs.push(field.invalid('spec.controller', host, m));
  }
  const params = spec && typeof spec === 'object' ? spec.parameters : undefined;
  if (params) {
    if (!params.kind) errs.push(field.required('spec.parameters.kind'));
    if (!params.name) errs.push(field.required('spec.parameters.name'));
    if (params.scope === undefined) errs.push(field.required('spec.parameters.scope'));
    else if (params.scope !== 'Cluster' && params.scope !== 'Namespace')
      errs.push(field.notSupported('spec.parameters.scope', params.scope, ['Cluster', 'Namespace']));
    else if (params.scope === 'Namespace' && !params.namespace)
      errs.push(field.required('spec.parameters.namespace', "Required value: `parameters.scope` is set to 'Namespace'"));
    else if (params.scope === 'Cluster' && params.namespace)
      errs.push(field.forbidden('spec.parameters.namespace', "`parameters.scope` is set to 'Cluster'"));
  }
  const was = old ? (old as IngressClass).spec?.controller : undefined;
  if (old && was !== controller) errs.push(field.invalid('spec.controller', controller, 'field is immutable'));
  return errs;
}

/**
 * The DefaultIngressClass admission plugin: an Ingress created without spec.ingressClassName nor the legacy
 * class annotation gets the default class; of several defaults, the newest (as Kubernetes 1.27+ picks it).
 */
export function defaultIngressClassName(classes: IngressClass[]): string | undefined {
  const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true');
  defaults.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  return defaults[0]?.metadata.name;
}

export function admitDefaultIngressClass(obj: KubeObject, classes: () => IngressClass[]): void {
  const ing = obj as Ingress;
  if (!ing.spec || typeof ing.spec !== 'object' || ing.spec.ingressClassName) return;
  if (ing.metadata.annotations?.[LEGACY_INGRESS_CLASS_ANNOTATION] !== undefined) return;
  const name = defaultIngressClassName(classes());
  if (name) ing.spec.ingressClassName = name;
}
