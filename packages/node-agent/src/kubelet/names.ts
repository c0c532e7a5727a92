// How the kubelet spells its Docker objects. Pure, and the one place that knows the labels the CLI's
// exec/logs and `cluster down` select on (DESIGN.md §6): kubelab.cluster, kubelab.namespace, kubelab.pod,
// kubelab.container, kubelab.attempt.
import type { Pod } from '@kubelab/api';

import { DOCKER_LABEL } from '@kubelab/api';

export const LABEL = DOCKER_LABEL;

export const ROLE_POD = 'pod';
export const ROLE_POD_VOLUME = 'pod-volume';
export const ROLE_HOST_PATH = 'host-path';
/** Kubernetes calls the sandbox container "POD" in dockershim names (k8s_POD_...). */
export const PAUSE_NAME = 'POD';

export type ContainerKind = 'pause' | 'init' | 'app';

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export function podRef(pod: Pod): PodRef {
  return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
}

/** `web_default(1234-...)`: the kubelet's format.Pod, used in its messages. */
export function formatPod(ref: PodRef): string {
  return `${ref.name}_${ref.namespace}(${ref.uid})`;
}

export function uid8(uid: string): string {
  return uid.replace(/-/g, '').slice(0, 8);
}

/** Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*; Kubernetes names already fit, this guards the rest. */
export function dockerSafe(text: string): string {
  return text.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

export function sandboxName(cluster: string, ref: PodRef, attempt: number): string {
  return dockerSafe(`${cluster}_${PAUSE_NAME}_${ref.name}_${ref.namespace}_${uid8(ref.uid)}_${attempt}`);
}

export function containerName(cluster: string, container: string, ref: PodRef, attempt: number): string {
  return dockerSafe(`${cluster}_${container}_${ref.name}_${ref.namespace}_${uid8(ref.uid)}_${attempt}`);
}

export function podVolumeName(cluster: string, ref: PodRef, volume: string): string {
  return dockerSafe(`${cluster}_vol_${volume}_${ref.name}_${ref.namespace}_${uid8(ref.uid)}`);
}

/** hostPath has no host here (nodes are containers): one named volume per node and path stands in for it. */
export function hostPathVolumeName(cluster: string, node: string, path: string): string {
  const slug = path.replace(/^\/+|\/+$/g, '').replace(/[^a-zA-Z0-9_.-]+/g, '_') || 'root';
  return dockerSafe(`${cluster}_hostpath_${node}_${slug}`);
}

export interface OwnerLabels {
  cluster: string;
  node: string;
}

export function podLabels(owner: OwnerLabels, ref: PodRef): Record<string, string> {
  return {
    [LABEL.cluster]: owner.cluster,
    [LABEL.role]: ROLE_POD,
    [LABEL.node]: owner.node,
    [LABEL.namespace]: ref.namespace,
    [LABEL.pod]: ref.name,
    [LABEL.podUid]: ref.uid,
  };
}

export function containerLabels(
  owner: OwnerLabels,
  ref: PodRef,
  container: string,
  kind: ContainerKind,
  attempt: number,
): Record<string, string> {
  return {
    ...podLabels(owner, ref),
    [LABEL.container]: container,
    [LABEL.kind]: kind,
    [LABEL.attempt]: String(attempt),
  };
}

export function volumeLabels(owner: OwnerLabels, ref: PodRef, volume: string): Record<string, string> {
  return { ...podLabels(owner, ref), [LABEL.role]: ROLE_POD_VOLUME, [LABEL.volume]: volume };
}

/** Docker label filters selecting this node's pod containers (optionally one pod's). */
export function podContainerFilter(owner: OwnerLabels, uid?: string): { label: string[] } {
  const label = [`${LABEL.cluster}=${owner.cluster}`, `${LABEL.node}=${owner.node}`, `${LABEL.role}=${ROLE_POD}`];
  if (uid) label.push(`${LABEL.podUid}=${uid}`);
  return { label };
}

export function podVolumeFilter(owner: OwnerLabels, uid?: string): { label: string[] } {
  const label = [`${LABEL.cluster}=${owner.cluster}`, `${LABEL.node}=${owner.node}`, `${LABEL.role}=${ROLE_POD_VOLUME}`];
  if (uid) label.push(`${LABEL.podUid}=${uid}`);
  return { label };
}
