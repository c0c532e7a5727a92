// The API kinds the kubelet reads and writes. Described here rather than looked up in @kubelab/api's table,
// so the kubelet does not depend on which kinds the API server has registered at import time: the paths
// (/api/v1/namespaces/{ns}/pods, ...) are fixed by Kubernetes.
import type { ResourceInfo } from '@kubelab/api';

const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function core(kind: string, plural: string, namespaced = true): ResourceInfo {
  return { group: '', version: 'v1', kind, plural, singular: kind.toLowerCase(), shortNames: [], namespaced, verbs };
}

export const PODS = core('Pod', 'pods');
export const CONFIGMAPS = core('ConfigMap', 'configmaps');
export const SECRETS = core('Secret', 'secrets');
export const EVENTS = core('Event', 'events');
export const NODES = core('Node', 'nodes', false);
