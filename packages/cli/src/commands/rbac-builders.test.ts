import { describe, expect, it } from 'vitest';
import { buildClusterRole, buildClusterRoleBinding, buildRole, buildRoleBinding, parseDuration, parseResource } from './rbac-builders';

describe('create role|clusterrole|rolebinding builders (kubectl create_role.go)', () => {
  it('groups resources by API group, with subresources and resource names', () => {
    expect(
      buildRole('r', { verb: ['get,list', 'watch'], resource: ['po', 'pods/log', 'deployments.apps', 'rs'], resourceName: ['a'] }, 'lab'),
    ).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'r', namespace: 'lab' },
      rules: [
        { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'], resourceNames: ['a'] },
        { verbs: ['get', 'list', 'watch'], apiGroups: ['apps'], resources: ['deployments', 'replicasets'], resourceNames: ['a'] },
      ],
    });
    expect(parseResource('*')).toEqual({ group: '*', resource: '*' });
    expect(parseResource('deployments.apps/scale')).toEqual({ group: 'apps', resource: 'deployments/scale' });
    expect(() => parseResource('unicorns')).toThrow('the server doesn\'t have a resource type "unicorns"');
    expect(() => buildRole('r', { verb: ['fly'], resource: ['pods'] })).toThrow("invalid verb: 'fly'");
    expect(() => buildRole('r', { resource: ['pods'] })).toThrow('at least one verb must be specified');
  });

  it('clusterroles take non-resource URLs', () => {
    expect(buildClusterRole('health', { verb: ['get'], nonResourceUrl: ['/healthz', '/livez'] }).rules).toEqual([
      { verbs: ['get'], nonResourceURLs: ['/healthz', '/livez'] },
    ]);
  });

  it('bindings name one role and their subjects', () => {
    expect(
      buildRoleBinding('b', { clusterrole: 'view', serviceaccount: ['default:default'], user: ['jane'], group: ['devs'] }, 'default'),
    ).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'b', namespace: 'default' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' },
        { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' },
        { kind: 'ServiceAccount', namespace: 'default', name: 'default' },
      ],
    });
    expect(() => buildRoleBinding('b', { user: ['x'] })).toThrow('exactly one of clusterrole or role must be specified');
    expect(() => buildClusterRoleBinding('b', { role: 'x' })).toThrow('required flag(s) "clusterrole" not set');
    expect(() => buildRoleBinding('b', { role: 'x', serviceaccount: ['nope'] })).toThrow('serviceaccount must be <namespace>:<name>');
  });

  it('reads --duration as Go does', () => {
    expect(parseDuration('10m')).toBe(600);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('3600s')).toBe(3600);
    expect(() => parseDuration('ten')).toThrow('invalid duration "ten"');
  });
});
