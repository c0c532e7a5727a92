// Probe results with thresholds, as the kubelet's prober worker keeps them. Pure.
// A result flips only after `successThreshold` consecutive successes or `failureThreshold` consecutive
// failures. Initial results: readiness Failure (not ready until proven), liveness Success, startup Unknown.
import type { Probe } from '@kubelab/api';

export type ProbeKind = 'readiness' | 'liveness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** Kubernetes defaults: period 10 s, timeout 1 s, success 1, failure 3; liveness/startup need success 1. */
export function probeTiming(kind: ProbeKind, p: Probe): ProbeTiming {
  const pos = (v: number | undefined, d: number): number => (v !== undefined && v > 0 ? v : d);
  return {
    initialDelayMs: Math.max(0, p.initialDelaySeconds ?? 0) * 1000,
    periodMs: pos(p.periodSeconds, 10) * 1000,
    timeoutMs: pos(p.timeoutSeconds, 1) * 1000,
    successThreshold: kind === 'readiness' ? pos(p.successThreshold, 1) : 1,
    failureThreshold: pos(p.failureThreshold, 3),
  };
}

export interface ProbeState {
  result: ProbeResult;
  /** The outcome of the last probe and how many times in a row it came out that way. */
  last?: boolean;
  run: number;
}

export function initialProbeState(kind: ProbeKind): ProbeState {
  return { result: kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown', run: 0 };
}

/** Folds one probe outcome into the state. */
export function observeProbe(
  kind: ProbeKind,
  state: ProbeState,
  ok: boolean,
  t: Pick<ProbeTiming, 'successThreshold' | 'failureThreshold'>,
): ProbeState {
  const run = state.last === ok ? state.run + 1 : 1;
  const reached = ok ? run >= t.successThreshold : run >= t.failureThreshold;
  if (!reached) return { result: state.result, last: ok, run };
  const result: ProbeResult = ok ? 'success' : 'failure';
  // After a liveness/startup failure the container is restarted; counting starts over, as in the kubelet.
  if (!ok && kind !== 'readiness') return { result, last: ok, run: 0 };
  return { result, last: ok, run };
}
