// kubectl's container defaulting for logs, exec and attach (podcmd.FindOrDefaultContainerByName), done on the
// client as kubectl does before it asks the API server for the stream. Pure.
import type { Pod } from '@kubelab/api';

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

/** Every container name of the pod in kubectl's AllContainerNames order and wording. */
export function allContainerNames(pod: Pod): string {
  return [...(pod.spec.containers ?? []).map((c) => c.name), ...(pod.spec.initContainers ?? []).map((c) => `${c.name} (init)`)].join(', ');
}

/**
 * kubectl's container defaulting (podcmd.FindOrDefaultContainerByName): -c if given (it must exist), else the
 * kubectl.kubernetes.io/default-container annotation, else the first container — announcing the choice on
 * stderr when the pod has more than one.
 */
export function chooseContainer(pod: Pod, requested: string | undefined): { name: string; notice?: string } {
  const names = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].map((c) => c.name);
  if (requested) {
    if (!names.includes(requested))
      throw new ContainerLookupError(`container ${requested} is not valid for pod ${pod.metadata.name}`, 'server');
    return { name: requested };
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && names.includes(annotated)) return { name: annotated };
  const first = pod.spec.containers?.[0]?.name;
  if (!first) throw new ContainerLookupError(`pod ${pod.metadata.name} does not have any containers`, 'client');
  const several = (pod.spec.containers ?? []).length > 1 || (pod.spec.initContainers ?? []).length > 0;
  return { name: first, notice: several ? `Defaulted container "${first}" out of: ${allContainerNames(pod)}` : undefined };
}
