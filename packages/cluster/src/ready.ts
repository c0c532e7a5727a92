// Waits until the API server answers and every node reports Ready, failing fast (with logs) when a node
// container dies or restarts instead of sitting out the whole deadline.
import { setTimeout as sleep } from 'node:timers/promises';
import { StatusError } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { clusterClient } from './credentials';
import { containerLogTail, docker } from './docker';
import { dockerMessage } from './docker-util';
import { describeVerdict, judgeNodes, type FreshHeartbeat } from './readiness';
import type { ClusterInfo, ClusterNode } from './types';

const POLL_MS = 200;
const CRASH_CHECK_MS = 1000;

/** GET through the admin client; any answer (even 4xx/5xx) comes back as status and body. */
async function getJson(client: KubeClient, path: string): Promise<{ status: number; body: unknown }> {
  try {
    return { status: 200, body: (await client.raw<unknown>('GET', path)).object };
  } catch (err) {
    if (err instanceof StatusError && err.reason !== 'ServiceUnavailable') return { status: err.code, body: err.message };
    if (err instanceof StatusError && err.code === 503 && !/cannot reach/.test(err.message)) return { status: 503, body: err.message };
    throw err;
  }
}

async function logsOf(nodes: ClusterNode[]): Promise<string> {
  const tails = await Promise.all(
    nodes.slice(0, 3).map(async (n) => `--- last log lines of ${n.name} ---\n${await containerLogTail(n.containerId, 20)}`),
  );
  return tails.join('\n');
}

/**
 * Throws when a node container is no longer running or restarted since the wait began (its process
 * crashed). Counts are relative: a daemon restart may have restarted the containers before we looked.
 */
async function checkCrashes(info: ClusterInfo, baseline: Map<string, number>): Promise<void> {
  for (const node of info.nodes) {
    let state: { Status?: string; ExitCode?: number; Running?: boolean } | undefined;
    let restarts = 0;
    try {
      const c = await docker().getContainer(node.containerId).inspect();
      state = c.State;
      restarts = c.RestartCount ?? 0;
    } catch (err) {
      throw new Error(`node container ${node.name} disappeared: ${dockerMessage(err)}`);
    }
    if (!baseline.has(node.containerId)) baseline.set(node.containerId, restarts);
    const since = restarts - (baseline.get(node.containerId) ?? 0);
    if (!state?.Running || since > 0) {
      const how = state?.Running ? `restarted ${since} time(s)` : `is ${state?.Status} (exit code ${state?.ExitCode})`;
      throw new Error(`node container ${node.name} ${how} while waiting for the cluster\n${await logsOf([node])}`);
    }
  }
}

export async function waitForClusterReady(info: ClusterInfo, timeoutMs = 60_000, fresh?: FreshHeartbeat): Promise<void> {
  if (!info.apiUrl) throw new Error(`cluster "${info.name}" has no published API port (is the control plane running?)`);
  const expected = info.nodes.map((n) => n.name);
  const deadline = Date.now() + timeoutMs;
  let waitingFor = `the API server to answer GET ${info.apiUrl}/readyz with 200`;
  let last = 'no answer yet';
  let suspects: ClusterNode[] = info.nodes.filter((n) => n.role === 'control-plane');
  const baseline = new Map<string, number>();
  await checkCrashes(info, baseline);
  let nextCrashCheck = Date.now() + CRASH_CHECK_MS;
  const client = await clusterClient(info, { timeoutMs: 3000 });
  for (;;) {
    try {
      const readyz = await getJson(client, '/readyz');
      if (readyz.status !== 200) {
        last = `HTTP ${readyz.status} ${String(typeof readyz.body === 'string' ? readyz.body : JSON.stringify(readyz.body)).slice(0, 200)}`;
      } else {
        waitingFor = `all nodes (${expected.join(', ')}) to be listed by GET ${info.apiUrl}/api/v1/nodes with Ready=True`;
        const nodes = await getJson(client, '/api/v1/nodes');
        if (nodes.status !== 200) {
          last = `HTTP ${nodes.status}`;
        } else {
          const verdict = judgeNodes(nodes.body, expected, fresh);
          if (verdict.missing.length === 0 && verdict.notReady.length === 0) {
            await client.close();
            return;
          }
          last = describeVerdict(verdict);
          const pending = new Set([...verdict.missing, ...verdict.notReady.map((s) => s.split(' ')[0])]);
          suspects = info.nodes.filter((n) => pending.has(n.name));
        }
      }
    } catch (err) {
      last = (err as Error).message || String(err);
    }
    if (Date.now() >= nextCrashCheck) {
      await checkCrashes(info, baseline);
      nextCrashCheck = Date.now() + CRASH_CHECK_MS;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `cluster "${info.name}" not ready after ${+(timeoutMs / 1000).toFixed(1)} s: waited for ${waitingFor} (last: ${last})\n${await logsOf(suspects)}`,
      );
    }
    await sleep(POLL_MS);
  }
}
