import { describe, expect, it } from 'vitest';
import { containerHash } from './container-spec';
import { container, inst, observed, pod } from './fixtures.test-util';
import { podRef } from './names';
import { planPodActions, podCompleted, type PlanInput } from './pod-actions';

const noBackoff = (): { remainingMs: number; delayMs: number } => ({ remainingMs: 0, delayMs: 0 });

function plan(p: ReturnType<typeof pod>, o: ReturnType<typeof observed>, extra: Partial<PlanInput> = {}) {
  return planPodActions({
    pod: p,
    ref: podRef(p),
    observed: o,
    backoff: noBackoff,
    probeKills: new Map(),
    started: () => true,
    terminal: false,
    ...extra,
  });
}

const sandbox = (extra = {}) => inst('POD', { createdAt: 1000, podIp: '10.244.1.5', ...extra });

describe('planPodActions', () => {
  it('creates the sandbox first', () => {
    const a = plan(pod(), observed('u', undefined));
    expect(a.createSandbox).toBe(true);
    expect(a.start).toEqual([]);
  });

  it('re-creates a dead sandbox and kills what ran in the old one', () => {
    const running = inst('app');
    const a = plan(pod(), observed('u', sandbox({ state: 'exited' }), running));
    expect(a.createSandbox).toBe(true);
    expect(a.kill.map((k) => k.id)).toEqual([running.id]);
  });

  it('starts all app containers once the sandbox runs and there are no init containers', () => {
    const p = pod({ containers: [container('a'), container('b')] });
    const a = plan(p, observed('u', sandbox()));
    expect(a.start.map((s) => [s.container.name, s.kind, s.attempt])).toEqual([
      ['a', 'app', 0],
      ['b', 'app', 0],
    ]);
    expect(a.initialized).toBe(true);
  });

  it('runs init containers one at a time, in order, before the app containers', () => {
    const p = pod({ initContainers: [container('i1'), container('i2')] });
    expect(plan(p, observed('u', sandbox())).start.map((s) => s.container.name)).toEqual(['i1']);
    const running = plan(p, observed('u', sandbox(), inst('i1', { kind: 'init' })));
    expect(running.start).toEqual([]);
    expect(running.initialized).toBe(false);
    const done = plan(p, observed('u', sandbox(), inst('i1', { kind: 'init', state: 'exited', exitCode: 0 })));
    expect(done.start.map((s) => s.container.name)).toEqual(['i2']);
    const all = plan(
      p,
      observed('u', sandbox(), inst('i1', { state: 'exited', exitCode: 0 }), inst('i2', { state: 'exited', exitCode: 0 })),
    );
    expect(all.start.map((s) => s.container.name)).toEqual(['app']);
    expect(all.initialized).toBe(true);
  });

  it('a failed init container is retried (Always/OnFailure) or fails the pod (Never)', () => {
    const failed = inst('i1', { state: 'exited', exitCode: 1, finishedAt: '2024-01-01T00:00:05Z' });
    const retry = plan(pod({ initContainers: [container('i1')] }), observed('u', sandbox(), failed));
    expect(retry.start.map((s) => [s.container.name, s.attempt, s.restartOf])).toEqual([['i1', 1, Date.parse('2024-01-01T00:00:05Z')]]);
    const never = pod({ initContainers: [container('i1')], restartPolicy: 'Never' });
    const a = plan(never, observed('u', sandbox(), failed));
    expect(a.completed).toBe(true);
    expect(a.start).toEqual([]);
  });

  it('a native sidecar must start before the next init container, and keeps running', () => {
    const p = pod({ initContainers: [container('side', { restartPolicy: 'Always' }), container('i2')] });
    const side = inst('side', { kind: 'init' });
    expect(plan(p, observed('u', sandbox(), side), { started: () => false }).start).toEqual([]);
    expect(plan(p, observed('u', sandbox(), side)).start.map((s) => s.container.name)).toEqual(['i2']);
  });

  it('waits out the back-off with CrashLoopBackOff and the kubelet message', () => {
    const p = pod({ containers: [container('app')] });
    const crashed = inst('app', { state: 'exited', exitCode: 2, attempt: 1 });
    const a = plan(p, observed('u', sandbox(), crashed), { backoff: () => ({ remainingMs: 15_000, delayMs: 20_000 }) });
    expect(a.start).toEqual([]);
    expect(a.waiting.get('app')).toEqual({
      reason: 'CrashLoopBackOff',
      message: 'back-off 20s restarting failed container=app pod=web_default(1234abcd-0000-4000-8000-000000000001)',
    });
    expect(a.requeueAfterMs).toBe(15_000);
    const later = plan(p, observed('u', sandbox(), crashed));
    expect(later.start.map((s) => s.attempt)).toEqual([2]);
  });

  it('follows restartPolicy for exited app containers', () => {
    const ok = inst('app', { state: 'exited', exitCode: 0 });
    const bad = inst('app', { state: 'exited', exitCode: 1 });
    expect(plan(pod({ restartPolicy: 'Always' }), observed('u', sandbox(), ok)).start).toHaveLength(1);
    expect(plan(pod({ restartPolicy: 'OnFailure' }), observed('u', sandbox(), ok)).completed).toBe(true);
    expect(plan(pod({ restartPolicy: 'OnFailure' }), observed('u', sandbox(), bad)).start).toHaveLength(1);
    const never = plan(pod({ restartPolicy: 'Never' }), observed('u', sandbox(), bad));
    expect(never.start).toEqual([]);
    expect(never.completed).toBe(true);
  });

  it('stops the sandbox and sidecars once a pod has completed, and never re-creates it', () => {
    const p = pod({ restartPolicy: 'Never', initContainers: [container('side', { restartPolicy: 'Always' })] });
    const side = inst('side', { kind: 'init' });
    const sb = sandbox();
    const a = plan(p, observed('u', sb, side, inst('app', { state: 'exited', exitCode: 0 })));
    expect(a.kill.map((k) => k.name)).toEqual(['side']);
    expect(a.stopSandbox).toBe(sb.id);
    const after = plan(p, observed('u', sandbox({ state: 'exited' }), inst('app', { state: 'exited', exitCode: 0 })));
    expect(after.createSandbox).toBe(false);
    expect(podCompleted(p, observed('u', undefined))).toBe(false);
  });

  it('kills containers whose liveness probe failed or whose spec changed', () => {
    const p = pod({ containers: [container('a'), container('b', { image: 'new:2' })] });
    const a = inst('a');
    const b = inst('b', { hash: containerHash(container('b', { image: 'old:1' })) });
    const res = plan(p, observed('u', sandbox(), a, b), {
      probeKills: new Map([[a.id, 'Container a failed liveness probe, will be restarted']]),
    });
    expect(res.kill).toEqual([
      { id: a.id, name: 'a', message: 'Container a failed liveness probe, will be restarted' },
      { id: b.id, name: 'b', message: 'Container b definition changed, will be restarted' },
    ]);
  });

  it('keeps only the newest finished instance besides the current one', () => {
    const p = pod();
    const a0 = inst('app', { attempt: 0, state: 'exited', exitCode: 1 });
    const a1 = inst('app', { attempt: 1, state: 'exited', exitCode: 1 });
    const a2 = inst('app', { attempt: 2 });
    expect(plan(p, observed('u', sandbox(), a0, a1, a2)).remove).toEqual([a0.id]);
    expect(plan(p, observed('u', sandbox(), a0, a1)).remove).toEqual([a0.id]);
  });

  it('containers from an older sandbox start again in the new one, without back-off', () => {
    const old = inst('app', { attempt: 4, createdAt: 10, state: 'exited', exitCode: 137 });
    const a = plan(pod(), observed('u', sandbox({ createdAt: 5000 }), old), { backoff: () => ({ remainingMs: 99_000, delayMs: 100_000 }) });
    expect(a.start.map((s) => [s.attempt, s.restartOf])).toEqual([[5, undefined]]);
  });

  it('a terminal pod (per the API) only gets stopped', () => {
    const a = plan(pod({}, {}, { phase: 'Succeeded' }), observed('u', sandbox(), inst('app')), { terminal: true });
    expect(a.completed).toBe(true);
    expect(a.kill).toHaveLength(1);
    expect(a.start).toEqual([]);
  });
});
