// Limits the API accepts but Docker refuses. Kubernetes accepts `memory: "1"` (any positive quantity) and
// leaves the runtime to fail; Docker answers "Minimum memory limit allowed is 6MB". The kubelet says so
// before asking, naming the container and the limit, as CreateContainerError (issue 6).
import type { Container } from '@kubelab/api';

/** moby daemon/daemon_unix.go linuxMinMemory: 6 MiB. */
export const dockerMinMemoryBytes = 6 * 1024 * 1024;

/** Why `c` cannot be created with this memory limit (bytes as given to Docker), or undefined when it can. */
export function memoryLimitProblem(c: Pick<Container, 'name' | 'resources'>, memoryBytes: number | undefined): string | undefined {
  if (memoryBytes === undefined || memoryBytes <= 0 || memoryBytes >= dockerMinMemoryBytes) return undefined;
  const asked = String(c.resources?.limits?.memory ?? memoryBytes);
  return (
    `container "${c.name}": memory limit "${asked}" (${memoryBytes} byte${memoryBytes === 1 ? '' : 's'}) is below the container runtime's ` +
    `minimum of 6Mi (${dockerMinMemoryBytes} bytes); raise resources.limits.memory`
  );
}
