// Docker reads: what exists for one cluster or for all of them.
import type Docker from 'dockerode';
import { infoFromContainers, summarize } from './cluster-model';
import { listContainers } from './engine-api';
import { LABEL, clusterFilter } from './names';
import type { ClusterInfo, ClusterSummary } from './types';

export interface ClusterObjects {
  containers: Docker.ContainerInfo[];
  networks: Docker.NetworkInspectInfo[];
  volumes: Docker.VolumeInspectInfo[];
}

// dockerode is loaded only where needed: findCluster runs at every CLI command's start (see engine-api.ts).
const docker = async (): Promise<Docker> => (await import('./docker')).docker();

/** Everything labelled kubelab.cluster=<name>: node containers, pod containers, networks, volumes. */
export async function clusterObjects(name: string): Promise<ClusterObjects> {
  const d = await docker();
  const filters = clusterFilter(name);
  const [containers, networks, volumes] = await Promise.all([
    d.listContainers({ all: true, filters }),
    d.listNetworks({ filters }),
    d.listVolumes({ filters }),
  ]);
  return { containers, networks, volumes: volumes.Volumes ?? [] };
}

export function isEmpty(o: ClusterObjects): boolean {
  return o.containers.length + o.networks.length + o.volumes.length === 0;
}

/** The cluster as Docker knows it, or undefined when no node container of that name exists. */
export async function findCluster(name: string): Promise<ClusterInfo | undefined> {
  const containers = await listContainers({ all: true, filters: clusterFilter(name) });
  return infoFromContainers(name, containers);
}

export async function listClusters(): Promise<ClusterSummary[]> {
  const filters = { label: [LABEL.cluster] };
  const d = await docker();
  const [containers, networks] = await Promise.all([d.listContainers({ all: true, filters }), d.listNetworks({ filters })]);
  return summarize(containers, networks);
}
