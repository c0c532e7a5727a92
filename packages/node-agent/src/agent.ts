// The node agent: today it registers the node and heartbeats; the kubelet, pod routes and service proxy
// roles attach here as they arrive.
import Docker from 'dockerode';
import type { Logger } from 'pino';
import { KubeClient } from '@kubelab/client';
import { nodeIdentityFromEnv } from './identity';
import { registerNode, startHeartbeat } from './registration';

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
  const apiUrl = env.KUBELAB_API_URL;
  if (!apiUrl) throw new Error('node agent: KUBELAB_API_URL is not set');
  const docker = new Docker({ socketPath: env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
  const id = await nodeIdentityFromEnv(env, docker);
  const agentLog = log.child({ component: 'node-agent', node: id.name });
  const client = new KubeClient({ baseUrl: apiUrl });
  await retry('registering the node', () => registerNode(client, id, agentLog), agentLog, 120_000);
  const stopHeartbeat = startHeartbeat(client, id, agentLog, Number(env.KUBELAB_HEARTBEAT_MS ?? 10_000));
  return {
    async close() {
      stopHeartbeat();
      await client.close();
    },
  };
}
