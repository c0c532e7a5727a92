// The pod status the kubelet reports, from what Docker shows and what the probes say: the kubelet's
// generateAPIPodStatus and getPhase. Pure; time comes in as an argument.
import {
  rfc3339,
  type Container,
  type ContainerState,
  type ContainerStatus,
  type Pod,
  type PodCondition,
  type PodStatus,
} from '@kubelab/api';
import { isSidecar, type PodActions, type Waiting } from './pod-actions';
import { exitCodeOf, hasFinished, liveSandbox, type ContainerInstance, type ObservedPod } from './observed';

export interface StatusInput {
  pod: Pod;
  observed: ObservedPod;
  actions: Pick<PodActions, 'waiting' | 'initialized' | 'completed'>;
  /** Why a container could not be started (ErrImagePull, CreateContainerConfigError, ...), by name. */
  startErrors: ReadonlyMap<string, Waiting>;
  /** Readiness of a running container (true when it has no readiness probe). */
  ready: (id: string) => boolean;
  /** Startup probe passed (true when it has none). */
  started: (id: string) => boolean;
  hostIP: string;
  now: Date;
}

export function terminatedState(i: ContainerInstance): NonNullable<ContainerState['terminated']> {
  const exitCode = exitCodeOf(i);
  const reason = i.oomKilled ? 'OOMKilled' : i.state === 'created' && i.error ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error';
  // A container that never started has no finish time from Docker; containerd reports the epoch as its start
  // and the failure as its finish, and kubectl's RESTARTS column needs that finish for "(15s ago)".
  const neverStarted = reason === 'StartError';
  const startedAt = i.startedAt ?? (neverStarted ? '1970-01-01T00:00:00Z' : undefined);
  const finishedAt = i.finishedAt ?? (neverStarted && i.createdAt ? rfc3339(new Date(i.createdAt)) : undefined);
  return {
    exitCode,
    reason,
    ...(i.error ? { message: i.error } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    containerID: `docker://${i.id}`,
  };
}

function containerStatus(input: StatusInput, c: Container, kind: 'init' | 'app'): ContainerStatus {
  const list = input.observed.containers.get(c.name) ?? [];
  const latest = list[0];
  const previous = list.slice(1).find(hasFinished);
  const override = input.actions.waiting.get(c.name) ?? input.startErrors.get(c.name);
  const status: ContainerStatus = {
    name: c.name,
    image: c.image,
    imageID: latest?.imageId ?? '',
    ready: false,
    started: false,
    restartCount: latest?.attempt ?? 0,
    state: {},
    lastState: {},
  };
  if (latest) status.containerID = `docker://${latest.id}`;
  if (!latest) {
    const reason = kind === 'init' || !input.actions.initialized ? 'PodInitializing' : 'ContainerCreating';
    status.state = { waiting: override ?? { reason } };
  } else if (latest.state === 'running' || latest.state === 'unknown') {
    status.state = { running: { startedAt: latest.startedAt } };
    if (previous) status.lastState = { terminated: terminatedState(previous) };
    status.started = input.started(latest.id);
    // A running (non-sidecar) init container is not ready: it becomes ready by completing.
    status.ready = (kind === 'app' || isSidecar(c)) && status.started && input.ready(latest.id);
  } else if (hasFinished(latest)) {
    if (override) {
      status.state = { waiting: override };
      status.lastState = { terminated: terminatedState(latest) };
    } else {
      status.state = { terminated: terminatedState(latest) };
      if (previous) status.lastState = { terminated: terminatedState(previous) };
    }
    // A completed init container counts as ready, as in Kubernetes.
    status.ready = kind === 'init' && !isSidecar(c) && exitCodeOf(latest) === 0;
  } else {
    status.state = { waiting: override ?? { reason: 'ContainerCreating' } };
  }
  return status;
}

type Phase = NonNullable<PodStatus['phase']>;

export function podPhase(pod: Pod, statuses: ContainerStatus[], initStatuses: ContainerStatus[], initialized: boolean): Phase {
  const previous = pod.status?.phase;
  if (previous === 'Succeeded' || previous === 'Failed') return previous;
  const policy = pod.spec.restartPolicy ?? 'Always';
  const initFailed = initStatuses.some(
    (s, i) => !isSidecar((pod.spec.initContainers ?? [])[i]) && (s.state.terminated?.exitCode ?? 0) !== 0,
  );
  // Under Never a failed init container fails the pod for good, whatever else was recorded.
  if (policy === 'Never' && initFailed) return 'Failed';
  if (!initialized) return 'Pending';
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(
  prev: PodCondition[] | undefined,
  now: string,
  c: Omit<PodCondition, 'lastTransitionTime' | 'lastProbeTime'>,
): PodCondition {
  const old = prev?.find((p) => p.type === c.type);
  const lastTransitionTime = old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now;
  return { ...c, lastProbeTime: null, lastTransitionTime };
}

export function buildPodStatus(input: StatusInput): PodStatus {
  const { pod, observed, now } = input;
  const stamp = rfc3339(now);
  const prev = pod.status?.conditions;
  const initStatuses = (pod.spec.initContainers ?? []).map((c) => containerStatus(input, c, 'init'));
  const statuses = pod.spec.containers.map((c) => containerStatus(input, c, 'app'));
  const phase = podPhase(pod, statuses, initStatuses, input.actions.initialized);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const sandbox = liveSandbox(observed);
  const podIP = observed.sandboxes[0]?.podIp ?? pod.status?.podIP;

  const incompleteInit = (pod.spec.initContainers ?? [])
    .filter((c, i) => !(isSidecar(c) ? initStatuses[i].started : initStatuses[i].ready))
    .map((c) => c.name);
  const sidecarStatuses = initStatuses.filter((_, i) => isSidecar((pod.spec.initContainers ?? [])[i]));
  const unready = [...sidecarStatuses, ...statuses].filter((s) => !s.ready).map((s) => s.name);
  const initialized = input.actions.initialized || incompleteInit.length === 0;
  const containersReady = !terminal && unready.length === 0;
  // kubelet status.GenerateContainersReadyCondition: terminal phases name themselves.
  const readyReason = terminal
    ? { reason: phase === 'Failed' ? 'PodFailed' : 'PodCompleted' }
    : containersReady
      ? {}
      : { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };

  const conditions: PodCondition[] = [
    condition(prev, stamp, { type: 'PodReadyToStartContainers', status: sandbox ? 'True' : 'False' }),
    condition(
      prev,
      stamp,
      initialized
        ? // GeneratePodInitializedCondition: a Succeeded pod's Initialized says PodCompleted, a Failed one says nothing.
          { type: 'Initialized', status: 'True', ...(phase === 'Succeeded' ? { reason: 'PodCompleted' } : {}) }
        : {
            type: 'Initialized',
            status: 'False',
            reason: 'ContainersNotInitialized',
            message: `containers with incomplete status: [${incompleteInit.join(' ')}]`,
          },
    ),
    condition(prev, stamp, { type: 'Ready', status: containersReady ? 'True' : 'False', ...readyReason }),
    condition(prev, stamp, { type: 'ContainersReady', status: containersReady ? 'True' : 'False', ...readyReason }),
    prev?.find((c) => c.type === 'PodScheduled') ?? condition(prev, stamp, { type: 'PodScheduled', status: 'True' }),
  ];

  return {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: pod.status?.startTime ?? stamp,
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    // Set once by the API server at create (it is immutable); carried so the status write keeps it.
    ...(pod.status?.qosClass ? { qosClass: pod.status.qosClass } : {}),
  };
}
