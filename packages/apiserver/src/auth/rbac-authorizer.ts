// RBAC evaluated as Kubernetes' authorizer (plugin/pkg/auth/authorizer/rbac/rbac.go): walk the ClusterRoleBindings,
// then the RoleBindings of the request's namespace; a binding that applies to the user contributes its role's
// rules; the first rule that allows (RuleAllows: verbs, groups, resources with subresources, names, or
// non-resource URLs) decides. Pure over a RuleSource, so it tests as a table.
import type { Attributes, BindingObject, PolicyRule, RoleObject, Subject, UserInfo } from './types';

export interface RuleSource {
  clusterRoleBindings(): BindingObject[];
  roleBindings(namespace: string): BindingObject[];
  clusterRole(name: string): RoleObject | undefined;
  role(namespace: string, name: string): RoleObject | undefined;
}

export interface Decision {
  allowed: boolean;
  /** Why, as kube-apiserver words it: `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`. */
  reason: string;
}

const has = (list: string[] | undefined, value: string): boolean => !!list && (list.includes('*') || list.includes(value));

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, group);
}

// rbac.ResourceMatches: `*`, an exact `pods` or `pods/log`, or `*/scale` for any resource's scale. There is
// no `pods/*`: such a rule matches only a subresource literally named `*`, so it grants nothing.
export function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (!subresource) continue;
    if (r === `*/${subresource}`) return true;
  }
  return false;
}

/** resourceNames empty = every name; otherwise the request must name one of them (a list or create has no name). */
export function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  if (!rule.resourceNames?.length) return true;
  return name !== undefined && name !== '' && rule.resourceNames.includes(name);
}

/** `/healthz`, `*`, or a prefix ending in `*` (`/apis/*`). */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule, a.path ?? '');
  return (
    apiGroupMatches(rule, a.apiGroup ?? '') &&
    resourceMatches(rule, a.resource ?? '', a.subresource || undefined) &&
    resourceNameMatches(rule, a.name)
  );
}

/** appliesToUser: a User by name, a Group by membership, a ServiceAccount by its user name. */
export function subjectMatches(user: UserInfo, s: Subject, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return user.name === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      // A RoleBinding's ServiceAccount subject without a namespace means the binding's own (as kubectl writes it).
      const ns = s.namespace || bindingNamespace || '';
      return user.name === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(user: UserInfo, s: Subject): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount "${s.namespace ? `${s.namespace}/` : ''}${s.name}"`;
  if (s.kind === 'Group') return `Group "${s.name}"`;
  return `User "${user.name}"`;
}

interface Applied {
  binding: BindingObject;
  subject: Subject;
  rules: PolicyRule[];
  roleNamespace?: string;
}

/** Every (binding, rules) that applies to the user for a request in `namespace` (cluster-wide when undefined). */
function* appliedRules(src: RuleSource, user: UserInfo, namespace: string | undefined): Generator<Applied> {
  for (const b of src.clusterRoleBindings()) {
    const subject = (b.subjects ?? []).find((s) => subjectMatches(user, s, undefined));
    if (!subject || b.roleRef?.kind !== 'ClusterRole') continue;
    const role = src.clusterRole(b.roleRef.name);
    if (role) yield { binding: b, subject, rules: role.rules ?? [] };
  }
  if (!namespace) return;
  for (const b of src.roleBindings(namespace)) {
    const subject = (b.subjects ?? []).find((s) => subjectMatches(user, s, namespace));
    if (!subject) continue;
    const role =
      b.roleRef?.kind === 'Role'
        ? src.role(namespace, b.roleRef.name)
        : b.roleRef?.kind === 'ClusterRole'
          ? src.clusterRole(b.roleRef.name)
          : undefined;
    if (role) yield { binding: b, subject, rules: role.rules ?? [], roleNamespace: b.roleRef.kind === 'Role' ? namespace : undefined };
  }
}

export function authorize(src: RuleSource, a: Attributes): Decision {
  for (const applied of appliedRules(src, a.user, a.resourceRequest ? a.namespace || undefined : undefined)) {
    if (!applied.rules.some((r) => ruleAllows(a, r))) continue;
    const b = applied.binding;
    const bindingKind = b.metadata.namespace
      ? `RoleBinding "${b.metadata.name}/${b.metadata.namespace}"`
      : `ClusterRoleBinding "${b.metadata.name}"`;
    const roleKind = applied.roleNamespace ? `Role "${b.roleRef.name}/${applied.roleNamespace}"` : `ClusterRole "${b.roleRef.name}"`;
    return { allowed: true, reason: `RBAC: allowed by ${bindingKind} of ${roleKind} to ${describeSubject(a.user, applied.subject)}` };
  }
  return { allowed: false, reason: '' };
}

/** The rules that apply to the user in a namespace (SelfSubjectRulesReview, escalation checks). */
export function rulesFor(src: RuleSource, user: UserInfo, namespace: string | undefined): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const applied of appliedRules(src, user, namespace)) out.push(...applied.rules);
  return out;
}

/**
 * Whether `owned` covers every request `wanted` allows (validation.Covers, as escalation prevention uses it):
 * each verb x group x resource x name (or URL) of `wanted` must be allowed by one of `owned`.
 */
export function covers(owned: PolicyRule[], wanted: PolicyRule): boolean {
  const verbs = wanted.verbs ?? [];
  if (wanted.nonResourceURLs?.length) {
    return wanted.nonResourceURLs.every((url) =>
      verbs.every((verb) =>
        owned.some(
          (r) =>
            has(r.verbs, verb) &&
            (r.nonResourceURLs ?? []).some((u) => u === '*' || u === url || (u.endsWith('*') && url.startsWith(u.slice(0, -1)))),
        ),
      ),
    );
  }
  const groups = wanted.apiGroups ?? [];
  const resources = wanted.resources ?? [];
  const names = wanted.resourceNames?.length ? wanted.resourceNames : [undefined];
  return groups.every((g) =>
    resources.every((res) =>
      verbs.every((verb) =>
        names.every((name) =>
          owned.some(
            (r) =>
              has(r.verbs, verb) &&
              has(r.apiGroups, g) &&
              ((r.resources ?? []).includes('*') ||
                (r.resources ?? []).includes(res) ||
                // resourceCoversAll: `*/sub` covers `res/sub`.
                (res.includes('/') && (r.resources ?? []).includes(`*/${res.slice(res.indexOf('/') + 1)}`))) &&
              (!r.resourceNames?.length || (name !== undefined && r.resourceNames.includes(name))),
          ),
        ),
      ),
    ),
  );
}
