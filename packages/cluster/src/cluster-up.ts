// Creates a cluster: networks, state volume, node containers (DESIGN.md §1, §2, §6). Idempotent for a
// healthy cluster, replaces a stale one, and never leaves half a cluster behind on failure.
import type Docker from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import { planAddresses, toExistingNetworks, type AddressPlan, type ExistingNetwork } from './addressing';
import { clusterDown } from './cluster-down';
import { clusterObjects, isEmpty } from './cluster-list';
import { clusterHealth, infoFromContainers } from './cluster-model';
import { docker } from './docker';
import { dockerMessage } from './docker-util';
import { ensureEngine } from './engine';
import { ensureImages } from './images';
import { clusterFilter, nodeNetworkName, validateApiPort, validateClusterName, validateLogLevel, validateWorkers } from './names';
import { assertPortFree } from './port';
import { waitForClusterReady } from './ready';
import { silent, timed, type Report } from './report';
import {
  nodeContainerSpec,
  tunablesFrom,
  nodeNetworkSpec,
  nodePlans,
  podNetworkConnect,
  podNetworkSpec,
  stateVolumeSpec,
  type NodePlan,
} from './spec';
import type { ClusterInfo, ClusterUpOptions } from './types';

export async function clusterUp(opts: ClusterUpOptions, report: Report = silent): Promise<ClusterInfo> {
  validateClusterName(opts.name);
  validateWorkers(opts.workers);
  validateApiPort(opts.apiPort);
  validateLogLevel(opts.logLevel);
  const { name } = opts;

  // A caller that passes the image has already talked to the engine to build it.
  if (!opts.image) await timed(report, ensureEngine, 'docker engine');

  const existing = await clusterObjects(name);
  if (!isEmpty(existing)) {
    const health = clusterHealth(existing.containers);
    const info = infoFromContainers(name, existing.containers);
    if (health.healthy && info) {
      // Still refresh images: workload images may have changed, and it costs milliseconds when they did not.
      if (!opts.image) await ensureImages(report);
      // Running is not ready (e.g. just restarted with the daemon). Never replace a running cluster silently:
      // it holds the user's workloads, so a broken one is reported, not wiped.
      try {
        await timed(report, () => waitForClusterReady(info, opts.readyTimeoutMs ?? 60_000), `cluster "${name}" already up and ready`);
      } catch (err) {
        throw new Error(
          `cluster "${name}" is running but not ready: ${(err as Error).message}\n` +
            `remove it with \`kubelab cluster down --name ${name}\` and run \`kubelab cluster up\` again`,
          { cause: err },
        );
      }
      return { ...info, alreadyUp: true };
    }
    await timed(report, () => clusterDown(name), `replacing stale cluster "${name}" (${health.reason})`);
  }
  // Fail on a taken port or clashing subnets before spending time on images.
  if (opts.apiPort) await assertPortFree(opts.apiPort);
  planAddresses(opts, toExistingNetworks(await docker().listNetworks()));
  const nodeImage = opts.image ?? (await ensureImages(report)).nodeImage;

  try {
    const info = await create(opts, nodeImage, report);
    await timed(report, () => waitForClusterReady(info, opts.readyTimeoutMs ?? 60_000), `cluster "${name}" ready`);
    return info;
  } catch (err) {
    const message = (err as Error).message;
    if (opts.keepOnFailure) throw new Error(`cluster up "${name}" failed (objects kept for debugging): ${message}`, { cause: err });
    await timed(report, () => clusterDown(name).catch(() => undefined), `removed the partly created cluster "${name}"`);
    throw new Error(`cluster up "${name}" failed: ${message}`, { cause: err });
  }
}

async function create(opts: ClusterUpOptions, image: string, report: Report): Promise<ClusterInfo> {
  const { name } = opts;
  const plan = await timed(
    report,
    () => createNetworks(opts),
    (p) => `networks: nodes ${p.nodeSubnet}, pods ${p.podSubnet}`,
  );
  const nodes = nodePlans(name, plan);
  await timed(report, () => docker().createVolume(stateVolumeSpec(name)), `volume ${name}-state`);

  const containers = await timed(
    report,
    () => Promise.all(nodes.map((node) => createNode(opts, image, plan, node))),
    `${nodes.length} node container(s) created`,
  );
  await timed(
    report,
    () =>
      Promise.all(
        containers.map((c, i) =>
          c.start().catch((err) => {
            throw new Error(`starting node container ${nodes[i].name}: ${dockerMessage(err)}`);
          }),
        ),
      ),
    `${nodes.length} node container(s) started`,
  );

  const listed = await docker().listContainers({ all: true, filters: clusterFilter(name) });
  const info = infoFromContainers(name, listed);
  if (!info) throw new Error(`node containers of cluster "${name}" vanished right after start`);
  return info;
}

/**
 * Plans the subnets against Docker's current networks and creates them. Another process may take a subnet
 * between planning and creating (Docker answers "Pool overlaps", sometimes before that network is even
 * listed), so a default subnet that failed is remembered as taken and the plan is made again.
 */
async function createNetworks(opts: ClusterUpOptions): Promise<AddressPlan> {
  const explicit = opts.nodeSubnet !== undefined && opts.podSubnet !== undefined;
  const taken: ExistingNetwork[] = [];
  for (let attempt = 1; ; attempt++) {
    const plan = planAddresses({ workers: opts.workers, nodeSubnet: opts.nodeSubnet, podSubnet: opts.podSubnet }, [
      ...toExistingNetworks(await docker().listNetworks()),
      ...taken,
    ]);
    const specs = [nodeNetworkSpec(opts.name, plan), ...nodePlans(opts.name, plan).map((n) => podNetworkSpec(opts.name, n))];
    const results = await Promise.allSettled(specs.map((s) => docker().createNetwork(s)));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed < 0) return plan;
    const reason = dockerMessage((results[failed] as PromiseRejectedResult).reason);
    // Undo this attempt's networks before retrying or giving up.
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.remove().catch(() => undefined) : undefined)));
    const subnet = specs[failed].IPAM?.Config?.[0]?.Subnet ?? '?';
    if (explicit || attempt >= 5 || !/overlap/i.test(reason)) {
      throw new Error(`creating network ${specs[failed].Name} (${subnet}): ${reason}`);
    }
    // A failed pod /24 stands for the whole cluster pod subnet, which is what the planner chooses.
    taken.push({ name: '(taken concurrently)', subnets: [failed === 0 ? plan.nodeSubnet : plan.podSubnet] });
    await sleep(100 * attempt);
  }
}

async function createNode(opts: ClusterUpOptions, image: string, plan: AddressPlan, node: NodePlan): Promise<Docker.Container> {
  let container: Docker.Container;
  try {
    container = await docker().createContainer(
      nodeContainerSpec(
        {
          cluster: opts.name,
          image,
          apiPort: opts.apiPort,
          logLevel: opts.logLevel,
          tunables: nodeTunables(opts),
          allowPrivileged: opts.allowPrivileged,
        },
        plan,
        node,
      ),
    );
  } catch (err) {
    throw new Error(`creating node container ${node.name} on ${nodeNetworkName(opts.name)} (${node.addresses.ip}): ${dockerMessage(err)}`);
  }
  const podNet = podNetworkSpec(opts.name, node).Name;
  try {
    await docker().getNetwork(podNet).connect(podNetworkConnect(container.id, node));
  } catch (err) {
    throw new Error(`connecting ${node.name} to ${podNet} as ${node.addresses.agentPodIp}: ${dockerMessage(err)}`);
  }
  return container;
}

/** The tunables from the environment, with `maxPods` (cluster up --max-pods) over KUBELAB_MAX_PODS. */
function nodeTunables(opts: ClusterUpOptions): Record<string, string> {
  const tunables = tunablesFrom(process.env);
  if (opts.maxPods !== undefined) {
    if (!Number.isInteger(opts.maxPods) || opts.maxPods < 1) throw new Error(`--max-pods ${opts.maxPods}: must be a whole number >= 1`);
    tunables.KUBELAB_MAX_PODS = String(opts.maxPods);
  }
  return tunables;
}
