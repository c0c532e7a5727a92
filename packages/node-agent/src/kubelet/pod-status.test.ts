import { describe, expect, it } from 'vitest';
import type { ContainerStatus } from '@kubelab/api';
import { container, inst, observed, pod } from './fixtures.test-util';
import { buildPodStatus, podPhase, type StatusInput } from './pod-status';

const now = new Date('2024-05-01T12:00:00Z');
const sandbox = inst('POD', { createdAt: 1000, podIp: '10.244.1.5' });

function status(p: ReturnType<typeof pod>, o: ReturnType<typeof observed>, extra: Partial<StatusInput> = {}) {
  return buildPodStatus({
    pod: p,
    observed: o,
    actions: { waiting: new Map(), initialized: true, completed: false },
    startErrors: new Map(),
    ready: () => true,
    started: () => true,
    hostIP: '172.30.0.3',
    now,
    ...extra,
  });
}

const cond = (s: ReturnType<typeof status>, type: string) => s.conditions?.find((c) => c.type === type);

describe('buildPodStatus', () => {
  it('a running, ready pod', () => {
    const app = inst('app', { startedAt: '2024-05-01T11:59:00Z' });
    // qosClass was set by the API server at create; the kubelet carries it unchanged.
    const s = status(pod({}, {}, { qosClass: 'Guaranteed' }), observed('u', sandbox, app));
    expect(s).toMatchObject({
      phase: 'Running',
      podIP: '10.244.1.5',
      podIPs: [{ ip: '10.244.1.5' }],
      hostIP: '172.30.0.3',
      hostIPs: [{ ip: '172.30.0.3' }],
      startTime: '2024-05-01T12:00:00Z',
      qosClass: 'Guaranteed',
    });
    expect(s.containerStatuses).toEqual([
      {
        name: 'app',
        image: 'kubelab/echo:latest',
        imageID: 'sha256:img',
        containerID: `docker://${app.id}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: '2024-05-01T11:59:00Z' } },
        lastState: {},
      },
    ]);
    for (const t of ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled'])
      expect(cond(s, t)?.status).toBe('True');
  });

  it('readiness failure: container and pod not ready, with the kubelet message', () => {
    const s = status(pod(), observed('u', sandbox, inst('app')), { ready: () => false });
    expect(s.containerStatuses?.[0].ready).toBe(false);
    expect(cond(s, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [app]',
    });
    expect(cond(s, 'ContainersReady')?.status).toBe('False');
    expect(s.phase).toBe('Running');
  });

  it('crash loop: waiting CrashLoopBackOff with the last termination, restartCount from the attempt', () => {
    const prev = inst('app', { attempt: 2, state: 'exited', exitCode: 1, finishedAt: '2024-05-01T11:59:59Z' });
    const waiting = new Map([['app', { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app pod=x' }]]);
    const s = status(pod(), observed('u', sandbox, prev), { actions: { waiting, initialized: true, completed: false } });
    const cs = s.containerStatuses![0];
    expect(cs.restartCount).toBe(2);
    expect(cs.state).toEqual({ waiting: waiting.get('app') });
    expect(cs.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error', finishedAt: '2024-05-01T11:59:59Z' });
    expect(s.phase).toBe('Running');
  });

  it('image and config errors show as waiting reasons; the pod is Pending', () => {
    const errs = new Map([['app', { reason: 'ErrImagePull', message: 'Failed to pull image "nope": no such host' }]]);
    const s = status(pod(), observed('u', sandbox), { startErrors: errs });
    expect(s.containerStatuses?.[0].state).toEqual({ waiting: errs.get('app') });
    expect(s.phase).toBe('Pending');
  });

  it('init containers: Pending with Initialized=False until they complete', () => {
    const p = pod({ initContainers: [container('init')] });
    const s = status(p, observed('u', sandbox, inst('init', { kind: 'init' })), {
      actions: { waiting: new Map(), initialized: false, completed: false },
    });
    expect(s.phase).toBe('Pending');
    expect(cond(s, 'Initialized')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [init]',
    });
    expect(s.containerStatuses?.[0].state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(s.initContainerStatuses?.[0].state.running).toBeDefined();
  });

  it('completed pods: Succeeded (Ready=False PodCompleted) or Failed (PodFailed), as the kubelet reports them', () => {
    const ok = status(pod({ restartPolicy: 'Never' }), observed('u', sandbox, inst('app', { state: 'exited', exitCode: 0 })), {
      actions: { waiting: new Map(), initialized: true, completed: true },
    });
    expect(ok.phase).toBe('Succeeded');
    expect(ok.containerStatuses?.[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(cond(ok, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    const bad = status(pod({ restartPolicy: 'Never' }), observed('u', sandbox, inst('app', { state: 'exited', exitCode: 3 })));
    expect(bad.phase).toBe('Failed');
    expect(cond(bad, 'Ready')).toMatchObject({ status: 'False', reason: 'PodFailed' });
    expect(cond(bad, 'ContainersReady')).toMatchObject({ status: 'False', reason: 'PodFailed' });
    expect(cond(bad, 'Initialized')?.reason).toBeUndefined();
    expect(cond(ok, 'Initialized')).toMatchObject({ status: 'True', reason: 'PodCompleted' });
  });

  it('a start error is a terminated StartError', () => {
    const s = status(
      pod({ restartPolicy: 'Never' }),
      observed('u', sandbox, inst('app', { state: 'created', error: 'exec: "nope": executable file not found in $PATH', exitCode: 127 })),
    );
    expect(s.containerStatuses?.[0].state.terminated).toMatchObject({ reason: 'StartError', exitCode: 127 });
    // Never started: the epoch as start (as containerd reports) and the failure as finish, for RESTARTS "(Xs ago)".
    const never = status(
      pod({ restartPolicy: 'Never' }),
      observed(
        'u',
        sandbox,
        inst('app', {
          state: 'created',
          error: 'exec failed',
          exitCode: 128,
          startedAt: undefined,
          createdAt: Date.parse('2024-01-01T00:00:05Z'),
        }),
      ),
    );
    expect(never.containerStatuses?.[0].state.terminated).toMatchObject({
      startedAt: '1970-01-01T00:00:00Z',
      finishedAt: '2024-01-01T00:00:05Z',
    });
  });

  it("keeps lastTransitionTime while a condition holds, and the scheduler's PodScheduled", () => {
    const before = { type: 'Ready' as const, status: 'True' as const, lastTransitionTime: '2024-01-01T00:00:00Z' };
    const scheduled = { type: 'PodScheduled' as const, status: 'True' as const, lastTransitionTime: '2023-12-31T00:00:00Z' };
    const s = status(
      pod({}, {}, { conditions: [before, scheduled], startTime: '2024-01-01T00:00:00Z' }),
      observed('u', sandbox, inst('app')),
    );
    expect(cond(s, 'Ready')?.lastTransitionTime).toBe('2024-01-01T00:00:00Z');
    expect(cond(s, 'PodScheduled')).toEqual(scheduled);
    expect(s.startTime).toBe('2024-01-01T00:00:00Z');
    const flipped = status(pod({}, {}, { conditions: [before] }), observed('u', sandbox, inst('app')), { ready: () => false });
    expect(cond(flipped, 'Ready')?.lastTransitionTime).toBe('2024-05-01T12:00:00Z');
  });
});

describe('podPhase', () => {
  const st = (state: ContainerStatus['state'], lastState: ContainerStatus['lastState'] = {}): ContainerStatus => ({
    name: 'c',
    image: 'i',
    ready: false,
    restartCount: 0,
    state,
    lastState,
  });
  it.each([
    ['Always', [st({ running: {} })], 'Running'],
    ['Always', [st({ waiting: { reason: 'ContainerCreating' } })], 'Pending'],
    ['Always', [st({ terminated: { exitCode: 0 } })], 'Running'],
    ['OnFailure', [st({ terminated: { exitCode: 0 } }), st({ terminated: { exitCode: 0 } })], 'Succeeded'],
    ['Never', [st({ terminated: { exitCode: 0 } }), st({ terminated: { exitCode: 1 } })], 'Failed'],
    ['Never', [st({ running: {} }), st({ terminated: { exitCode: 1 } })], 'Running'],
    ['Always', [st({ waiting: { reason: 'CrashLoopBackOff' } }, { terminated: { exitCode: 1 } })], 'Running'],
  ] as const)('%s %j -> %s', (policy, statuses, want) => {
    expect(podPhase(pod({ restartPolicy: policy }), [...statuses], [], true)).toBe(want);
  });
  it('stays terminal once terminal', () => {
    expect(podPhase(pod({}, {}, { phase: 'Failed' }), [], [], true)).toBe('Failed');
  });
  it('fails a Never pod whose init container failed, even after the kubelet stopped it as completed', () => {
    const p = pod({ restartPolicy: 'Never', initContainers: [container('init')] });
    const failedInit = [st({ terminated: { exitCode: 2 } })];
    const neverStarted = [st({ waiting: { reason: 'PodInitializing' } })];
    expect(podPhase(p, neverStarted, failedInit, false)).toBe('Failed');
    expect(podPhase(p, neverStarted, failedInit, true)).toBe('Failed');
  });
});
