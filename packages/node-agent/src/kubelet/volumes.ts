// Pod volumes as Docker volumes. Pure planning: which Docker volume backs each pod volume, how it is mounted
// into containers, and which files a configMap/secret volume holds. Every pod volume is also mounted into the
// pause container under STAGING_DIR, so the kubelet can write configMap/secret files (docker putArchive) and
// resolve subPaths there (subpath.ts) before a container starts.
import type Docker from 'dockerode';
import type { ConfigMap, Container, DownwardAPIVolumeFile, KeyToPath, Pod, Secret, Volume } from '@kubelab/api';
import { ContainerConfigError, fieldRefValue, resourceFieldRefValue, type PodFieldValues } from './env';
import { hostPathVolumeName, LABEL, podVolumeName, ROLE_HOST_PATH, volumeLabels, type OwnerLabels, type PodRef } from './names';

export const STAGING_DIR = '/.kubelab/volumes';

export type VolumeSource =
  | { kind: 'emptyDir' }
  | { kind: 'hostPath'; path: string }
  | { kind: 'configMap'; name: string; items?: KeyToPath[]; optional: boolean; defaultMode?: number }
  | { kind: 'secret'; name: string; items?: KeyToPath[]; optional: boolean; defaultMode?: number }
  | { kind: 'downwardAPI'; items: DownwardAPIVolumeFile[]; defaultMode?: number }
  | { kind: 'projected'; sources: ProjectedSource[]; defaultMode?: number };

/** One source of a projected volume (the ServiceAccount admission plugin's kube-api-access volume uses three). */
export interface ProjectedSource {
  serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string };
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { name: string; items?: KeyToPath[]; optional?: boolean };
  downwardAPI?: { items?: DownwardAPIVolumeFile[] };
}

export interface VolumePlan {
  /** The pod's name for it (spec.volumes[].name). */
  name: string;
  source: VolumeSource;
  /** The Docker volume behind it; for a hostPath bind (--allow-privileged) its key in the mountpoints map. */
  dockerVolume: string;
  /** hostPath on a cluster that allows privileged pods: the Docker host's own path, bind-mounted. */
  hostBind?: string;
  labels: Record<string, string>;
  /** Removed with the pod (all but hostPath stand-ins). */
  podScoped: boolean;
}

function sourceOf(v: Volume): VolumeSource {
  if (v.emptyDir) return { kind: 'emptyDir' };
  if (v.configMap) {
    const { name, items, optional, defaultMode } = v.configMap;
    return { kind: 'configMap', name, items, optional: !!optional, defaultMode };
  }
  if (v.secret) {
    const { secretName, items, optional, defaultMode } = v.secret;
    return { kind: 'secret', name: secretName, items, optional: !!optional, defaultMode };
  }
  if (v.downwardAPI) return { kind: 'downwardAPI', items: v.downwardAPI.items ?? [], defaultMode: v.downwardAPI.defaultMode };
  const projected = (v as { projected?: { sources?: ProjectedSource[]; defaultMode?: number } }).projected;
  if (projected) return { kind: 'projected', sources: projected.sources ?? [], defaultMode: projected.defaultMode };
  const hostPath = v.hostPath as { path?: string } | undefined;
  if (hostPath?.path) return { kind: 'hostPath', path: hostPath.path };
  // persistentVolumeClaim, projected, downwardAPI, ...: the API server warned they are not modelled; the pod
  // still runs, with an empty directory in their place, so manifests from real clusters start here too.
  return { kind: 'emptyDir' };
}

/**
 * hostPath is a private directory of the node (a Docker volume named after node and path, shared by the
 * node's pods like a node directory, kept when pods go) unless the cluster allows privileged pods: then it
 * is the Docker host's path, as on a real node.
 */
export function planVolumes(pod: Pod, ref: PodRef, owner: OwnerLabels, allowPrivileged = false): VolumePlan[] {
  return (pod.spec.volumes ?? []).map((v): VolumePlan => {
    const source = sourceOf(v);
    if (source.kind === 'hostPath' && allowPrivileged) {
      return { name: v.name, source, dockerVolume: `hostpath:${source.path}`, hostBind: source.path, labels: {}, podScoped: false };
    }
    if (source.kind === 'hostPath') {
      return {
        name: v.name,
        source,
        dockerVolume: hostPathVolumeName(owner.cluster, owner.node, source.path),
        labels: { [LABEL.cluster]: owner.cluster, [LABEL.node]: owner.node, [LABEL.role]: ROLE_HOST_PATH },
        podScoped: false,
      };
    }
    return {
      name: v.name,
      source,
      dockerVolume: podVolumeName(owner.cluster, ref, v.name),
      labels: volumeLabels(owner, ref, v.name),
      podScoped: true,
    };
  });
}

function volumeMount(source: string, target: string, readOnly: boolean): Docker.MountSettings {
  // NoCopy: an emptyDir starts empty, it never inherits what the image has at the mount path.
  return {
    Type: 'volume',
    Source: source,
    Target: target,
    ReadOnly: readOnly,
    VolumeOptions: { NoCopy: true } as Docker.MountSettings['VolumeOptions'],
  };
}

function planMount(plan: VolumePlan, target: string, readOnly: boolean): Docker.MountSettings {
  if (plan.hostBind) return { Type: 'bind', Source: plan.hostBind, Target: target, ReadOnly: readOnly };
  return volumeMount(plan.dockerVolume, target, readOnly);
}

/** The pause container's mounts: every pod volume, writable, under STAGING_DIR/<volume>. */
export function stagingMounts(plans: VolumePlan[]): Docker.MountSettings[] {
  return plans.map((p) => planMount(p, `${STAGING_DIR}/${p.name}`, false));
}

/**
 * Mounts for one container. A subPath becomes a bind mount of its host path, which subpath-resolver.ts
 * resolved inside the volume (`subPathSources`, by volumeMounts index): Docker 20.10 volumes have no subpath
 * option, and a path the pod wrote must never reach the Docker engine unresolved.
 */
export function containerMounts(
  c: Container,
  plans: VolumePlan[],
  subPathSources: ReadonlyMap<number, string> = new Map(),
): Docker.MountSettings[] {
  return (c.volumeMounts ?? []).map((m, i) => {
    const plan = plans.find((p) => p.name === m.name);
    if (!plan) throw new ContainerConfigError(`cannot find volume "${m.name}" to mount into container "${c.name}"`);
    const readOnly =
      !!m.readOnly ||
      plan.source.kind === 'configMap' ||
      plan.source.kind === 'secret' ||
      plan.source.kind === 'downwardAPI' ||
      plan.source.kind === 'projected';
    if (!m.subPath && !m.subPathExpr) return planMount(plan, m.mountPath, readOnly);
    const source = subPathSources.get(i);
    if (!source)
      throw new ContainerConfigError(`failed to prepare subPath for volumeMount "${m.name}" of container "${c.name}": volume is not ready`);
    return { Type: 'bind', Source: source, Target: m.mountPath, ReadOnly: readOnly };
  });
}

export interface ProjectedFile {
  path: string;
  content: Buffer;
  /** Permission bits: the item's mode, else the volume's defaultMode, else 0644 (the API's default). */
  mode: number;
}

/** SetDefaults_ConfigMapVolumeSource / SecretVolumeSource: defaultMode 0644. */
export const defaultFileMode = 0o644;

/**
 * Files of a configMap/secret volume: every key, or only `items` (key -> path). `null` = the object does not
 * exist: fine when optional (an empty volume), otherwise the kubelet's FailedMount message.
 */
export function projectedFiles(source: VolumeSource, obj: ConfigMap | Secret | null): ProjectedFile[] {
  if (source.kind !== 'configMap' && source.kind !== 'secret') return [];
  const what = source.kind === 'configMap' ? 'configmap' : 'secret';
  if (!obj) {
    if (source.optional) return [];
    throw new ContainerConfigError(`${what} "${source.name}" not found`);
  }
  const data = new Map<string, Buffer>();
  if (source.kind === 'configMap') {
    const cm = obj as ConfigMap;
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) data.set(k, Buffer.from(v, 'base64'));
    for (const [k, v] of Object.entries(cm.data ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  } else {
    const s = obj as Secret;
    for (const [k, v] of Object.entries(s.data ?? {})) data.set(k, Buffer.from(v, 'base64'));
    for (const [k, v] of Object.entries(s.stringData ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  }
  const fallback = source.defaultMode ?? defaultFileMode;
  if (!source.items?.length)
    return [...data].sort(([a], [b]) => a.localeCompare(b)).map(([path, content]) => ({ path, content, mode: fallback }));
  return source.items
    .map((item) => {
      const content = data.get(item.key);
      if (content === undefined) {
        if (source.optional) return undefined;
        throw new ContainerConfigError(`${what} references non-existent ${what === 'configmap' ? 'config' : 'secret'} key: ${item.key}`);
      }
      if (item.path.startsWith('/') || item.path.split('/').includes('..')) {
        throw new ContainerConfigError(`${what} "${source.name}": item path "${item.path}" must be relative without ".."`);
      }
      return { path: item.path, content, mode: item.mode ?? fallback };
    })
    .filter((f): f is ProjectedFile => f !== undefined);
}

/** fieldpath.FormatMap: `key="value"` lines sorted by key, values quoted as Go's %q does (JSON is close enough). */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/**
 * Files of a downwardAPI volume, as the kubelet's downwardapi plugin writes them: labels and annotations as
 * FormatMap text, other fields as their value, resourceFieldRef as the env form does (containerName required
 * in volumes). Rewritten by the atomic writer when the pod's labels or annotations change.
 */
export function downwardApiFiles(
  source: Extract<VolumeSource, { kind: 'downwardAPI' }>,
  pod: Pod,
  fields: PodFieldValues,
): ProjectedFile[] {
  const fallback = source.defaultMode ?? defaultFileMode;
  return source.items.map((item) => {
    if (item.path.startsWith('/') || item.path.split('/').includes('..'))
      throw new ContainerConfigError(`downwardAPI item path "${item.path}" must be relative without ".."`);
    let text: string;
    if (item.fieldRef?.fieldPath === 'metadata.labels') text = formatMap(pod.metadata.labels);
    else if (item.fieldRef?.fieldPath === 'metadata.annotations') text = formatMap(pod.metadata.annotations);
    else if (item.fieldRef) text = fieldRefValue(pod, item.fieldRef.fieldPath, fields);
    else if (item.resourceFieldRef) {
      const container = pod.spec.containers.find((c) => c.name === item.resourceFieldRef!.containerName) ?? pod.spec.containers[0];
      text = resourceFieldRefValue(pod, container, item.resourceFieldRef, fields);
    } else text = '';
    return { path: item.path, content: Buffer.from(text, 'utf8'), mode: item.mode ?? fallback };
  });
}
