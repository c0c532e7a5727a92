// Shared builders for the kubelet's unit tests.
import type { Container, Pod } from '@kubelab/api';
import type { ContainerInstance, ObservedPod } from './observed';

export function pod(spec: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}, status?: Pod['status']): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: '1234abcd-0000-4000-8000-000000000001', ...meta },
    spec: { containers: [{ name: 'app', image: 'kubelab/echo:latest' }], nodeName: 'kt-worker', ...spec },
    ...(status ? { status } : {}),
  };
}

export function container(name: string, extra: Partial<Container> = {}): Container {
  return { name, image: 'kubelab/echo:latest', ...extra };
}

let seq = 0;
export function inst(name: string, extra: Partial<ContainerInstance> = {}): ContainerInstance {
  seq++;
  return {
    id: `${name}-${extra.attempt ?? 0}-${seq}`,
    name,
    kind: name === 'POD' ? 'pause' : 'app',
    attempt: 0,
    state: 'running',
    imageId: 'sha256:img',
    createdAt: 2000 + seq,
    startedAt: '2024-01-01T00:00:00Z',
    ...extra,
  };
}

export function observed(uid: string, sandbox: ContainerInstance | undefined, ...containers: ContainerInstance[]): ObservedPod {
  const map = new Map<string, ContainerInstance[]>();
  for (const c of containers) map.set(c.name, [...(map.get(c.name) ?? []), c]);
  for (const l of map.values()) l.sort((a, b) => b.attempt - a.attempt);
  return { uid, sandboxes: sandbox ? [sandbox] : [], containers: map };
}
