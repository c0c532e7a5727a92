// Escalation prevention for RBAC writes (pkg/registry/rbac/{role,clusterrole,rolebinding}/policybased): a user
// may create or update a Role/ClusterRole only with rules they hold themselves (or with the `escalate` verb),
// and bind a role only when they hold its rules (or have the `bind` verb on it), so RBAC cannot be used to
// grant what one does not have. Pure over the caller's rule lookups.
import { StatusError } from '@kubelab/api';
import { covers } from './rbac-authorizer';
import type { Attributes, BindingObject, PolicyRule, RoleObject, UserInfo } from './types';

const RBAC = 'rbac.authorization.k8s.io';

export interface EscalationDeps {
  /** Whether the user may do this (the authorizer). */
  allowed(a: Attributes): boolean;
  /** The rules the user holds in a namespace (cluster-wide ones only when undefined). */
  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[];
  /** The rules of the role a binding refers to; undefined when it does not exist. */
  roleRules(kind: string, namespace: string | undefined, name: string): PolicyRule[] | undefined;
}

const q = (xs: string[] | undefined): string => `[${(xs ?? []).map((x) => JSON.stringify(x)).join(' ')}]`;

/** rbacv1helpers.CompactString: the fields a rule sets, in Go's %q list form. */
export function compactRule(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

function forbidden(resource: string, name: string, user: UserInfo, missing: PolicyRule[]): StatusError {
  return new StatusError(
    'Forbidden',
    `${resource}.${RBAC} "${name}" is forbidden: user "${user.name}" (groups=${q(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.map(compactRule).join('\n')}`,
    { name, group: RBAC, kind: resource },
  );
}

/** Throws Forbidden when a create/update of an RBAC object would grant more than the user holds. */
export function checkEscalation(a: Attributes, body: unknown, deps: EscalationDeps): void {
  if (!a.resourceRequest || a.apiGroup !== RBAC || (a.verb !== 'create' && a.verb !== 'update') || a.subresource) return;
  if (!body || typeof body !== 'object') return;
  const obj = body as RoleObject & BindingObject;
  const name = obj.metadata?.name ?? a.name ?? '';
  const namespace = a.resource === 'roles' || a.resource === 'rolebindings' ? a.namespace : undefined;
  const held = (): PolicyRule[] => deps.rulesFor(a.user, namespace);
  if (a.resource === 'roles' || a.resource === 'clusterroles') {
    if (deps.allowed({ ...a, verb: 'escalate', name })) return;
    const owned = held();
    const missing = (Array.isArray(obj.rules) ? obj.rules : []).filter((r) => !covers(owned, r));
    if (missing.length) throw forbidden(a.resource, name, a.user, missing);
    return;
  }
  if (a.resource === 'rolebindings' || a.resource === 'clusterrolebindings') {
    const ref = obj.roleRef;
    if (!ref?.name) return; // validation names the field
    const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
    if (
      deps.allowed({ user: a.user, verb: 'bind', resourceRequest: true, apiGroup: RBAC, resource: roleResource, namespace, name: ref.name })
    )
      return;
    const rules = deps.roleRules(ref.kind, namespace, ref.name);
    // GetRoleReferenceRules answers NotFound, which the binding's storage turns into Forbidden: without
    // `bind`, one cannot bind a role that does not exist (yet).
    if (!rules) {
      throw new StatusError('Forbidden', `${a.resource}.${RBAC} "${name}" is forbidden: ${roleResource}.${RBAC} "${ref.name}" not found`, {
        name,
        group: RBAC,
        kind: a.resource,
      });
    }
    const owned = held();
    const missing = rules.filter((r) => !covers(owned, r));
    if (missing.length) throw forbidden(a.resource, name, a.user, missing);
  }
}
