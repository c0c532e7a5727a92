// Waits until the API server answers and every node reports Ready, failing fast (with logs) when a node
// container dies or restarts instead of sitting out the whole deadline.
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { containerLogTail, docker } from './docker';
import { dockerMessage } from './docker-util';
import { describeVerdict, judgeNodes, type FreshHeartbeat } from './readiness';
import type { ClusterInfo, ClusterNode } from './types';

const POLL_MS = 200;
const CRASH_CHECK_MS = 1000;

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await request(url, { headersTimeout: 3000, bodyTimeout: 3000 });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // /readyz answers plain text
  }
  return { status: res.statusCode, body };
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
  for (;;) {
    try {
      const readyz = await getJson(`${info.apiUrl}/readyz`);
      if (readyz.status !== 200) {
        last = `HTTP ${readyz.status} ${String(typeof readyz.body === 'string' ? readyz.body : JSON.stringify(readyz.body)).slice(0, 200)}`;
      } else {
        waitingFor = `all nodes (${expected.join(', ')}) to be listed by GET ${info.apiUrl}/api/v1/nodes with Ready=True`;
        const nodes = await getJson(`${info.apiUrl}/api/v1/nodes`);
        if (nodes.status !== 200) {
          last = `HTTP ${nodes.status}`;
        } else {
          const verdict = judgeNodes(nodes.body, expected, fresh);
          if (verdict.missing.length === 0 && verdict.notReady.length === 0) return;
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
