// What Docker says about a pod's containers, reduced to what the kubelet decides on. Pure: built from
// `docker inspect` results, which the runtime fetches.
import type Docker from 'dockerode';
import { LABEL, PAUSE_NAME, type ContainerKind } from './names';

export type InstanceState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerInstance {
  id: string;
  /** The pod's container name ("POD" for the sandbox). */
  name: string;
  kind: ContainerKind;
  attempt: number;
  state: InstanceState;
  exitCode?: number;
  /** Docker's error when the start failed (e.g. executable not found): Kubernetes' StartError. */
  error?: string;
  oomKilled?: boolean;
  startedAt?: string;
  finishedAt?: string;
  imageId: string;
  hash?: string;
  podIp?: string;
  createdAt: number;
}

export interface ObservedPod {
  uid: string;
  /** Newest sandbox first. */
  sandboxes: ContainerInstance[];
  /** Per container name, newest attempt first. */
  containers: Map<string, ContainerInstance[]>;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function time(t: string | undefined): string | undefined {
  if (!t || t.startsWith('0001-01-01')) return undefined;
  return t.replace(/\.\d+Z$/, 'Z');
}

export function instanceFromInspect(info: Docker.ContainerInspectInfo): ContainerInstance {
  const labels = info.Config.Labels ?? {};
  const s = info.State;
  const state: InstanceState = s.Running
    ? 'running'
    : s.Status === 'created'
      ? 'created'
      : s.Status === 'exited' || s.Status === 'dead'
        ? 'exited'
        : 'unknown';
  const started = time(s.StartedAt);
  return {
    id: info.Id,
    name: labels[LABEL.container] ?? '',
    kind: (labels[LABEL.kind] as ContainerKind) ?? 'app',
    attempt: Number(labels[LABEL.attempt] ?? 0) || 0,
    state,
    ...(state === 'exited' || state === 'created' ? { exitCode: s.ExitCode } : {}),
    ...(s.Error ? { error: s.Error } : {}),
    ...(s.OOMKilled ? { oomKilled: true } : {}),
    ...(started ? { startedAt: started } : {}),
    ...(state === 'exited' && s.FinishedAt !== ZERO_TIME ? { finishedAt: time(s.FinishedAt) } : {}),
    imageId: info.Image,
    ...(labels[LABEL.hash] ? { hash: labels[LABEL.hash] } : {}),
    ...(labels[LABEL.podIp] ? { podIp: labels[LABEL.podIp] } : {}),
    createdAt: Date.parse(info.Created) || 0,
  };
}

export function groupInstances(uid: string, instances: ContainerInstance[]): ObservedPod {
  const byAttempt = (a: ContainerInstance, b: ContainerInstance): number => b.attempt - a.attempt || b.createdAt - a.createdAt;
  const sandboxes = instances.filter((i) => i.kind === 'pause' || i.name === PAUSE_NAME).sort(byAttempt);
  const containers = new Map<string, ContainerInstance[]>();
  for (const i of instances) {
    if (i.kind === 'pause' || i.name === PAUSE_NAME) continue;
    const list = containers.get(i.name) ?? [];
    list.push(i);
    containers.set(i.name, list);
  }
  for (const list of containers.values()) list.sort(byAttempt);
  return { uid, sandboxes, containers };
}

/**
 * A container that never ran because its start failed (Docker leaves it "created" with an error) counts as
 * terminated with the error, exactly like containerd's StartError (exit code 128).
 */
export function hasFinished(i: ContainerInstance): boolean {
  return i.state === 'exited' || (i.state === 'created' && !!i.error);
}

export function finishedAtMs(i: ContainerInstance): number {
  return Date.parse(i.finishedAt ?? '') || i.createdAt;
}

export function exitCodeOf(i: ContainerInstance): number {
  if (i.state === 'created' && i.error) return i.exitCode || 128;
  return i.exitCode ?? 0;
}

export function liveSandbox(o: ObservedPod): ContainerInstance | undefined {
  const s = o.sandboxes[0];
  return s && s.state === 'running' ? s : undefined;
}
