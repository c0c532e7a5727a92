// What one sync of a pod must do, decided from the spec and what Docker shows: the kubelet's
// computePodActions. Pure; the sync (pod-sync.ts) carries the actions out. Each sync takes one step (create
// the sandbox, run the next init container, start or restart app containers) and the next sync, triggered
// by a Docker event, a probe or the resync timer, takes the next.
import type { Container, Pod } from '@kubelab/api';
import { goDuration } from './backoff';
import { containerHash } from './container-spec';
import { formatPod, type PodRef } from './names';
import { exitCodeOf, finishedAtMs, hasFinished, liveSandbox, type ContainerInstance, type ObservedPod } from './observed';

export interface Waiting {
  reason: string;
  message?: string;
}

export interface StartAction {
  container: Container;
  kind: 'init' | 'app';
  attempt: number;
  /** Finish time (ms) of the instance this one replaces: the restart counts against the back-off. */
  restartOf?: number;
}

export interface KillAction {
  id: string;
  name: string;
  /** Event message (reason Killing), e.g. "Container web failed liveness probe, will be restarted". */
  message: string;
}

export interface PodActions {
  createSandbox: boolean;
  /** Stop the sandbox: the pod has finished and nothing will run in it again. */
  stopSandbox?: string;
  kill: KillAction[];
  start: StartAction[];
  /** Superseded instances: only the newest finished one of each container is kept (for logs --previous). */
  remove: string[];
  waiting: Map<string, Waiting>;
  requeueAfterMs?: number;
  /** Every init container has completed (sidecars: started). */
  initialized: boolean;
  /** The pod has finished for good (restartPolicy says nothing restarts). */
  completed: boolean;
}

export interface PlanInput {
  pod: Pod;
  ref: PodRef;
  observed: ObservedPod;
  /** Back-off for a container that finished at `finishedAt`: time left and the current delay. */
  backoff: (name: string, finishedAt: number) => { remainingMs: number; delayMs: number };
  /** Running containers (by id) whose liveness or startup probe failed, with the reason to kill them. */
  probeKills: ReadonlyMap<string, string>;
  /** Startup probe passed (or none): a native sidecar must have started before the next init container. */
  started: (id: string) => boolean;
  /** The API already shows the pod Succeeded or Failed. */
  terminal: boolean;
}

type Policy = 'Always' | 'OnFailure' | 'Never';

export function shouldRestart(policy: Policy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/** Instances made for an older sandbox are history: the container starts anew in the current one. */
function current(list: ContainerInstance[], sandbox: ContainerInstance | undefined): ContainerInstance | undefined {
  const latest = list[0];
  return latest && sandbox && latest.createdAt >= sandbox.createdAt ? latest : undefined;
}

function nextAttempt(list: ContainerInstance[]): number {
  return list.length ? list[0].attempt + 1 : 0;
}

/** Whether the pod is done: a failed init container under Never, or every app container finished for good. */
export function podCompleted(pod: Pod, observed: ObservedPod): boolean {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Always') return false;
  const latest = (c: Container): ContainerInstance | undefined => observed.containers.get(c.name)?.[0];
  const initFailed = (pod.spec.initContainers ?? []).some((c) => {
    const i = latest(c);
    return !isSidecar(c) && policy === 'Never' && i !== undefined && hasFinished(i) && exitCodeOf(i) !== 0;
  });
  if (initFailed) return true;
  return pod.spec.containers.every((c) => {
    const i = latest(c);
    return i !== undefined && hasFinished(i) && !shouldRestart(policy, exitCodeOf(i));
  });
}

function superseded(list: ContainerInstance[]): string[] {
  if (list.length <= 1) return [];
  const keepFinished = hasFinished(list[0]) ? list[0] : list.slice(1).find(hasFinished);
  return list
    .slice(1)
    .filter((i) => i !== keepFinished && i.state !== 'running')
    .map((i) => i.id);
}

export function planPodActions(input: PlanInput): PodActions {
  const { pod, ref, observed } = input;
  const policy: Policy = pod.spec.restartPolicy ?? 'Always';
  const actions: PodActions = {
    createSandbox: false,
    kill: [],
    start: [],
    remove: [],
    waiting: new Map(),
    initialized: false,
    completed: false,
  };
  for (const list of observed.containers.values()) actions.remove.push(...superseded(list));
  actions.remove.push(
    ...observed.sandboxes
      .slice(1)
      .filter((s) => s.state !== 'running')
      .map((s) => s.id),
  );

  const running = [...observed.containers.values()].flatMap((l) => l.filter((i) => i.state === 'running'));
  if (input.terminal || podCompleted(pod, observed)) {
    actions.completed = true;
    // Keep the real answer: a pod that ended because an init container failed was never initialized.
    actions.initialized = pod.status?.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True') ?? false;
    for (const i of running) actions.kill.push({ id: i.id, name: i.name, message: `Stopping container ${i.name}` });
    const s = liveSandbox(observed);
    if (s) actions.stopSandbox = s.id;
    return actions;
  }

  const sandbox = liveSandbox(observed);
  if (!sandbox) {
    actions.createSandbox = true;
    for (const i of running)
      actions.kill.push({
        id: i.id,
        name: i.name,
        message: `Stopping container ${i.name}: the pod sandbox changed, it will be killed and re-created`,
      });
    return actions;
  }

  const requeue = (ms: number): void => {
    actions.requeueAfterMs = Math.min(actions.requeueAfterMs ?? Infinity, Math.max(ms, 1));
  };
  const restart = (c: Container, kind: 'init' | 'app', cur: ContainerInstance): void => {
    const finished = finishedAtMs(cur);
    const { remainingMs, delayMs } = input.backoff(c.name, finished);
    if (remainingMs > 0) {
      actions.waiting.set(c.name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${goDuration(delayMs)} restarting failed container=${c.name} pod=${formatPod(ref)}`,
      });
      requeue(remainingMs);
    } else {
      actions.start.push({ container: c, kind, attempt: cur.attempt + 1, restartOf: finished });
    }
  };
  // Running but unhealthy or outdated: kill now, the next sync restarts it under the usual rules.
  const checkRunning = (c: Container, cur: ContainerInstance): void => {
    const probe = input.probeKills.get(cur.id);
    if (probe) actions.kill.push({ id: cur.id, name: c.name, message: probe });
    else if (cur.hash && cur.hash !== containerHash(c)) {
      actions.kill.push({ id: cur.id, name: c.name, message: `Container ${c.name} definition changed, will be restarted` });
    }
  };
  const appsStarted = pod.spec.containers.some((c) => current(observed.containers.get(c.name) ?? [], sandbox));

  let initialized = true;
  for (const c of pod.spec.initContainers ?? []) {
    const list = observed.containers.get(c.name) ?? [];
    const cur = current(list, sandbox);
    if (!cur) {
      actions.start.push({ container: c, kind: 'init', attempt: nextAttempt(list) });
      initialized = false;
      break;
    }
    if (cur.state === 'running' || cur.state === 'unknown') {
      if (isSidecar(c)) checkRunning(c, cur);
      if (isSidecar(c) && input.started(cur.id)) continue;
      initialized = false;
      break;
    }
    if (cur.state === 'created' && !cur.error) {
      // Created but never started (the agent stopped in between): replace it.
      actions.remove.push(cur.id);
      actions.start.push({ container: c, kind: 'init', attempt: cur.attempt + 1 });
      initialized = false;
      break;
    }
    if (!isSidecar(c) && exitCodeOf(cur) === 0) continue;
    restart(c, 'init', cur);
    // A sidecar that dies after the pod initialized is restarted without holding the app containers back.
    if (isSidecar(c) && appsStarted) continue;
    initialized = false;
    break;
  }
  actions.initialized = initialized;
  if (!initialized) return actions;

  for (const c of pod.spec.containers) {
    const list = observed.containers.get(c.name) ?? [];
    const cur = current(list, sandbox);
    if (!cur) {
      actions.start.push({ container: c, kind: 'app', attempt: nextAttempt(list) });
    } else if (cur.state === 'running' || cur.state === 'unknown') {
      checkRunning(c, cur);
    } else if (cur.state === 'created' && !cur.error) {
      actions.remove.push(cur.id);
      actions.start.push({ container: c, kind: 'app', attempt: cur.attempt + 1 });
    } else if (shouldRestart(policy, exitCodeOf(cur))) {
      restart(c, 'app', cur);
    }
  }
  return actions;
}
