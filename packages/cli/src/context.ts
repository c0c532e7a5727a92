// Which cluster a command talks to (--cluster, then KUBELAB_CLUSTER, then "kubelab") and how to reach it.
import type { ClusterInfo } from '@kubelab/cluster';
import type { KubeClient } from '@kubelab/client';
import { CliError } from './errors';

export const defaultClusterName = 'kubelab';

export function clusterName(flag?: string): string {
  return flag || process.env.KUBELAB_CLUSTER || defaultClusterName;
}

let impersonation: { user: string; groups?: string[] } | undefined;

/** kubectl's global --as / --as-group: every request of this command is made as that user. */
export function setImpersonation(user: string | undefined, groups: string[] | undefined): void {
  if (!user && groups?.length) throw new CliError('requesting groups or user-extra for a user without impersonating a user');
  impersonation = user ? { user, groups } : undefined;
}

let early: { name: string; found: Promise<ClusterInfo | undefined> } | undefined;

/**
 * Starts finding cluster `name` and reading its credentials while the command's own code still loads (main.ts,
 * for commands that talk to a cluster); the next connect() to that cluster takes the answer up.
 */
export function findClusterEarly(name: string): void {
  const found = import('./cluster-find').then((find) => {
    find.prefetchCredentials(name);
    return find.findCluster(name);
  });
  found.catch(() => undefined);
  early = { name, found };
}

export async function connect(name: string): Promise<{ client: KubeClient; cluster: ClusterInfo }> {
  // Loaded here, not above: main.ts reads this module at start-up, before it knows a cluster is needed.
  const { clusterClient, controlPlaneProblem, findCluster, prefetchCredentials } = await import('./cluster-access');
  prefetchCredentials(name);
  const started = early?.name === name ? early.found : undefined;
  early = undefined;
  let cluster: ClusterInfo | undefined;
  try {
    cluster = await (started ?? findCluster(name));
  } catch (err) {
    throw new CliError(`cannot reach the Docker engine to find cluster "${name}": ${(err as Error).message}`);
  }
  if (!cluster) {
    throw new CliError(
      `no cluster named "${name}" is running; start one with: npm run cluster:up${name === defaultClusterName ? '' : ` -- --name ${name}`}`,
    );
  }
  // A control plane that is down or crash-looping (damaged etcd data, say) has no API to call: say why.
  const controlPlane = cluster.nodes.find((n) => n.role === 'control-plane');
  if (!cluster.apiUrl || controlPlane?.state !== 'running') {
    throw new CliError(`control plane not ready: ${(await controlPlaneProblem(cluster)) ?? 'its API port is not published yet'}`);
  }
  // As the cluster's administrator: the token and CA `cluster up` put on the state volume (the kubeconfig's).
  return { client: await clusterClient(cluster, { impersonate: impersonation }), cluster };
}
