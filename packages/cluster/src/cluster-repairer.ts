// Carries out a repair plan (cluster-repair.ts): missing networks created again, node containers started,
// restarted, unpaused or recreated around the state volume, which is never touched.
import type Docker from 'dockerode';
import { recordedPlan, type RepairVerb, type UpPlan } from './cluster-repair';
import { docker } from './docker';
import { dockerMessage, isStatus } from './docker-util';
import { readCredentials } from './credentials';
import { API_PORT, LABEL, STATE_DIR, stateVolumeName } from './names';
import { createNode, type RecordedNode } from './node-container';
import { nodeNetworkSpec, podNetworkSpec, type SpecOptions } from './spec';
import { keepBridgedSources } from './host-rules';

type RepairPlan = Extract<UpPlan, { kind: 'repair' }>;

const GERUND: Record<RepairVerb, string> = { start: 'starting', restart: 'restarting', unpause: 'unpausing', recreate: 'recreating' };

/** What `cluster up` was asked for, used only where nothing was recorded (a node gone with its siblings). */
export type RepairOptions = Omit<SpecOptions, 'image'> & { image: () => Promise<string> };

export async function carryOutRepair(opts: RepairOptions, plan: RepairPlan, containers: Docker.ContainerInfo[]): Promise<void> {
  const { cluster } = opts;
  const { plan: addresses, nodes } = recordedPlan(cluster, plan.spec);
  for (const name of plan.networks) {
    const spec = name === nodeNetworkSpec(cluster, addresses).Name ? nodeNetworkSpec(cluster, addresses, plan.spec.apiPort) : undefined;
    const pod = nodes.find((n) => podNetworkSpec(cluster, n).Name === name);
    const request = spec ?? (pod ? podNetworkSpec(cluster, pod) : undefined);
    if (!request) throw new Error(`no recorded spec for network ${name}`);
    try {
      await docker().createNetwork(request);
    } catch (err) {
      throw new Error(`creating network ${name} (${request.IPAM?.Config?.[0]?.Subnet}): ${dockerMessage(err)}`);
    }
  }
  // Docker put the new networks' MASQUERADE rules above ours.
  if (plan.networks.length) await keepBridgedSources();
  // A recreated node agent needs its token and the CA, which live on the state volume.
  const credentials = plan.steps.some((s) => s.verb === 'recreate') ? await volumeCredentials(cluster, containers, opts.image) : undefined;
  const results = await Promise.allSettled(
    plan.steps.map(async (step) => {
      const c = step.containerId ? docker().getContainer(step.containerId) : undefined;
      try {
        if (step.verb === 'start') await c?.start();
        else if (step.verb === 'restart') await c?.restart({ t: 5 });
        else if (step.verb === 'unpause') await c?.unpause();
        else {
          const recorded = await recordedNode(step.containerId, step.node.role, containers);
          // A control plane gone with its container keeps the port the kubeconfig names (recorded on the network).
          if (step.node.role === 'control-plane' && !recorded.apiPort && plan.spec.apiPort) recorded.apiPort = plan.spec.apiPort;
          const image = recorded.image ?? (await opts.image());
          // The old container holds no state (that is on the named volume, which removal never deletes).
          if (c) await c.remove({ force: true });
          const created = await createNode({ ...opts, image, credentials }, addresses, step.node, recorded);
          await created.start();
        }
      } catch (err) {
        // Started meanwhile (by Docker's restart policy or another `cluster up`): that is what we wanted.
        if (isStatus(err, 304)) return;
        throw new Error(`${GERUND[step.verb]} ${step.node.name}: ${dockerMessage(err)}`);
      }
    }),
  );
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failed.length) throw new Error(failed.join('; '));
}

/** The CA and node tokens from the state volume: through the control-plane container, or a stand-in when it is gone. */
async function volumeCredentials(
  cluster: string,
  containers: Docker.ContainerInfo[],
  image: () => Promise<string>,
): Promise<{ caCert: string; nodeTokens: Record<string, string> } | undefined> {
  const cp = containers.find((c) => c.Labels[LABEL.role] === 'control-plane');
  let creds = cp ? await readCredentials(cp.Id).catch(() => undefined) : undefined;
  if (!creds && !cp) {
    const probe = await docker().createContainer({
      Image: await image(),
      Cmd: ['true'],
      Labels: { [LABEL.cluster]: cluster, [LABEL.role]: 'credentials-probe' },
      HostConfig: { Binds: [`${stateVolumeName(cluster)}:${STATE_DIR}`] },
    });
    try {
      creds = await readCredentials(probe.id);
    } finally {
      await probe.remove({ force: true }).catch(() => undefined);
    }
  }
  return creds ? { caCert: creds.ca, nodeTokens: creds.nodeTokens } : undefined;
}

/**
 * How a node to recreate was made: from its own dead container when it still exists, else from a running
 * sibling of the same role (environment and command: flags the cluster was created with), else nothing.
 */
async function recordedNode(
  ownId: string | undefined,
  role: string,
  containers: Docker.ContainerInfo[],
): Promise<RecordedNode & { image?: string }> {
  const sibling = containers.find((c) => c.Labels[LABEL.role] === role && c.Id !== ownId);
  for (const id of [ownId, sibling?.Id]) {
    if (!id) continue;
    try {
      const info = await docker().getContainer(id).inspect();
      const port = Number(info.HostConfig?.PortBindings?.[`${API_PORT}/tcp`]?.[0]?.HostPort);
      const http = Number(info.HostConfig?.PortBindings?.['80/tcp']?.[0]?.HostPort);
      const https = Number(info.HostConfig?.PortBindings?.['443/tcp']?.[0]?.HostPort);
      return {
        env: info.Config.Env,
        cmd: info.Config.Cmd,
        image: info.Config.Image,
        ...(id === ownId && port > 0 ? { apiPort: port } : {}),
        ...(id === ownId && http > 0 && https > 0 ? { ingressPorts: { http, https } } : {}),
      };
    } catch {
      // gone meanwhile: try the next source
    }
  }
  return {};
}
