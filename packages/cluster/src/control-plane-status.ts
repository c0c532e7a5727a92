// Why a cluster's API cannot be reached, from Docker's view of its control-plane container: not running
// (stopped, restarting after a crash) or running without a published API port. The control plane logs
// "control plane not ready" with a `reason` when it cannot start (damaged etcd data, say); that reason is
// what the user is told, instead of a connection or URL error.
import type { ClusterInfo } from './types';

/** The reason from the last "control plane not ready" line of a control-plane log, if any. Pure. */
export function notReadyReason(logText: string): string | undefined {
  let reason: string | undefined;
  for (const line of logText.split('\n')) {
    const at = line.indexOf('{');
    if (at < 0 || !line.includes('control plane not ready')) continue;
    try {
      const entry = JSON.parse(line.slice(at)) as { msg?: string; reason?: string };
      if (entry.msg === 'control plane not ready' && entry.reason) reason = entry.reason;
    } catch {
      // not a log entry of ours
    }
  }
  return reason;
}

/** Undefined when the control plane runs and publishes its API; else why it cannot be used. */
export async function controlPlaneProblem(info: ClusterInfo): Promise<string | undefined> {
  const cp = info.nodes.find((n) => n.role === 'control-plane');
  if (!cp) return `cluster "${info.name}" has no control-plane container`;
  // Loaded here: the CLI's connect() imports this module on every command, dockerode only on this path.
  const { containerLogTail, docker } = await import('./docker');
  let state: { Status?: string; Running?: boolean; Restarting?: boolean; ExitCode?: number; StartedAt?: string } = {};
  try {
    state = (await docker().getContainer(cp.containerId).inspect()).State ?? {};
  } catch {
    return `the control-plane container ${cp.name} is gone`;
  }
  const logged = notReadyReason(await containerLogTail(cp.containerId, 80));
  if (state.Running && !state.Restarting && info.apiUrl) {
    // Running, but a start that failed may be about to repeat: report it only if it is the latest word.
    return undefined;
  }
  if (logged) return logged;
  const how = state.Restarting ? 'restarting' : (state.Status ?? 'not running');
  return `the control-plane container ${cp.name} is ${how}${state.ExitCode ? ` (exit code ${state.ExitCode})` : ''}; see \`docker logs ${cp.name}\``;
}
