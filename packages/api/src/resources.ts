// The kinds kubelab serves, described once: the API server routes from this table, the CLI resolves
// `po`/`pods`/`pod` through it, and discovery documents are rendered from it.

export interface ResourceInfo {
  group: string; // "" for the core group
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  verbs: string[];
  /** Sub-resources served, e.g. "status". */
  subresources?: string[];
  /** Discovery categories (kubectl's `get all` reads "all" from discovery). */
  categories?: string[];
}

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const resources: ResourceInfo[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    singular: 'namespace',
    shortNames: ['ns'],
    namespaced: false,
    verbs: allVerbs.filter((v) => v !== 'deletecollection'),
    subresources: ['status'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Node',
    plural: 'nodes',
    singular: 'node',
    shortNames: ['no'],
    namespaced: false,
    verbs: allVerbs,
    subresources: ['status'],
  },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', singular: 'event', shortNames: ['ev'], namespaced: true, verbs: allVerbs },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    singular: 'pod',
    shortNames: ['po'],
    namespaced: true,
    verbs: allVerbs,
    subresources: ['status', 'binding'],
    categories: ['all'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    singular: 'configmap',
    shortNames: ['cm'],
    namespaced: true,
    verbs: allVerbs,
  },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', singular: 'secret', shortNames: [], namespaced: true, verbs: allVerbs },
  {
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    singular: 'replicaset',
    shortNames: ['rs'],
    namespaced: true,
    verbs: allVerbs,
    subresources: ['status', 'scale'],
    categories: ['all'],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    shortNames: ['deploy'],
    namespaced: true,
    verbs: allVerbs,
    subresources: ['status', 'scale'],
    categories: ['all'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    singular: 'service',
    shortNames: ['svc'],
    namespaced: true,
    verbs: allVerbs,
    subresources: ['status'],
    categories: ['all'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Endpoints',
    plural: 'endpoints',
    singular: 'endpoints',
    shortNames: ['ep'],
    namespaced: true,
    verbs: allVerbs,
  },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    singular: 'endpointslice',
    shortNames: [],
    namespaced: true,
    verbs: allVerbs,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    singular: 'networkpolicy',
    shortNames: ['netpol'],
    namespaced: true,
    verbs: allVerbs,
  },
  {
    // Node heartbeats (kube-node-lease/<node>), renewed by the node agents; `kubectl describe node` shows them.
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    singular: 'lease',
    shortNames: [],
    namespaced: true,
    verbs: allVerbs,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    plural: 'ingresses',
    singular: 'ingress',
    shortNames: ['ing'],
    namespaced: true,
    verbs: allVerbs,
    subresources: ['status'],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'IngressClass',
    plural: 'ingressclasses',
    singular: 'ingressclass',
    shortNames: [],
    namespaced: false,
    verbs: allVerbs,
  },
  // Authentication and RBAC (issue 10): ServiceAccounts (with the TokenRequest sub-resource) and the four RBAC kinds.
  {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    shortNames: ['sa'],
    namespaced: true,
    verbs: allVerbs,
    subresources: ['token'],
  },
  ...(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'] as const).map(
    (kind): ResourceInfo => ({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind,
      plural: `${kind.toLowerCase()}s`,
      singular: kind.toLowerCase(),
      shortNames: [],
      namespaced: !kind.startsWith('Cluster'),
      verbs: allVerbs,
    }),
  ),
];

export function apiVersionOf(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** Base path of a collection: /api/v1/namespaces/ns/pods or /apis/apps/v1/deployments. */
export function collectionPath(r: ResourceInfo, namespace?: string): string {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced && namespace ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${r.plural}` : `${prefix}/${r.plural}`;
}

export function objectPath(r: ResourceInfo, name: string, namespace?: string): string {
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
}

/** Resolves what a user types (`po`, `pods`, `Pod`, `deployments.apps`) to a resource. */
export function resolveResource(text: string): ResourceInfo | undefined {
  const t = text.toLowerCase();
  const [name, group] = t.includes('.') ? [t.slice(0, t.indexOf('.')), t.slice(t.indexOf('.') + 1)] : [t, undefined];
  return resources.find(
    (r) =>
      (group === undefined || r.group === group) &&
      (r.plural === name || r.singular === name || r.kind.toLowerCase() === name || r.shortNames.includes(name)),
  );
}

export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return resources.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

export function resourceForKindLoose(kind: string): ResourceInfo | undefined {
  return resources.find((r) => r.kind === kind);
}

/** Lets later components add kinds (Pods, Services, ...) without touching this file's callers. */
export function registerResource(r: ResourceInfo): void {
  if (!resources.some((x) => x.group === r.group && x.plural === r.plural)) resources.push(r);
}
