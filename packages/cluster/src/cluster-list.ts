// Docker reads: what exists for one cluster or for all of them.
import type Docker from 'dockerode';
import { infoFromContainers, summarize } from './cluster-model';
import { docker } from './docker';
import { LABEL, clusterFilter } from './names';
import type { ClusterInfo, ClusterSummary } from './types';

export interface ClusterObjects {
  containers: Docker.ContainerInfo[];
  networks: Docker.NetworkInspectInfo[];
  volumes: Docker.VolumeInspectInfo[];
}

/** Everything labelled kubelab.cluster=<name>: node containers, pod containers, networks, volumes. */
export async function clusterObjects(name: string): Promise<ClusterObjects> {
  const filters = clusterFilter(name);
  const [containers, networks, volumes] = await Promise.all([
    docker().listContainers({ all: true, filters }),
    docker().listNetworks({ filters }),
    docker().listVolumes({ filters }),
  ]);
  return { containers, networks, volumes: volumes.Volumes ?? [] };
}

export function isEmpty(o: ClusterObjects): boolean {
  return o.containers.length + o.networks.length + o.volumes.length === 0;
}

/** The cluster as Docker knows it, or undefined when no node container of that name exists. */
export async function findCluster(name: string): Promise<ClusterInfo | undefined> {
  const containers = await docker().listContainers({ all: true, filters: clusterFilter(name) });
  return infoFromContainers(name, containers);
}

export async function listClusters(): Promise<ClusterSummary[]> {
  const filters = { label: [LABEL.cluster] };
  const [containers, networks] = await Promise.all([docker().listContainers({ all: true, filters }), docker().listNetworks({ filters })]);
  return summarize(containers, networks);
}
