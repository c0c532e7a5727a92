// RBAC as a table of cases against the pure authorizer, as Kubernetes tests RuleAllows and the authorizer.
import { describe, expect, it } from 'vitest';
import { authorize, covers, ruleAllows, subjectMatches, type RuleSource } from './rbac-authorizer';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy';
import type { Attributes, BindingObject, PolicyRule, RoleObject, UserInfo } from './types';

const sa: UserInfo = {
  name: 'system:serviceaccount:default:default',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
};
const jane: UserInfo = { name: 'jane', groups: ['devs', 'system:authenticated'] };
const anon: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

const res = (user: UserInfo, verb: string, resource: string, o: Partial<Attributes> = {}): Attributes => ({
  user,
  verb,
  resourceRequest: true,
  apiGroup: '',
  resource,
  ...o,
});
const url = (user: UserInfo, path: string, verb = 'get'): Attributes => ({ user, verb, resourceRequest: false, path });

describe('ruleAllows', () => {
  const cases: [string, PolicyRule, Attributes, boolean][] = [
    ['verb and resource', { verbs: ['list'], apiGroups: [''], resources: ['pods'] }, res(jane, 'list', 'pods'), true],
    ['another verb', { verbs: ['list'], apiGroups: [''], resources: ['pods'] }, res(jane, 'delete', 'pods'), false],
    ['another group', { verbs: ['list'], apiGroups: ['apps'], resources: ['pods'] }, res(jane, 'list', 'pods'), false],
    [
      '* verbs, groups, resources',
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      res(jane, 'patch', 'deployments', { apiGroup: 'apps' }),
      true,
    ],
    [
      'pods does not cover pods/log',
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      res(jane, 'get', 'pods', { subresource: 'log' }),
      false,
    ],
    ['pods/log', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res(jane, 'get', 'pods', { subresource: 'log' }), true],
    [
      '*/scale',
      { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] },
      res(jane, 'update', 'deployments', { apiGroup: 'apps', subresource: 'scale' }),
      true,
    ],
    // Kubernetes' ResourceMatches knows `*`, exact `res/sub` and `*/sub` only: `pods/*` grants no subresource.
    [
      'pods/* is no wildcard',
      { verbs: ['create'], apiGroups: [''], resources: ['pods/*'] },
      res(jane, 'create', 'pods', { subresource: 'exec' }),
      false,
    ],
    ['pods/* is not pods', { verbs: ['create'], apiGroups: [''], resources: ['pods/*'] }, res(jane, 'create', 'pods'), false],
    [
      'resourceNames match',
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
      res(jane, 'get', 'configmaps', { name: 'a' }),
      true,
    ],
    [
      'resourceNames other',
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
      res(jane, 'get', 'configmaps', { name: 'b' }),
      false,
    ],
    [
      'resourceNames never allow list',
      { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
      res(jane, 'list', 'configmaps'),
      false,
    ],
    ['nonResourceURL exact', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, url(jane, '/healthz'), true],
    ['nonResourceURL prefix *', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, url(jane, '/apis/apps/v1'), true],
    ['nonResourceURL other', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, url(jane, '/metrics'), false],
    ['resource rule never matches a URL', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, url(jane, '/healthz'), false],
  ];
  it.each(cases)('%s', (_name, rule, a, allowed) => expect(ruleAllows(a, rule)).toBe(allowed));
});

describe('subjects', () => {
  it('matches users, groups and ServiceAccounts (a RoleBinding may omit the namespace)', () => {
    expect(subjectMatches(jane, { kind: 'User', name: 'jane' }, undefined)).toBe(true);
    expect(subjectMatches(jane, { kind: 'Group', name: 'devs' }, undefined)).toBe(true);
    expect(subjectMatches(sa, { kind: 'ServiceAccount', name: 'default', namespace: 'default' }, undefined)).toBe(true);
    expect(subjectMatches(sa, { kind: 'ServiceAccount', name: 'default' }, 'default')).toBe(true);
    expect(subjectMatches(sa, { kind: 'ServiceAccount', name: 'default' }, 'other')).toBe(false);
    expect(subjectMatches(sa, { kind: 'User', name: 'default' }, 'default')).toBe(false);
  });
});

function source(roles: RoleObject[], bindings: BindingObject[]): RuleSource {
  const clusterRoles = [...bootstrapClusterRoles, ...roles.filter((r) => !r.metadata.namespace)];
  const clusterBindings = [...bootstrapClusterRoleBindings, ...bindings.filter((b) => !b.metadata.namespace)];
  return {
    clusterRoleBindings: () => clusterBindings,
    roleBindings: (ns) => bindings.filter((b) => b.metadata.namespace === ns),
    clusterRole: (name) => clusterRoles.find((r) => r.metadata.name === name),
    role: (ns, name) => roles.find((r) => r.metadata.namespace === ns && r.metadata.name === name),
  };
}

const rb = (name: string, ns: string, kind: 'Role' | 'ClusterRole', role: string, subjects: BindingObject['subjects']): BindingObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name, namespace: ns },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
  subjects,
});

describe('authorize', () => {
  it('a ServiceAccount may not list pods until a RoleBinding grants view in that namespace', () => {
    const before = source([], []);
    expect(authorize(before, res(sa, 'list', 'pods', { namespace: 'default' })).allowed).toBe(false);
    const after = source(
      [],
      [rb('sa-view', 'default', 'ClusterRole', 'view', [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }])],
    );
    expect(authorize(after, res(sa, 'list', 'pods', { namespace: 'default' }))).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "sa-view/default" of ClusterRole "view" to ServiceAccount "default/default"',
    });
    expect(authorize(after, res(sa, 'list', 'pods', { namespace: 'other' })).allowed).toBe(false);
    expect(authorize(after, res(sa, 'list', 'pods')).allowed).toBe(false);
    expect(authorize(after, res(sa, 'get', 'secrets', { namespace: 'default', name: 'x' })).allowed).toBe(false);
    expect(authorize(after, res(sa, 'delete', 'pods', { namespace: 'default', name: 'x' })).allowed).toBe(false);
  });

  it('a Role in a namespace, resourceNames, and the edit role', () => {
    const role: RoleObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'one-cm', namespace: 'lab' },
      rules: [{ verbs: ['get', 'update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] }],
    };
    const src = source(
      [role],
      [
        rb('b', 'lab', 'Role', 'one-cm', [{ kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' }]),
        rb('e', 'dev', 'ClusterRole', 'edit', [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }]),
      ],
    );
    expect(authorize(src, res(jane, 'update', 'configmaps', { namespace: 'lab', name: 'settings' })).allowed).toBe(true);
    expect(authorize(src, res(jane, 'update', 'configmaps', { namespace: 'lab', name: 'other' })).allowed).toBe(false);
    expect(authorize(src, res(jane, 'create', 'pods', { namespace: 'dev', subresource: 'exec', name: 'p' })).allowed).toBe(true);
    expect(authorize(src, res(jane, 'create', 'roles', { namespace: 'dev', apiGroup: 'rbac.authorization.k8s.io' })).allowed).toBe(false);
  });

  it('anonymous reads only the health and version URLs; authenticated users discovery too', () => {
    const src = source([], []);
    for (const p of ['/healthz', '/livez', '/readyz', '/version']) expect(authorize(src, url(anon, p)).allowed).toBe(true);
    expect(authorize(src, url(anon, '/api')).allowed).toBe(false);
    expect(authorize(src, url(anon, '/openapi/v2')).allowed).toBe(false);
    expect(authorize(src, res(anon, 'list', 'nodes')).allowed).toBe(false);
    expect(authorize(src, url(jane, '/apis/apps/v1')).allowed).toBe(true);
    expect(authorize(src, res(jane, 'create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' })).allowed).toBe(true);
  });

  it('nodes: the system:node role', () => {
    const node: UserInfo = { name: 'system:node:w1', groups: ['system:nodes', 'system:authenticated'] };
    const src = source([], []);
    expect(authorize(src, res(node, 'patch', 'nodes', { subresource: 'status', name: 'w1' })).allowed).toBe(true);
    expect(
      authorize(src, res(node, 'create', 'serviceaccounts', { subresource: 'token', namespace: 'default', name: 'default' })).allowed,
    ).toBe(true);
    expect(authorize(src, res(node, 'create', 'deployments', { apiGroup: 'apps', namespace: 'default' })).allowed).toBe(false);
  });
});

describe('covers (escalation checks)', () => {
  const view = bootstrapClusterRoles.find((r) => r.metadata.name === 'view')!.rules!;
  it('view covers a pod reader but not a secret reader', () => {
    expect(covers(view, { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] })).toBe(true);
    expect(covers(view, { verbs: ['get'], apiGroups: [''], resources: ['secrets'] })).toBe(false);
    expect(
      covers([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], {
        verbs: ['delete'],
        apiGroups: ['apps'],
        resources: ['deployments'],
      }),
    ).toBe(true);
  });

  it('covers subresources as resourceCoversAll does: `*/sub` covers `res/sub`, `res/*` covers nothing more', () => {
    const exec = { verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] };
    expect(covers([{ verbs: ['create'], apiGroups: [''], resources: ['*/exec'] }], exec)).toBe(true);
    expect(covers([{ verbs: ['create'], apiGroups: [''], resources: ['pods/*'] }], exec)).toBe(false);
    expect(covers([{ verbs: ['create'], apiGroups: [''], resources: ['pods'] }], exec)).toBe(false);
  });
});
