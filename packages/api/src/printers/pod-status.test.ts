import { describe, expect, it } from 'vitest';
import type { ContainerStatus, Pod, PodStatus } from '../workloads';
import { podIP, readinessGates, summarizePod } from './pod-status';

const now = Date.parse('2024-05-01T12:00:00Z');
const ago = (s: number): string => new Date(now - s * 1000).toISOString();

function pod(status: PodStatus, extra: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(60), ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra },
    status,
  };
}

const running = (name = 'app', extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  image: 'nginx',
  ready: true,
  restartCount: 0,
  state: { running: { startedAt: ago(30) } },
  ...extra,
});
const waiting = (reason: string, name = 'app', extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  image: 'nginx',
  ready: false,
  restartCount: 0,
  state: { waiting: { reason } },
  ...extra,
});
const terminated = (exitCode: number, reason?: string, name = 'app'): ContainerStatus => ({
  name,
  image: 'nginx',
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode, reason } },
});

describe('summarizePod: STATUS', () => {
  it('is the phase when nothing more specific is known', () => {
    expect(summarizePod(pod({ phase: 'Pending' }), now).status).toBe('Pending');
    expect(summarizePod(pod({ phase: 'Running', containerStatuses: [running()] }), now).status).toBe('Running');
  });

  it('shows a waiting reason: ContainerCreating, ErrImagePull, CrashLoopBackOff', () => {
    for (const reason of ['ContainerCreating', 'ErrImagePull', 'ImagePullBackOff', 'CrashLoopBackOff']) {
      expect(summarizePod(pod({ phase: 'Pending', containerStatuses: [waiting(reason)] }), now).status).toBe(reason);
    }
  });

  it('shows Completed / Error from the terminated reason, and ExitCode:N / Signal:N without one', () => {
    expect(summarizePod(pod({ phase: 'Succeeded', containerStatuses: [terminated(0, 'Completed')] }), now).status).toBe('Completed');
    expect(summarizePod(pod({ phase: 'Failed', containerStatuses: [terminated(1, 'Error')] }), now).status).toBe('Error');
    expect(summarizePod(pod({ phase: 'Failed', containerStatuses: [terminated(3)] }), now).status).toBe('ExitCode:3');
    const signalled = terminated(137);
    (signalled.state.terminated as { signal?: number }).signal = 9;
    expect(summarizePod(pod({ phase: 'Failed', containerStatuses: [signalled] }), now).status).toBe('Signal:9');
  });

  it('lets the first container win, as kubectl walks statuses backwards', () => {
    const p = pod(
      { phase: 'Pending', containerStatuses: [waiting('ErrImagePull', 'a'), waiting('ContainerCreating', 'b')] },
      {
        containers: [
          { name: 'a', image: 'x' },
          { name: 'b', image: 'y' },
        ],
      },
    );
    expect(summarizePod(p, now).status).toBe('ErrImagePull');
  });

  it('turns Completed back into Running (or NotReady) while another container runs', () => {
    const spec = {
      containers: [
        { name: 'a', image: 'x' },
        { name: 'b', image: 'y' },
      ],
    };
    const base: PodStatus = { phase: 'Running', containerStatuses: [terminated(0, 'Completed', 'a'), running('b')] };
    expect(summarizePod(pod({ ...base, conditions: [{ type: 'Ready', status: 'True' }] }, spec), now).status).toBe('Running');
    expect(summarizePod(pod(base, spec), now).status).toBe('NotReady');
  });

  it('reports init containers: Init:0/2, Init:ErrImagePull, Init:Error, Init:ExitCode:N, then PodInitializing', () => {
    const spec = {
      initContainers: [
        { name: 'i1', image: 'x' },
        { name: 'i2', image: 'y' },
      ],
    };
    expect(
      summarizePod(
        pod({ phase: 'Pending', initContainerStatuses: [waiting('PodInitializing', 'i1'), waiting('PodInitializing', 'i2')] }, spec),
        now,
      ).status,
    ).toBe('Init:0/2');
    expect(
      summarizePod(
        pod({ phase: 'Pending', initContainerStatuses: [terminated(0, 'Completed', 'i1'), { ...running('i2'), ready: false }] }, spec),
        now,
      ).status,
    ).toBe('Init:1/2');
    expect(summarizePod(pod({ phase: 'Pending', initContainerStatuses: [waiting('ErrImagePull', 'i1')] }, spec), now).status).toBe(
      'Init:ErrImagePull',
    );
    expect(summarizePod(pod({ phase: 'Pending', initContainerStatuses: [terminated(1, 'Error', 'i1')] }, spec), now).status).toBe(
      'Init:Error',
    );
    expect(summarizePod(pod({ phase: 'Pending', initContainerStatuses: [terminated(2, undefined, 'i1')] }, spec), now).status).toBe(
      'Init:ExitCode:2',
    );
    const initialized = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [terminated(0, 'Completed', 'i1'), terminated(0, 'Completed', 'i2')],
        containerStatuses: [waiting('PodInitializing')],
      },
      spec,
    );
    expect(summarizePod(initialized, now).status).toBe('PodInitializing');
  });

  it('counts a started native sidecar as a container and ignores it for init progress', () => {
    const spec = { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' as const }] };
    const p = pod(
      {
        phase: 'Running',
        initContainerStatuses: [{ ...running('proxy'), started: true }],
        containerStatuses: [running()],
        conditions: [{ type: 'Initialized', status: 'True' }],
      },
      spec,
    );
    expect(summarizePod(p, now)).toMatchObject({ ready: '2/2', status: 'Running' });
  });

  it('is Terminating once deletion started, unless the pod already finished', () => {
    const meta = { deletionTimestamp: ago(1) };
    expect(summarizePod(pod({ phase: 'Running', containerStatuses: [running()] }, {}, meta), now).status).toBe('Terminating');
    expect(summarizePod(pod({ phase: 'Succeeded', containerStatuses: [terminated(0, 'Completed')] }, {}, meta), now).status).toBe(
      'Completed',
    );
    expect(summarizePod(pod({ phase: 'Running', reason: 'NodeLost' }, {}, meta), now).status).toBe('Unknown');
  });

  it('shows SchedulingGated from the PodScheduled condition and a pod-level reason such as Evicted', () => {
    expect(
      summarizePod(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), now)
        .status,
    ).toBe('SchedulingGated');
    expect(summarizePod(pod({ phase: 'Failed', reason: 'Evicted' }), now).status).toBe('Evicted');
  });
});

describe('summarizePod: READY and RESTARTS', () => {
  it('counts ready running containers out of all containers', () => {
    const spec = {
      containers: [
        { name: 'a', image: 'x' },
        { name: 'b', image: 'y' },
      ],
    };
    expect(
      summarizePod(pod({ phase: 'Running', containerStatuses: [running('a'), { ...running('b'), ready: false }] }, spec), now).ready,
    ).toBe('1/2');
    expect(summarizePod(pod({ phase: 'Pending' }, spec), now).ready).toBe('0/2');
  });

  it('prints restarts with the age of the last termination: `2 (15s ago)`', () => {
    const cs = waiting('CrashLoopBackOff', 'app', {
      restartCount: 2,
      lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(15) } },
    });
    expect(summarizePod(pod({ phase: 'Running', containerStatuses: [cs] }), now)).toMatchObject({
      restarts: 2,
      restartsText: '2 (15s ago)',
      status: 'CrashLoopBackOff',
    });
  });

  it('prints a bare count without a known termination time, and 0 without restarts', () => {
    expect(summarizePod(pod({ phase: 'Running', containerStatuses: [running('app', { restartCount: 3 })] }), now).restartsText).toBe('3');
    expect(summarizePod(pod({ phase: 'Running', containerStatuses: [running()] }), now).restartsText).toBe('0');
  });

  it('counts init container restarts while initializing', () => {
    const spec = { initContainers: [{ name: 'i1', image: 'x' }] };
    const cs = { ...waiting('CrashLoopBackOff', 'i1'), restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(200) } } };
    expect(summarizePod(pod({ phase: 'Pending', initContainerStatuses: [cs] }, spec), now)).toMatchObject({
      status: 'Init:CrashLoopBackOff',
      restartsText: '4 (3m20s ago)',
    });
  });
});

describe('wide cells', () => {
  it('IP falls back to <none>; readiness gates count true conditions', () => {
    expect(podIP(pod({}))).toBe('<none>');
    expect(podIP(pod({ podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] }))).toBe('10.244.1.5');
    expect(readinessGates(pod({}))).toBe('<none>');
    const gated = pod(
      { conditions: [{ type: 'example.com/lb' as 'Ready', status: 'True' }] },
      { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'other' }] },
    );
    expect(readinessGates(gated)).toBe('1/2');
  });
});
