import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { decodeValue, encodeValue, etcdKey, resourceOfKey } from './etcd-keys';

const obj = (apiVersion: string, namespace?: string): KubeObject => ({ apiVersion, kind: 'X', metadata: { name: 'web', namespace } });

describe('etcd key layout (kube-apiserver test/integration/etcd/data.go)', () => {
  it.each([
    ['/pods', 'default', '/registry/pods/default/web'],
    ['/services', 'default', '/registry/services/specs/default/web'],
    ['/endpoints', 'default', '/registry/services/endpoints/default/web'],
    ['/nodes', undefined, '/registry/minions/web'],
    ['/namespaces', undefined, '/registry/namespaces/web'],
    ['apps/deployments', 'default', '/registry/deployments/default/web'],
    ['discovery.k8s.io/endpointslices', 'default', '/registry/endpointslices/default/web'],
    ['networking.k8s.io/ingresses', 'default', '/registry/ingress/default/web'],
    ['coordination.k8s.io/leases', 'kube-node-lease', '/registry/leases/kube-node-lease/web'],
  ])('%s in %s is %s, and back', (resource, namespace, key) => {
    expect(etcdKey(resource, namespace, 'web')).toBe(key);
    const group = resource.slice(0, resource.indexOf('/'));
    expect(resourceOfKey(key, obj(group ? `${group}/v1` : 'v1', namespace))).toBe(resource);
  });

  it('ignores keys that are not objects of ours', () => {
    expect(resourceOfKey('/other/pods/default/web', obj('v1', 'default'))).toBeUndefined();
    expect(resourceOfKey('/registry/pods', obj('v1', 'default'))).toBeUndefined();
  });

  it('stores no resourceVersion: it is the mod_revision on read', () => {
    const o = { ...obj('v1', 'default'), metadata: { name: 'web', namespace: 'default', resourceVersion: '12' } };
    expect(encodeValue(o)).not.toContain('resourceVersion');
    expect(decodeValue(encodeValue(o), '42').metadata.resourceVersion).toBe('42');
  });
});
