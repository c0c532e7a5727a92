// Which cluster a command talks to (--cluster, then KUBELAB_CLUSTER, then "kubelab") and how to reach it.
import { findCluster, type ClusterInfo } from '@kubelab/cluster';
import { KubeClient } from '@kubelab/client';
import { CliError } from './errors';

export const defaultClusterName = 'kubelab';

export function clusterName(flag?: string): string {
  return flag || process.env.KUBELAB_CLUSTER || defaultClusterName;
}

export async function connect(name: string): Promise<{ client: KubeClient; cluster: ClusterInfo }> {
  let cluster: ClusterInfo | undefined;
  try {
    cluster = await findCluster(name);
  } catch (err) {
    throw new CliError(`cannot reach the Docker engine to find cluster "${name}": ${(err as Error).message}`);
  }
  if (!cluster) {
    throw new CliError(
      `no cluster named "${name}" is running; start one with: npm run cluster:up${name === defaultClusterName ? '' : ` -- --name ${name}`}`,
    );
  }
  return { client: new KubeClient({ baseUrl: cluster.apiUrl }), cluster };
}
