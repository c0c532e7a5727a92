// The node agent: registers the node and heartbeats, then runs its roles: the node network (pod routes,
// egress NAT) and the kubelet (pods in Docker). The service proxy role attaches here when it arrives.
import Docker from 'dockerode';
import type { Logger } from 'pino';
import { componentClient } from '@kubelab/client';
import { nodeIdentityFromEnv } from './identity';
import { startNodeLease } from './node-lease';
import { registerNode, startHeartbeat } from './registration';
import { agentConfigFromEnv } from './config';
import { Kubelet } from './kubelet/kubelet';
import { NodeNetwork } from './network/node-network';

export interface RunningAgent {
  close(): Promise<void>;
}

async function retry<T>(what: string, fn: () => Promise<T>, log: Logger, deadlineMs: number): Promise<T> {
  const until = Date.now() + deadlineMs;
  let delay = 200;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw new Error(`node agent: gave up on ${what} after ${deadlineMs} ms: ${(err as Error).message}`);
      log.debug({ err: (err as Error).message }, `${what} failed, retrying`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

export async function runNodeAgentFromEnv(log: Logger): Promise<RunningAgent> {
  const env = process.env;
  if (!env.KUBELAB_API_URL) throw new Error('node agent: KUBELAB_API_URL is not set');
  const config = agentConfigFromEnv(env);
  const docker = new Docker({ socketPath: config.dockerSocket });
  const id = await nodeIdentityFromEnv(env, docker);
  const agentLog = log.child({ component: 'node-agent', node: id.name });
  // As system:node:NAME (KUBELAB_TOKEN) over HTTPS with the cluster CA (KUBELAB_CA_DATA), as `cluster up` set them.
  const client = componentClient(env);
  await retry('registering the node', () => registerNode(client, id, agentLog), agentLog, 120_000);
  const stopHeartbeat = startHeartbeat(client, id, agentLog, Number(env.KUBELAB_HEARTBEAT_MS ?? 10_000));
  const stopLease = startNodeLease(client, id.name, agentLog);
  // Routes first, so pods the kubelet adopts or starts can reach other nodes from their first packet.
  const network = await retry('setting up the node network', () => NodeNetwork.start(config, client, agentLog), agentLog, 60_000);
  const kubelet = await retry(
    'starting the kubelet',
    () =>
      Kubelet.start({
        config,
        client,
        docker,
        log: agentLog,
        services: () => (network.servicesSynced ? network.listServices() : undefined),
        network,
      }),
    agentLog,
    60_000,
  );
  return {
    // Pod containers keep running: a restarted agent adopts them (kubelet.ts).
    async close() {
      stopHeartbeat();
      stopLease();
      await kubelet.close();
      network.close();
      await client.close();
    },
  };
}
