// Discovery entries for what the API server serves outside the registry's kinds: the pods sub-resources that
// stream or evict (kubectl drain finds eviction by `pods/eviction` with kind Eviction in group policy/v1,
// drain.CheckEvictionSupport), and the groups of Eviction and SelfSubjectAccessReview.

export interface ExtraResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  group?: string;
  version?: string;
}

const podSubresources: ExtraResource[] = [
  { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
  { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
  { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
  { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
  { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
];

const authorization: ExtraResource[] = [
  {
    name: 'localsubjectaccessreviews',
    singularName: 'localsubjectaccessreview',
    namespaced: true,
    kind: 'LocalSubjectAccessReview',
    verbs: ['create'],
  },
  {
    name: 'selfsubjectaccessreviews',
    singularName: 'selfsubjectaccessreview',
    namespaced: false,
    kind: 'SelfSubjectAccessReview',
    verbs: ['create'],
  },
  {
    name: 'selfsubjectrulesreviews',
    singularName: 'selfsubjectrulesreview',
    namespaced: false,
    kind: 'SelfSubjectRulesReview',
    verbs: ['create'],
  },
  { name: 'subjectaccessreviews', singularName: 'subjectaccessreview', namespaced: false, kind: 'SubjectAccessReview', verbs: ['create'] },
];

// metrics-server's APIService (metrics.k8s.io/v1beta1): what `kubectl top` looks for in discovery.
const metrics: ExtraResource[] = [
  { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
  { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
];

/** Groups served besides the registry's: name -> version -> resources. */
export const extraGroups: Record<string, Record<string, ExtraResource[]>> = {
  'metrics.k8s.io': { v1beta1: metrics },
  'authorization.k8s.io': { v1: authorization },
  'authentication.k8s.io': {
    v1: [
      { name: 'selfsubjectreviews', singularName: 'selfsubjectreview', namespaced: false, kind: 'SelfSubjectReview', verbs: ['create'] },
      { name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] },
    ],
  },
  // Only for pods/eviction's Eviction kind: no resource of its own is served (no PodDisruptionBudgets).
  policy: { v1: [] },
};

/** Resources of a group version to list besides the registry's kinds. */
export function extraResources(group: string, version: string): ExtraResource[] | undefined {
  if (group === '' && version === 'v1') return podSubresources;
  return extraGroups[group]?.[version];
}
