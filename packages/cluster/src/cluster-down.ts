// Removes exactly the objects labelled kubelab.cluster=<name> (DESIGN.md §6), nothing else.
import { isNodeContainer } from './cluster-model';
import { docker } from './docker';
import { dockerMessage, isStatus } from './docker-util';
import { clusterObjects } from './cluster-list';
import { clusterFilter } from './names';
import type { RemovedCounts } from './types';

/** Removes one object; "already gone" counts as done, any other failure is collected with the object's name. */
async function attempt(what: string, fn: () => Promise<unknown>, errors: string[]): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (isStatus(err, 404)) return false;
    errors.push(`${what}: ${dockerMessage(err)}`);
    return false;
  }
}

export async function clusterDown(name: string): Promise<{ removed: RemovedCounts }> {
  if (!name) throw new Error('cluster name is required');
  const removed: RemovedCounts = { containers: 0, networks: 0, volumes: 0 };
  const errors: string[] = [];
  const filters = clusterFilter(name);

  const removeContainers = async (ids: Array<{ Id: string; Names?: string[] }>): Promise<void> => {
    const done = await Promise.all(
      ids.map((c) =>
        attempt(
          `container ${c.Names?.[0]?.replace(/^\//, '') ?? c.Id}`,
          () => docker().getContainer(c.Id).remove({ force: true, v: true }),
          errors,
        ),
      ),
    );
    removed.containers += done.filter(Boolean).length;
  };

  // Node containers first: their agents would otherwise recreate pod containers while we delete them.
  const initial = await clusterObjects(name);
  await removeContainers(initial.containers.filter(isNodeContainer));
  // Then the pod containers (same label); a few rounds catch ones an agent was creating as it died.
  for (let round = 0; round < 5; round++) {
    const left = await docker().listContainers({ all: true, filters });
    if (left.length === 0) break;
    await removeContainers(left);
  }

  const networks = await docker().listNetworks({ filters });
  const netDone = await Promise.all(networks.map((n) => attempt(`network ${n.Name}`, () => removeNetwork(n.Id), errors)));
  removed.networks += netDone.filter(Boolean).length;

  const volumes = (await docker().listVolumes({ filters })).Volumes ?? [];
  const done = await Promise.all(volumes.map((v) => attempt(`volume ${v.Name}`, () => docker().getVolume(v.Name).remove(), errors)));
  removed.volumes += done.filter(Boolean).length;

  if (errors.length) {
    throw new Error(`cluster "${name}" was not removed completely (removed ${fmt(removed)}):\n  ${errors.join('\n  ')}`);
  }
  return { removed };
}

/** Names what still holds a network (a container without our label that someone attached by hand). */
async function removeNetwork(id: string): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await docker().getNetwork(id).remove();
      return;
    } catch (err) {
      if (isStatus(err, 404)) throw err;
      const info = await docker()
        .getNetwork(id)
        .inspect()
        .catch(() => undefined);
      const attached = Object.values(info?.Containers ?? {}).map((c) => c.Name);
      // The engine releases a removed container's endpoint a moment after the container is gone (seen after
      // removing ~70 pod containers at once): "has active endpoints" with nothing attached, so try again.
      if (attached.length === 0 && /active endpoints/.test(dockerMessage(err)) && tries < 10) {
        await new Promise((r) => setTimeout(r, 200 * tries));
        continue;
      }
      if (attached.length === 0) throw err;
      throw new Error(`still in use by container(s) ${attached.join(', ')} (not labelled for this cluster, so left alone)`);
    }
  }
}

function fmt(r: RemovedCounts): string {
  return `${r.containers} containers, ${r.networks} networks, ${r.volumes} volumes`;
}
