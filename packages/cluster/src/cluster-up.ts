// Creates a cluster: networks, state volume, node containers (DESIGN.md §1, §2, §6). Idempotent for a
// healthy cluster; a degraded one is repaired around its state volume (cluster-repair.ts), never replaced
// unless --recreate asks for it; a failed create never leaves half a cluster behind.
import { setTimeout as sleep } from 'node:timers/promises';
import { planAddresses, toExistingNetworks, type AddressPlan, type ExistingNetwork } from './addressing';
import { clusterDown } from './cluster-down';
import { clusterObjects, isEmpty, type ClusterObjects } from './cluster-list';
import { infoFromContainers } from './cluster-model';
import { describeRepair, planUp, type UpPlan } from './cluster-repair';
import { carryOutRepair } from './cluster-repairer';
import { docker } from './docker';
import { dockerMessage } from './docker-util';
import { ensureDnsAddon, validateDnsUpstream } from './dns-addon';
import { ensureEngine } from './engine';
import { DEFAULT_INGRESS_HTTP_PORT, DEFAULT_INGRESS_HTTPS_PORT, ensureIngressAddon } from './ingress-addon';
import { keepBridgedSources } from './host-rules';
import { ensureImages } from './images';
import {
  clusterFilter,
  LOG_LEVELS,
  stateVolumeName,
  validateApiPort,
  validateClusterName,
  validateLogLevel,
  validateWorkers,
} from './names';
import type { KubeClient } from '@kubelab/client';
import { clusterClient, writeCredentials } from './credentials';
import { createNode } from './node-container';
import { firstServiceIp, generateClusterPki } from './pki';
import { assertPortFree, pickFreePort } from './port';
import { waitForClusterReady } from './ready';
import { silent, timed, type Report } from './report';
import { tunablesFrom, nodeNetworkSpec, nodePlans, podNetworkSpec, stateVolumeSpec, type SpecOptions } from './spec';
import type { ClusterInfo, ClusterUpOptions } from './types';

/** What `cluster up` would do with the cluster of that name as Docker lists it now (for the CLI's heading). */
export async function planClusterUp(name: string): Promise<UpPlan> {
  return planUp(name, await clusterObjects(name));
}

export async function clusterUp(opts: ClusterUpOptions, report: Report = silent): Promise<ClusterInfo> {
  validateClusterName(opts.name);
  validateWorkers(opts.workers);
  validateApiPort(opts.apiPort);
  validateLogLevel(opts.logLevel);
  validateDnsUpstream(opts.dnsUpstream);
  const { name } = opts;

  // A caller that passes the image has already talked to the engine to build it.
  if (!opts.image) await timed(report, ensureEngine, 'docker engine');

  let existing = await clusterObjects(name);
  let recreated = false;
  if (opts.recreate && !isEmpty(existing)) {
    opts.announce?.(recreateWarning(name, existing));
    await timed(
      report,
      () => clusterDown(name),
      ({ removed: r }) =>
        `deleted cluster "${name}" for --recreate: ${r.containers} containers, ${r.networks} networks, ${r.volumes} volumes`,
    );
    existing = { containers: [], networks: [], volumes: [] };
    recreated = true;
  }
  const plan = planUp(name, existing);
  if (plan.kind === 'running') return alreadyUp(opts, existing, report);
  if (plan.kind === 'broken') {
    const kept = existing.volumes.some((v) => v.Name === stateVolumeName(name));
    throw unrepairable(name, plan.problems.join('; '), undefined, kept);
  }
  if (plan.kind === 'repair') return repair(opts, plan, existing, report);
  if (plan.kind === 'clear-leftovers') {
    // No state volume, so nothing a user made is lost: these are the remains of a failed create or down.
    await timed(report, () => clusterDown(name), `removed leftovers of cluster "${name}" (${plan.leftovers}; no state volume)`);
  }

  // Fail on a taken port or clashing subnets before spending time on images. Without --api-port, a free
  // port is chosen now and published fixed, so the kubeconfig's address survives restarts (issue 9).
  if (opts.apiPort) await assertPortFree(opts.apiPort);
  else opts = { ...opts, apiPort: await pickFreePort() };
  opts = await withIngressPorts(opts);
  planAddresses(opts, toExistingNetworks(await docker().listNetworks()));
  const nodeImage = opts.image ?? (await ensureImages(report)).nodeImage;

  try {
    const info = await create(opts, nodeImage, report);
    await timed(report, () => waitForClusterReady(info, opts.readyTimeoutMs ?? 60_000), `cluster "${name}" ready`);
    await dnsAddon(opts, info, nodeImage, report);
    await ingressAddon(opts, info, nodeImage, report);
    return recreated ? { ...info, recreated } : info;
  } catch (err) {
    const message = (err as Error).message;
    if (opts.keepOnFailure) throw new Error(`cluster up "${name}" failed (objects kept for debugging): ${message}`, { cause: err });
    await timed(report, () => clusterDown(name).catch(() => undefined), `removed the partly created cluster "${name}"`);
    throw new Error(`cluster up "${name}" failed: ${message}`, { cause: err });
  }
}

/** Every node container runs: wait until it is ready too, change nothing. */
async function alreadyUp(opts: ClusterUpOptions, existing: ClusterObjects, report: Report): Promise<ClusterInfo> {
  const { name } = opts;
  const info = infoFromContainers(name, existing.containers);
  if (!info) throw new Error(`cluster "${name}" has no node containers`);
  warnIfBeforeAuth(opts, info);
  // Still refresh images: workload images may have changed, and it costs milliseconds when they did not.
  const image = opts.image ?? (await ensureImages(report)).nodeImage;
  // Running is not ready (e.g. just restarted with the daemon). A broken one is reported, never wiped: it
  // holds the user's objects.
  try {
    await timed(report, () => waitForClusterReady(info, opts.readyTimeoutMs ?? 60_000), `cluster "${name}" already up and ready`);
  } catch (err) {
    throw unrepairable(name, `it is running but not ready: ${(err as Error).message}`, err);
  }
  await dnsAddon(opts, info, image, report);
  await ingressAddon(opts, info, image, report);
  return { ...info, alreadyUp: true };
}

/** Starts, restarts or recreates what the plan says, then waits for the API and every node to be Ready. */
async function repair(
  opts: ClusterUpOptions,
  plan: Extract<UpPlan, { kind: 'repair' }>,
  existing: ClusterObjects,
  report: Report,
): Promise<ClusterInfo> {
  const { name } = opts;
  const what = describeRepair(plan);
  const since = Date.now();
  const spec = specOptions(opts);
  const image = async (): Promise<string> => opts.image ?? (await ensureImages(report)).nodeImage;
  try {
    await timed(report, () => carryOutRepair({ ...spec, image }, plan, existing.containers), `repairing cluster "${name}": ${what}`);
  } catch (err) {
    throw unrepairable(name, (err as Error).message, err);
  }
  const listed = await docker().listContainers({ all: true, filters: clusterFilter(name) });
  const info = infoFromContainers(name, listed);
  if (!info) throw unrepairable(name, 'its node containers vanished right after the repair');
  try {
    // A repaired node's Ready=True may be the API's record from before it stopped: wait for its agent to report.
    const fresh = { nodes: plan.steps.map((s) => s.node.name), sinceMs: since };
    await timed(report, () => waitForClusterReady(info, opts.readyTimeoutMs ?? 60_000, fresh), `cluster "${name}" ready`);
  } catch (err) {
    throw unrepairable(name, `after the repair (${what}) it did not become ready: ${(err as Error).message}`, err);
  }
  await dnsAddon(opts, info, await image(), report);
  await ingressAddon(opts, info, await image(), report);
  return { ...info, repaired: what };
}

/** Cluster DNS (dns-addon.ts): applied once the nodes are Ready, and waited for, so pods resolve names from the start. */
function dnsAddon(opts: ClusterUpOptions, info: ClusterInfo, image: string, report: Report): Promise<string> {
  // LOG_LEVEL=debug in the environment of `cluster up` turns on the DNS query log (CoreDNS's `log` plugin).
  const fromEnv = (LOG_LEVELS as readonly string[]).includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL : undefined;
  const o = { image, internalApiUrl: info.internalApiUrl, logLevel: opts.logLevel ?? fromEnv, upstream: opts.dnsUpstream };
  return timed(
    report,
    () => withAdmin(info, (client) => ensureDnsAddon(client, o, opts.readyTimeoutMs ?? 60_000)),
    (what) => what,
  );
}

/**
 * The ingress router (ingress-addon.ts), after DNS: `--no-ingress` skips it. Its host ports are the ones the
 * control plane was created with (a cluster made with --no-ingress has none; node IPs and pods still reach it).
 */
function ingressAddon(opts: ClusterUpOptions, info: ClusterInfo, image: string, report: Report): Promise<string | undefined> {
  if (opts.ingress === false) return Promise.resolve(undefined);
  const fromEnv = (LOG_LEVELS as readonly string[]).includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL : undefined;
  const o = {
    image,
    internalApiUrl: info.internalApiUrl,
    nodeIPs: info.nodes.map((n) => n.ip),
    publicHttpPort: info.ingress?.httpPort,
    publicHttpsPort: info.ingress?.httpsPort,
    logLevel: opts.logLevel ?? fromEnv,
  };
  return timed(
    report,
    () => withAdmin(info, (client) => ensureIngressAddon(client, o, opts.readyTimeoutMs ?? 60_000)),
    (what) => what,
  );
}

/** Host ports for the ingress's 80/443: the ones asked for (which must be free), else 8080/8443, else free ones. */
async function withIngressPorts(opts: ClusterUpOptions): Promise<ClusterUpOptions> {
  if (opts.ingress === false) return opts;
  const choose = async (asked: number | undefined, preferred: number, flag: string, avoid?: number): Promise<number> => {
    if (asked !== undefined) {
      if (!Number.isInteger(asked) || asked < 1 || asked > 65535) throw new Error(`${flag} ${asked}: must be a port 1-65535`);
      try {
        await assertPortFree(asked);
      } catch {
        throw new Error(`${flag} ${asked}: 127.0.0.1:${asked} is already in use; pass another port or omit ${flag}`);
      }
      return asked;
    }
    if (
      preferred !== avoid &&
      (await assertPortFree(preferred).then(
        () => true,
        () => false,
      ))
    )
      return preferred;
    return pickFreePort();
  };
  const http = await choose(opts.ingressHttpPort, DEFAULT_INGRESS_HTTP_PORT, '--ingress-http-port');
  const https = await choose(opts.ingressHttpsPort, DEFAULT_INGRESS_HTTPS_PORT, '--ingress-https-port', http);
  if (http === https) throw new Error(`--ingress-http-port and --ingress-https-port are both ${http}`);
  return { ...opts, ingressHttpPort: http, ingressHttpsPort: https };
}

/**
 * A cluster made before kubelab served HTTPS with tokens and RBAC keeps running as it was (plain HTTP, no
 * authentication, its old image); upgrading means new containers and a new CA, so say how.
 */
function warnIfBeforeAuth(opts: ClusterUpOptions, info: ClusterInfo): void {
  if (!info.apiUrl.startsWith('http:')) return;
  opts.announce?.(
    `cluster "${opts.name}" has no credentials (made before kubelab had HTTPS, tokens and RBAC, or by Compose): its API answers anyone over plain HTTP. ` +
      `To upgrade it (this deletes its objects): kubelab cluster up --name ${opts.name} --recreate`,
  );
}

/** Runs `fn` with a client that acts as the cluster's administrator, closed afterwards. */
async function withAdmin<T>(info: ClusterInfo, fn: (client: KubeClient) => Promise<T>): Promise<T> {
  const client = await clusterClient(info);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** The error for a cluster `up` will not touch further: what is wrong, that the state is kept, the ways out. */
function unrepairable(name: string, problem: string, cause?: unknown, stateKept = true): Error {
  const kept = stateKept
    ? `Its state volume ${stateVolumeName(name)} (every API object) was left as it is. To start over, deleting all of it:`
    : 'Nothing was changed. To start over:';
  return new Error(
    `cluster "${name}" cannot be repaired: ${problem}\n${kept}\n` +
      `  kubelab cluster up --name ${name} --recreate     (or: kubelab cluster down --name ${name})`,
    cause === undefined ? undefined : { cause },
  );
}

function recreateWarning(name: string, o: ClusterObjects): string {
  const volume = o.volumes.some((v) => v.Name === stateVolumeName(name))
    ? `and its state volume ${stateVolumeName(name)}: every object in its API (pods, deployments, services, configmaps, secrets, ...) is lost`
    : `(it has no state volume, so no API objects are lost)`;
  return `--recreate: deleting cluster "${name}" first: ${o.containers.length} containers, ${o.networks.length} networks ${volume}`;
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
  const pki = await timed(
    report,
    async () =>
      generateClusterPki({
        cluster: name,
        controlPlaneIp: plan.nodes[0].ip,
        controlPlaneName: nodes[0].name,
        serviceIp: firstServiceIp(plan.serviceCidr),
        nodeNames: nodes.map((n) => n.name),
      }),
    'cluster CA, API server certificate and tokens',
  );
  const credentials = { caCert: pki.caCert, nodeTokens: pki.nodeTokens };

  const containers = await timed(
    report,
    () => Promise.all(nodes.map((node) => createNode({ ...specOptions(opts), image, credentials }, plan, node))),
    `${nodes.length} node container(s) created`,
  );
  // On the state volume before the API server first starts; only the control-plane container mounts it.
  await writeCredentials(containers[0].id, pki);
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
    const specs = [nodeNetworkSpec(opts.name, plan, opts.apiPort), ...nodePlans(opts.name, plan).map((n) => podNetworkSpec(opts.name, n))];
    const results = await Promise.allSettled(specs.map((s) => docker().createNetwork(s)));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed < 0) {
      await keepBridgedSources();
      return plan;
    }
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

/** The container options `up` was given (the image is added where it is known). */
function specOptions(opts: ClusterUpOptions): Omit<SpecOptions, 'image'> {
  return {
    cluster: opts.name,
    apiPort: opts.apiPort,
    logLevel: opts.logLevel,
    tunables: nodeTunables(opts),
    allowPrivileged: opts.allowPrivileged,
    ...(opts.ingress !== false && opts.ingressHttpPort && opts.ingressHttpsPort
      ? { ingressPorts: { http: opts.ingressHttpPort, https: opts.ingressHttpsPort } }
      : {}),
  };
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
