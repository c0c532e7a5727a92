// RequestInfoFactory's verbs and kube-apiserver's Forbidden wording, as a table.
import { describe, expect, it } from 'vitest';
import { forbiddenMessage, requestAttributes } from './attributes';
import { ANONYMOUS } from './types';

describe('request attributes', () => {
  const cases: [string, string, Partial<ReturnType<typeof requestAttributes>>][] = [
    ['GET', '/api/v1/namespaces/default/pods', { verb: 'list', resource: 'pods', namespace: 'default' }],
    ['GET', '/api/v1/namespaces/default/pods?watch=true', { verb: 'watch', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/default/pods/web', { verb: 'get', name: 'web' }],
    ['GET', '/api/v1/namespaces/default/pods/web/log', { verb: 'get', subresource: 'log' }],
    [
      'POST',
      '/api/v1/namespaces/default/serviceaccounts/default/token',
      { verb: 'create', resource: 'serviceaccounts', subresource: 'token' },
    ],
    ['PATCH', '/apis/apps/v1/namespaces/lab/deployments/web/scale', { verb: 'patch', apiGroup: 'apps', subresource: 'scale' }],
    ['DELETE', '/api/v1/namespaces/default/pods', { verb: 'deletecollection' }],
    ['GET', '/api/v1/namespaces/lab', { verb: 'get', resource: 'namespaces', name: 'lab', namespace: 'lab' }],
    ['GET', '/api/v1/nodes?fieldSelector=metadata.name%3Dn1&watch=1', { verb: 'watch', name: 'n1' }],
    ['GET', '/healthz', { resourceRequest: false, verb: 'get', path: '/healthz' }],
    ['POST', '/apis', { resourceRequest: false, verb: 'post', path: '/apis' }],
  ];
  it.each(cases)('%s %s', (method, url, want) => expect(requestAttributes(ANONYMOUS, method, url)).toMatchObject(want));

  it.each([
    '/api/v1/namespaces/default/pods/../secrets',
    '/api/v1/namespaces/default/pods/%2e%2E/secrets',
    '/api/v1/namespaces/default/./pods',
    '/api/v1/namespaces/default/pods\\x',
    '/api/v1/namespaces/default/pods%5Cx',
    'http://evil/api/v1/secrets',
  ])('refuses the unclean path %s with 400 before authorization', (url) => {
    expect(() => requestAttributes(ANONYMOUS, 'GET', url)).toThrow(expect.objectContaining({ code: 400 }));
  });

  it('authorizes the raw path the routes see: no case folding, no WHATWG rewriting', () => {
    // Express routes are case-sensitive now; RBAC sees the same non-resource path the router does.
    expect(requestAttributes(ANONYMOUS, 'POST', '/API/v1/namespaces/d/pods/p/eviction')).toMatchObject({
      resourceRequest: false,
      path: '/API/v1/namespaces/d/pods/p/eviction',
    });
    expect(requestAttributes(ANONYMOUS, 'GET', '/api/v1/namespaces/d/pods/a%20b')).toMatchObject({ name: 'a b' });
  });

  it('exec, attach and portforward upgrades are create', () => {
    expect(requestAttributes(ANONYMOUS, 'GET', '/api/v1/namespaces/d/pods/p/exec?command=ls', true)).toMatchObject({
      verb: 'create',
      subresource: 'exec',
    });
  });

  it('words Forbidden as kube-apiserver does', () => {
    expect(forbiddenMessage(requestAttributes(ANONYMOUS, 'GET', '/apis/apps/v1/namespaces/lab/deployments/web'))).toBe(
      'deployments.apps "web" is forbidden: User "system:anonymous" cannot get resource "deployments" in API group "apps" in the namespace "lab"',
    );
    expect(forbiddenMessage(requestAttributes(ANONYMOUS, 'GET', '/api/v1/namespaces/d/pods/p/log'))).toBe(
      'pods "p" is forbidden: User "system:anonymous" cannot get resource "pods/log" in API group "" in the namespace "d"',
    );
    expect(forbiddenMessage(requestAttributes(ANONYMOUS, 'GET', '/api/v1/nodes'))).toBe(
      'nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    expect(forbiddenMessage(requestAttributes(ANONYMOUS, 'GET', '/metrics'))).toBe(
      'forbidden: User "system:anonymous" cannot get path "/metrics"',
    );
  });
});
