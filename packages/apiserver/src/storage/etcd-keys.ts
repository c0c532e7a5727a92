// Where kube-apiserver keeps each object in etcd (--etcd-prefix=/registry): `/registry/<resource>/<ns>/<name>`,
// `/registry/<resource>/<name>` for cluster-scoped kinds, with the historical names a few resources still
// carry (k8s.io/kubernetes test/integration/etcd/data.go lists every ExpectedEtcdPath): Services under
// services/specs, Endpoints under services/endpoints, Nodes under minions, Ingresses under ingress.
// Values are the objects as JSON, without metadata.resourceVersion: that is the key's mod_revision
// (k8s.io/apiserver storage/etcd3 clears it before a write and sets it on every read).
import type { KubeObject } from '@kubelab/api';

export const registryPrefix = '/registry/';

/** Resource keys ("group/plural") stored under a name other than their plural. */
const renamed: Record<string, string> = {
  '/services': 'services/specs',
  '/endpoints': 'services/endpoints',
  '/nodes': 'minions',
  '/replicationcontrollers': 'controllers',
  'networking.k8s.io/ingresses': 'ingress',
};
const renamedBack = new Map(Object.entries(renamed).map(([resource, dir]) => [dir, resource]));

/** The key prefix of one resource ("group/plural" as the store names it), ending in "/". */
export function resourcePrefix(resource: string): string {
  return `${registryPrefix}${renamed[resource] ?? resource.slice(resource.indexOf('/') + 1)}/`;
}

/** The etcd key of one object. */
export function etcdKey(resource: string, namespace: string | undefined, name: string): string {
  return namespace ? `${resourcePrefix(resource)}${namespace}/${name}` : `${resourcePrefix(resource)}${name}`;
}

/**
 * The store's resource key for an object read back from etcd: the directory names the resource, the
 * object's apiVersion its group (built-in kinds carry no group in their keys). Undefined for keys that are
 * not a kubelab object (written by hand with etcdctl, say).
 */
export function resourceOfKey(key: string, object: KubeObject): string | undefined {
  if (!key.startsWith(registryPrefix)) return undefined;
  const parts = key.slice(registryPrefix.length).split('/');
  const scoped = object.metadata?.namespace ? 2 : 1;
  if (parts.length < 1 + scoped || typeof object.apiVersion !== 'string') return undefined;
  const dir = parts.slice(0, parts.length - scoped).join('/');
  const back = renamedBack.get(dir);
  if (back) return back;
  if (dir.includes('/')) return undefined;
  const slash = object.apiVersion.indexOf('/');
  return `${slash < 0 ? '' : object.apiVersion.slice(0, slash)}/${dir}`;
}

/** The stored text of an object: JSON without the resourceVersion. */
export function encodeValue(object: KubeObject): string {
  const { resourceVersion: _rv, ...metadata } = object.metadata;
  return JSON.stringify({ ...object, metadata });
}

/** An object read from etcd, its resourceVersion set from the key's mod_revision. */
export function decodeValue(value: Buffer | string, modRevision: number | string): KubeObject {
  const object = JSON.parse(value.toString()) as KubeObject;
  object.metadata = { ...object.metadata, resourceVersion: String(modRevision) };
  return object;
}
