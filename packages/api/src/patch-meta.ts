// The patch strategies and merge keys of the kinds kubelab serves: the `patchStrategy` / `patchMergeKey`
// struct tags of k8s.io/api core/v1 and apps/v1 types.go and apimachinery's ObjectMeta, which Kubernetes'
// strategic merge patch reads by reflection. A field absent here is a plain field: its maps merge key by key
// and its lists are replaced whole (atomic), as an untagged Go field is treated. Only fields on the way to
// a tagged field are listed. Tolerations, envFrom, command/args, EndpointSubsets, EndpointSlice endpoints,
// Node taints and containerStatuses carry no tags: they are replaced. Container ports merge on containerPort
// alone (the listMapKeys containerPort+protocol are server-side apply's, not strategic merge's).

export interface PatchField {
  /** `merge` for lists merged by `key` (or as a set, for lists of scalars); `replace` for a map replaced whole. */
  strategy?: 'merge' | 'replace';
  /** `retainKeys` in the tag: clients send a `$retainKeys` list for it (the server honours it anywhere). */
  retainKeys?: boolean;
  /** patchMergeKey: the field identifying an element of a merged list of objects. */
  key?: string;
  /** The struct the field holds (for a list: its elements). */
  meta?: PatchMeta;
}

export interface PatchMeta {
  fields: Record<string, PatchField>;
}

const struct = (fields: Record<string, PatchField>): PatchMeta => ({ fields });
const mergeBy = (key: string, meta?: PatchMeta): PatchField => ({ strategy: 'merge', key, meta });
/** A list of conditions, merged by `type`. */
const conditions: PatchField = mergeBy('type');

export const objectMetaPatch = struct({
  finalizers: { strategy: 'merge' },
  ownerReferences: mergeBy('uid'),
});

const container = struct({
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
});

const podSpec = struct({
  volumes: { strategy: 'merge', retainKeys: true, key: 'name' },
  initContainers: mergeBy('name', container),
  containers: mergeBy('name', container),
  ephemeralContainers: mergeBy('name', container),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: { strategy: 'merge', retainKeys: true, key: 'name' },
});

const podStatus = struct({
  conditions,
  hostIPs: mergeBy('ip'),
  podIPs: mergeBy('ip'),
  resourceClaimStatuses: { strategy: 'merge', retainKeys: true, key: 'name' },
});

const podTemplateSpec = struct({ metadata: { meta: objectMetaPatch }, spec: { meta: podSpec } });

const kind = (spec?: PatchMeta, status?: PatchMeta): PatchMeta =>
  struct({
    metadata: { meta: objectMetaPatch },
    ...(spec ? { spec: { meta: spec } } : {}),
    ...(status ? { status: { meta: status } } : {}),
  });

const withConditions = struct({ conditions });

/** Patch metadata by kind (core/v1, apps/v1, discovery.k8s.io/v1, autoscaling/v1 Scale). */
export const patchMetaByKind: Record<string, PatchMeta> = {
  Pod: kind(podSpec, podStatus),
  Deployment: kind(struct({ template: { meta: podTemplateSpec }, strategy: { retainKeys: true } }), withConditions),
  ReplicaSet: kind(struct({ template: { meta: podTemplateSpec } }), withConditions),
  Service: kind(struct({ ports: mergeBy('port') }), withConditions),
  Node: kind(struct({ podCIDRs: { strategy: 'merge' } }), struct({ conditions, addresses: mergeBy('type') })),
  Namespace: kind(undefined, withConditions),
  ConfigMap: kind(),
  Secret: kind(),
  Event: kind(),
  Endpoints: kind(),
  EndpointSlice: kind(),
  Scale: kind(),
};

/** The patch metadata of a kind; a kind not listed is treated as having only ObjectMeta's tags. */
export function patchMetaFor(kindName: string): PatchMeta {
  return patchMetaByKind[kindName] ?? kind();
}
