import { describe, expect, it } from 'vitest';
import type { Pod } from '@kubelab/api';
import { execTarget, fromLabels, logsTarget, podFilters, requestedContainer, type ContainerInstance } from './pod-containers';

const pod = (extra: Partial<Pod> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: {
    containers: [
      { name: 'app', image: 'x' },
      { name: 'sidecar', image: 'y' },
    ],
    initContainers: [{ name: 'setup', image: 'z' }],
  },
  status: { phase: 'Running' },
  ...extra,
});

const inst = (name: string, attempt: number, state: string, podUid = 'u1', id = `${name}-${attempt}`): ContainerInstance => ({
  id,
  name,
  attempt,
  state,
  podUid,
});

describe('labels', () => {
  it('reads the node agent labels and filters by cluster, namespace and pod', () => {
    expect(fromLabels('abc', 'running', { 'kubelab.container': 'app', 'kubelab.attempt': '2', 'kubelab.pod-uid': 'u1' })).toEqual({
      id: 'abc',
      name: 'app',
      attempt: 2,
      state: 'running',
      podUid: 'u1',
    });
    expect(podFilters('kl', 'default', 'web')).toEqual([
      'kubelab.cluster=kl',
      'kubelab.role=pod',
      'kubelab.namespace=default',
      'kubelab.pod=web',
    ]);
  });
});

describe('requestedContainer', () => {
  it("takes the only container, else requires a name in kube-apiserver's words", () => {
    const one = pod({ spec: { containers: [{ name: 'app', image: 'x' }] } });
    expect(requestedContainer(one, undefined)).toBe('app');
    expect(() => requestedContainer(pod(), undefined)).toThrow(
      'a container name must be specified for pod web, choose one of: [app sidecar] or one of the init containers: [setup]',
    );
    expect(requestedContainer(pod(), 'setup')).toBe('setup');
    expect(() => requestedContainer(pod(), 'nope')).toThrow('container nope is not valid for pod web');
  });
});

describe('execTarget', () => {
  it('finds the running instance of the container, ignoring other pods with the same name', () => {
    const all = [inst('app', 0, 'exited'), inst('app', 1, 'running'), inst('app', 5, 'running', 'old-uid'), inst('POD', 0, 'running')];
    expect(execTarget(pod(), all, 'app').id).toBe('app-1');
  });
  it("reports kubectl's errors for a completed pod and a container that is not running", () => {
    expect(() => execTarget(pod({ status: { phase: 'Succeeded' } }), [], 'app')).toThrow(
      'cannot exec into a container in a completed pod; current phase is Succeeded',
    );
    expect(() => execTarget(pod(), [inst('app', 0, 'exited')], 'app')).toThrow('container not found ("app")');
  });
});

describe('logsTarget', () => {
  const all = [inst('app', 0, 'exited'), inst('app', 1, 'exited'), inst('app', 2, 'running')];

  it('reads the newest attempt, and --previous the newest exited one before it', () => {
    expect(logsTarget(pod(), all, 'app', false).id).toBe('app-2');
    expect(logsTarget(pod(), all, 'app', true).id).toBe('app-1');
  });

  it('while backing off (CrashLoopBackOff) --previous is the instance that just exited', () => {
    const crashing = pod({
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'app', image: 'x', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      },
    });
    const exited = [inst('app', 0, 'exited'), inst('app', 1, 'exited')];
    expect(logsTarget(crashing, exited, 'app', true).id).toBe('app-1');
    expect(logsTarget(crashing, exited, 'app', false).id).toBe('app-1');
  });

  it("reports kubectl's errors when there is no previous or no container yet", () => {
    expect(() => logsTarget(pod(), [inst('app', 0, 'running')], 'app', true)).toThrow(
      'previous terminated container "app" in pod "web" not found',
    );
    const creating = pod({
      status: {
        phase: 'Pending',
        containerStatuses: [
          { name: 'app', image: 'x', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      },
    });
    expect(() => logsTarget(creating, [], 'app', false)).toThrow('container "app" in pod "web" is waiting to start: ContainerCreating');
    const pulling = pod({
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'app', image: 'x', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull' } } }],
      },
    });
    expect(() => logsTarget(pulling, [], 'app', false)).toThrow('container "app" in pod "web" is waiting to start: image can\'t be pulled');
  });
});
