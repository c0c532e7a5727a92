import { describe, expect, it } from 'vitest';
import { initialProbeState, observeProbe, probeTiming, type ProbeKind, type ProbeState } from './probe-state';

function run(kind: ProbeKind, outcomes: boolean[], t = { successThreshold: 1, failureThreshold: 3 }): string[] {
  let s: ProbeState = initialProbeState(kind);
  return outcomes.map((ok) => (s = observeProbe(kind, s, ok, t)).result);
}

describe('probe thresholds', () => {
  it('defaults like Kubernetes', () => {
    expect(probeTiming('readiness', {})).toEqual({
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(probeTiming('liveness', { successThreshold: 5, periodSeconds: 2, initialDelaySeconds: 3 })).toMatchObject({
      successThreshold: 1,
      periodMs: 2000,
      initialDelayMs: 3000,
    });
  });

  it('initial results: readiness failure, liveness success, startup unknown', () => {
    expect(initialProbeState('readiness').result).toBe('failure');
    expect(initialProbeState('liveness').result).toBe('success');
    expect(initialProbeState('startup').result).toBe('unknown');
  });

  it('readiness flips to ready after successThreshold successes and back after failureThreshold failures', () => {
    expect(run('readiness', [true, false, false, false, true], { successThreshold: 1, failureThreshold: 3 })).toEqual([
      'success',
      'success',
      'success',
      'failure',
      'success',
    ]);
    expect(run('readiness', [true, true, false, true, true], { successThreshold: 2, failureThreshold: 1 })).toEqual([
      'failure',
      'success',
      'failure',
      'failure',
      'success',
    ]);
  });

  it('liveness fails only after failureThreshold consecutive failures; a success resets the run', () => {
    expect(run('liveness', [false, false, true, false, false, false])).toEqual([
      'success',
      'success',
      'success',
      'success',
      'success',
      'failure',
    ]);
  });

  it('liveness starts counting over after it has failed (the container gets restarted)', () => {
    const t = { successThreshold: 1, failureThreshold: 2 };
    let s = initialProbeState('liveness');
    s = observeProbe('liveness', s, false, t);
    s = observeProbe('liveness', s, false, t);
    expect(s).toMatchObject({ result: 'failure', run: 0 });
  });

  it('startup: unknown until it succeeds or fails failureThreshold times', () => {
    expect(run('startup', [false, false, true])).toEqual(['unknown', 'unknown', 'success']);
    expect(run('startup', [false, false, false])).toEqual(['unknown', 'unknown', 'failure']);
  });
});
