// Strategies for ServiceAccounts (with TokenRequest, POST serviceaccounts/NAME/token) and the RBAC kinds
// (Role, ClusterRole, RoleBinding, ClusterRoleBinding), with kube-apiserver's validation wording.
import { field, invalid, resources, StatusError, type FieldError, type KubeObject, type ResourceInfo } from '@kubelab/api';
import type { Strategy } from '../registry/strategy';
import type { ServiceAccountTokens } from './service-account-tokens';
import type { BindingObject, RoleObject } from './types';

function info(group: string, plural: string): ResourceInfo {
  const r = resources.find((x) => x.plural === plural && x.group === group);
  if (!r) throw new Error(`resource ${plural} is not described in @kubelab/api`);
  return r;
}

const RBAC = 'rbac.authorization.k8s.io';

function validateRules(obj: KubeObject, clusterScoped: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const rules = (obj as RoleObject).rules;
  if (rules !== undefined && !Array.isArray(rules)) return [field.invalid('rules', rules, 'must be a list of PolicyRules')];
  (rules ?? []).forEach((r, i) => {
    if (!Array.isArray(r.verbs) || r.verbs.length === 0)
      errs.push(field.required(`rules[${i}].verbs`, 'verbs must contain at least one value'));
    const nonResource = r.nonResourceURLs?.length ?? 0;
    if (nonResource && !clusterScoped)
      errs.push(field.invalid(`rules[${i}].nonResourceURLs`, r.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (nonResource && (r.apiGroups?.length || r.resources?.length))
      errs.push(
        field.invalid(
          `rules[${i}].nonResourceURLs`,
          r.nonResourceURLs,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    if (!nonResource) {
      if (!r.apiGroups?.length) errs.push(field.required(`rules[${i}].apiGroups`, 'resource rules must supply at least one api group'));
      if (!r.resources?.length) errs.push(field.required(`rules[${i}].resources`, 'resource rules must supply at least one resource'));
    }
  });
  return errs;
}

function validateBinding(obj: KubeObject, old: KubeObject | undefined, clusterScoped: boolean): FieldError[] {
  const b = obj as BindingObject;
  const errs: FieldError[] = [];
  const ref = b.roleRef;
  if (!ref || typeof ref !== 'object') return [field.required('roleRef', '')];
  if (ref.apiGroup !== RBAC) errs.push(field.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC]));
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(field.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(field.required('roleRef.name', ''));
  const oldRef = (old as BindingObject | undefined)?.roleRef;
  if (oldRef && (oldRef.kind !== ref.kind || oldRef.name !== ref.name || oldRef.apiGroup !== ref.apiGroup))
    errs.push(field.invalid('roleRef', ref, 'cannot change roleRef'));
  (b.subjects ?? []).forEach((s, i) => {
    if (!s.name) errs.push(field.required(`subjects[${i}].name`, ''));
    if (!['User', 'Group', 'ServiceAccount'].includes(s.kind))
      errs.push(field.notSupported(`subjects[${i}].kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
    if (s.kind === 'ServiceAccount' && clusterScoped && !s.namespace) errs.push(field.required(`subjects[${i}].namespace`, ''));
    if (s.kind === 'ServiceAccount' && s.apiGroup) errs.push(field.notSupported(`subjects[${i}].apiGroup`, s.apiGroup, ['']));
    if ((s.kind === 'User' || s.kind === 'Group') && s.apiGroup !== RBAC)
      errs.push(field.notSupported(`subjects[${i}].apiGroup`, s.apiGroup ?? '', [RBAC]));
  });
  return errs;
}

export const roleStrategy: Strategy = { info: info(RBAC, 'roles'), nameRule: 'path-segment', validate: (o) => validateRules(o, false) };
export const clusterRoleStrategy: Strategy = {
  info: info(RBAC, 'clusterroles'),
  nameRule: 'path-segment',
  validate: (o) => validateRules(o, true),
};
export const roleBindingStrategy: Strategy = {
  info: info(RBAC, 'rolebindings'),
  nameRule: 'path-segment',
  validate: (o, old) => validateBinding(o, old, false),
};
export const clusterRoleBindingStrategy: Strategy = {
  info: info(RBAC, 'clusterrolebindings'),
  nameRule: 'path-segment',
  validate: (o, old) => validateBinding(o, old, true),
};

export interface TokenRequestDeps {
  tokens: ServiceAccountTokens;
  /** The object a token is bound to (Pod, Secret, Node), or undefined when it does not exist. */
  lookup(kind: string, namespace: string, name: string): KubeObject | undefined;
}

interface TokenRequest extends KubeObject {
  spec?: {
    audiences?: string[];
    expirationSeconds?: number;
    boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
  };
}

const MIN_EXPIRATION = 600;
const MAX_EXPIRATION = 2 ** 32;

/** POST serviceaccounts/NAME/token (pkg/registry/core/serviceaccount/storage/token.go). */
export function createToken(deps: TokenRequestDeps, sa: KubeObject, body: KubeObject, nowMs = Date.now()): KubeObject {
  const req = body as TokenRequest;
  const ns = sa.metadata.namespace!;
  const name = sa.metadata.name!;
  const spec = { ...req.spec };
  const audiences = spec.audiences?.length ? spec.audiences : deps.tokens.apiAudiences;
  const expirationSeconds = spec.expirationSeconds ?? 3600;
  const errs: FieldError[] = [];
  if (!Number.isInteger(expirationSeconds) || expirationSeconds < MIN_EXPIRATION)
    errs.push(field.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes'));
  else if (expirationSeconds > MAX_EXPIRATION)
    errs.push(field.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  if (errs.length) throw invalid('TokenRequest', 'authentication.k8s.io', name, errs);
  let pod: { name: string; uid: string } | undefined;
  let node: { name: string; uid: string } | undefined;
  const ref = spec.boundObjectRef;
  if (ref) {
    if (!['Pod', 'Secret', 'Node'].includes(ref.kind ?? ''))
      throw new StatusError(
        'BadRequest',
        `cannot bind token for object of kind "${ref.kind ?? ''}": only Pod, Secret and Node are supported`,
      );
    const obj = deps.lookup(ref.kind!, ns, ref.name ?? '');
    if (!obj) throw new StatusError('NotFound', `${ref.kind!.toLowerCase()}s "${ref.name}" not found`);
    if (ref.uid && ref.uid !== obj.metadata.uid)
      throw new StatusError(
        'Conflict',
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    if (ref.kind === 'Pod') {
      pod = { name: obj.metadata.name!, uid: obj.metadata.uid! };
      const podSa = (obj.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? 'default';
      if (podSa !== name)
        throw new StatusError(
          'BadRequest',
          `cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`,
        );
      const nodeName = (obj.spec as { nodeName?: string } | undefined)?.nodeName;
      const n = nodeName ? deps.lookup('Node', '', nodeName) : undefined;
      if (n) node = { name: n.metadata.name!, uid: n.metadata.uid! };
    }
    if (ref.kind === 'Node') node = { name: obj.metadata.name!, uid: obj.metadata.uid! };
  }
  const { token, expiresAt } = deps.tokens.issue(
    { namespace: ns, serviceAccount: { name, uid: sa.metadata.uid! }, audiences, expirationSeconds, pod, node },
    nowMs,
  );
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ns, creationTimestamp: new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z') },
    spec: { audiences, expirationSeconds, boundObjectRef: ref ?? null },
    status: { token, expirationTimestamp: new Date(expiresAt).toISOString().replace(/\.\d+Z$/, 'Z') },
  } as KubeObject;
}

export function serviceAccountStrategyWith(deps: TokenRequestDeps | undefined): Strategy {
  return {
    info: info('', 'serviceaccounts'),
    nameRule: 'dns1123-subdomain',
    subresources: deps
      ? {
          token: {
            create: (_ctx, sa, body) => createToken(deps, sa, body),
          },
        }
      : undefined,
  };
}
