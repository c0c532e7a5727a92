// Registers this node with the API server and keeps its Ready condition fresh (the kubelet's node status
// loop, nodeStatusUpdateFrequency = 10 s by default).
import { StatusError, resolveResource, type Node } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import type { Logger } from 'pino';
import { nodeObject, nodeStatus, type NodeIdentity } from './node-object';

const nodes = resolveResource('nodes')!;

export async function registerNode(client: KubeClient, id: NodeIdentity, log: Logger): Promise<void> {
  const desired = nodeObject(id, new Date());
  try {
    await client.create(nodes, desired);
    log.info({ node: id.name, podCIDR: id.podCIDR }, 'node registered');
  } catch (err) {
    if (!(err instanceof StatusError && err.reason === 'AlreadyExists')) throw err;
    // Re-registration after a restart: labels, taints and podCIDR follow this agent's configuration.
    const existing = await client.get<Node>(nodes, id.name);
    await client.patch(nodes, id.name, { metadata: { labels: desired.metadata.labels }, spec: desired.spec });
    await client.patch(nodes, id.name, { status: nodeStatus(id, new Date(), existing.status?.conditions) }, undefined, 'status');
    log.info({ node: id.name }, 'node re-registered');
  }
}

export function startHeartbeat(client: KubeClient, id: NodeIdentity, log: Logger, intervalMs: number): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const beat = async (): Promise<void> => {
    try {
      const current = await client.get<Node>(nodes, id.name);
      await client.patch(nodes, id.name, { status: nodeStatus(id, new Date(), current.status?.conditions) }, undefined, 'status');
    } catch (err) {
      if (err instanceof StatusError && err.reason === 'NotFound')
        await registerNode(client, id, log).catch((e) => log.warn({ err: e }, 're-register failed'));
      else log.warn({ err: (err as Error).message }, 'heartbeat failed');
    }
    if (!stopped) timer = setTimeout(() => void beat(), intervalMs);
  };
  timer = setTimeout(() => void beat(), intervalMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
