import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { container, inst, observed, pod } from './fixtures.test-util';
import { podRef } from './names';
import { ProbeManager } from './probe-manager';

describe('ProbeManager', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.parse('2024-05-01T12:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('readiness via exec: not ready until it passes, unhealthy events on failures, a poke on every flip', async () => {
    let exitCode = 0;
    const changed: string[] = [];
    const unhealthy: string[] = [];
    const m = new ProbeManager(
      { exec: async () => ({ exitCode, output: exitCode ? 'not yet' : '' }) },
      { changed: (u) => changed.push(u), unhealthy: (_r, c, _k, msg) => unhealthy.push(`${c}: ${msg}`) },
    );
    const p = pod({
      containers: [container('web', { readinessProbe: { exec: { command: ['check'] }, periodSeconds: 1, failureThreshold: 2 } })],
    });
    const web = inst('web', { startedAt: '2024-05-01T12:00:00Z' });
    m.sync(p, podRef(p), '10.244.1.5', observed(p.metadata.uid!, undefined, web));
    expect(m.ready(web.id)).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(m.ready(web.id)).toBe(true);
    expect(changed).toEqual([p.metadata.uid]);
    exitCode = 1;
    await vi.advanceTimersByTimeAsync(1000);
    expect(m.ready(web.id)).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(m.ready(web.id)).toBe(false);
    expect(unhealthy).toEqual(['web: Readiness probe failed: not yet', 'web: Readiness probe failed: not yet']);
    m.stop();
  });

  it('liveness failure asks for a kill; liveness waits for the startup probe; initialDelay is honoured', async () => {
    let startupOk = false;
    const m = new ProbeManager(
      { exec: async (_id, cmd) => ({ exitCode: cmd[0] === 'startup' ? (startupOk ? 0 : 1) : 1, output: '' }) },
      { changed: () => undefined, unhealthy: () => undefined },
    );
    const p = pod({
      containers: [
        container('web', {
          startupProbe: { exec: { command: ['startup'] }, periodSeconds: 1, failureThreshold: 30 },
          livenessProbe: { exec: { command: ['live'] }, periodSeconds: 1, failureThreshold: 3, initialDelaySeconds: 5 },
        }),
      ],
    });
    const web = inst('web', { startedAt: '2024-05-01T12:00:00Z' });
    m.sync(p, podRef(p), '10.244.1.5', observed(p.metadata.uid!, undefined, web));
    await vi.advanceTimersByTimeAsync(3000);
    expect(m.started(web.id)).toBe(false);
    expect(m.killReason(web.id, 'web')).toBeUndefined();
    startupOk = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(m.started(web.id)).toBe(true);
    await vi.advanceTimersByTimeAsync(3000);
    expect(m.killReason(web.id, 'web')).toBe('Container web failed liveness probe, will be restarted');
    // The container is gone: its workers stop.
    m.sync(p, podRef(p), '10.244.1.5', observed(p.metadata.uid!, undefined));
    expect(m.killReason(web.id, 'web')).toBeUndefined();
    m.stop();
  });
});
