// Which Docker container holds a pod's container, by the labels the node agent writes: what the kubelet
// knows when the API server hands it a log, exec or attach request. Pure: the rules for "the running one",
// "the current one" and "the previous one" (logs?previous=true) are tested here, and the kubelet's error
// texts for each failure are reproduced (pkg/kubelet/kubelet_pods.go validateContainerLogStatus).
import { DOCKER_LABEL, type ContainerStatus, type Pod } from '@kubelab/api';

export const podLabel = DOCKER_LABEL;

/** One Docker container of a pod, as read from `docker ps -a`. */
export interface ContainerInstance {
  id: string;
  /** The pod's container name ("POD" for the pause container). */
  name: string;
  attempt: number;
  /** Docker's state: running, exited, created, restarting, dead, ... */
  state: string;
  podUid?: string;
}

export function fromLabels(id: string, state: string, labels: Record<string, string>): ContainerInstance {
  return {
    id,
    name: labels[podLabel.container] ?? '',
    attempt: Number(labels[podLabel.attempt] ?? 0) || 0,
    state,
    podUid: labels[podLabel.podUid],
  };
}

/** Docker label filters for every container of one pod in one cluster. */
export function podFilters(cluster: string, namespace: string, pod: string): string[] {
  return [`${podLabel.cluster}=${cluster}`, `${podLabel.role}=pod`, `${podLabel.namespace}=${namespace}`, `${podLabel.pod}=${pod}`];
}

/** Newest attempt first; containers of an older pod with the same name (another uid) are dropped. */
export function instancesOf(all: ContainerInstance[], container: string, podUid: string | undefined): ContainerInstance[] {
  return all.filter((c) => c.name === container && (!podUid || !c.podUid || c.podUid === podUid)).sort((a, b) => b.attempt - a.attempt);
}

export class ContainerLookupError extends Error {
  constructor(
    message: string,
    /** `server`: kubectl shows it as `Error from server (BadRequest): ...`; `client`: as `error: ...`. */
    readonly origin: 'server' | 'client',
  ) {
    super(message);
    this.name = 'ContainerLookupError';
  }
}

/** The instance `kubectl exec` reaches: the running one, else the kubelet's "container not found". */
export function execTarget(pod: Pod, all: ContainerInstance[], container: string): ContainerInstance {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw new ContainerLookupError(`cannot exec into a container in a completed pod; current phase is ${phase}`, 'client');
  }
  const running = instancesOf(all, container, pod.metadata.uid).find((c) => c.state === 'running');
  if (!running) throw new ContainerLookupError(`container not found ("${container}")`, 'client');
  return running;
}

function statusOf(pod: Pod, container: string): ContainerStatus | undefined {
  return [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s) => s.name === container);
}

/**
 * The instance `kubectl logs [--previous]` reads. Current: the newest attempt, whatever its state. Previous:
 * the newest exited attempt before the current one — or, while the kubelet is backing off before a restart
 * (state waiting, as in CrashLoopBackOff), the newest exited attempt itself, which is the kubelet's lastState.
 */
export function logsTarget(pod: Pod, all: ContainerInstance[], container: string, previous: boolean): ContainerInstance {
  const podName = pod.metadata.name;
  const instances = instancesOf(all, container, pod.metadata.uid);
  const status = statusOf(pod, container);
  const current = instances[0];
  if (previous) {
    const exited = instances.filter((c) => c.state === 'exited' || c.state === 'dead');
    const backingOff = status?.state?.waiting !== undefined && current?.state !== 'running';
    const prev = backingOff ? exited[0] : exited.find((c) => current && c.attempt < current.attempt);
    if (!prev) throw new ContainerLookupError(`previous terminated container "${container}" in pod "${podName}" not found`, 'server');
    return prev;
  }
  if (current) return current;
  const reason = status?.state?.waiting?.reason ?? (pod.status?.phase === 'Pending' ? 'ContainerCreating' : undefined);
  if (reason === 'ErrImagePull')
    throw new ContainerLookupError(`container "${container}" in pod "${podName}" is waiting to start: image can't be pulled`, 'server');
  if (reason === 'ImagePullBackOff')
    throw new ContainerLookupError(
      `container "${container}" in pod "${podName}" is waiting to start: trying and failing to pull image`,
      'server',
    );
  if (reason) throw new ContainerLookupError(`container "${container}" in pod "${podName}" is waiting to start: ${reason}`, 'server');
  throw new ContainerLookupError(`container "${container}" in pod "${podName}" is waiting to start - no logs yet`, 'server');
}

/**
 * The container a log, exec or attach request names, as kube-apiserver's pod registry validates it
 * (pkg/registry/core/pod/strategy.go validateContainer): the only one when the pod has one, else the request
 * must name it.
 */
export function requestedContainer(pod: Pod, requested: string | undefined): string {
  const containers = (pod.spec.containers ?? []).map((c) => c.name);
  const init = (pod.spec.initContainers ?? []).map((c) => c.name);
  if (requested) {
    if (![...containers, ...init].includes(requested)) {
      throw new ContainerLookupError(`container ${requested} is not valid for pod ${pod.metadata.name}`, 'server');
    }
    return requested;
  }
  if (containers.length === 1) return containers[0];
  let message = `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`;
  if (init.length) message += ` or one of the init containers: [${init.join(' ')}]`;
  throw new ContainerLookupError(message, 'server');
}
