// One timer loop per (running container, probe kind), like the kubelet's prober workers. Results live here;
// the pod sync asks ready()/started()/killReason() and gets poked whenever a result flips.
import type { Container, Pod, Probe } from '@kubelab/api';
import type { PodRef } from './names';
import type { ObservedPod } from './observed';
import { initialProbeState, observeProbe, probeTiming, type ProbeKind, type ProbeState, type ProbeTiming } from './probe-state';
import { runProbe, type ExecRunner } from './probe-runner';

export interface ProbeListener {
  /** A result flipped: the pod should sync. */
  changed(uid: string): void;
  /** A probe failed (the kubelet's Warning event "Unhealthy"). */
  unhealthy(ref: PodRef, container: string, kind: ProbeKind, message: string): void;
  /** A probe run failed unexpectedly; the worker keeps its schedule. */
  error?(err: unknown): void;
}

interface Worker {
  uid: string;
  kind: ProbeKind;
  state: ProbeState;
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

const kindLabel: Record<ProbeKind, string> = { readiness: 'Readiness', liveness: 'Liveness', startup: 'Startup' };

function probeOf(c: Container, kind: ProbeKind): Probe | undefined {
  return kind === 'readiness' ? c.readinessProbe : kind === 'liveness' ? c.livenessProbe : c.startupProbe;
}

export class ProbeManager {
  /** `${containerId}/${kind}` -> worker */
  private readonly workers = new Map<string, Worker>();

  constructor(
    private readonly exec: ExecRunner,
    private readonly listener: ProbeListener,
    private readonly now: () => number = Date.now,
  ) {}

  private worker(id: string, kind: ProbeKind): Worker | undefined {
    return this.workers.get(`${id}/${kind}`);
  }

  /** Ready per readiness probe; a container without one is ready once started. */
  ready(id: string): boolean {
    const w = this.worker(id, 'readiness');
    return !w || w.state.result === 'success';
  }

  started(id: string): boolean {
    const w = this.worker(id, 'startup');
    return !w || w.state.result === 'success';
  }

  /** Why the container must be killed (a failed liveness or startup probe), if it must. */
  killReason(id: string, name: string): string | undefined {
    if (this.worker(id, 'startup')?.state.result === 'failure') return `Container ${name} failed startup probe, will be restarted`;
    if (this.worker(id, 'liveness')?.state.result === 'failure') return `Container ${name} failed liveness probe, will be restarted`;
    return undefined;
  }

  /** Starts workers for running containers with probes and stops those of containers that are gone. */
  sync(pod: Pod, ref: PodRef, podIp: string | undefined, observed: ObservedPod): void {
    const wanted = new Set<string>();
    const specs = [...(pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'), ...pod.spec.containers];
    for (const c of specs) {
      const cur = observed.containers.get(c.name)?.[0];
      if (cur?.state !== 'running' || !podIp) continue;
      for (const kind of ['startup', 'liveness', 'readiness'] as ProbeKind[]) {
        const probe = probeOf(c, kind);
        if (!probe) continue;
        const key = `${cur.id}/${kind}`;
        wanted.add(key);
        if (this.workers.has(key)) continue;
        const w: Worker = { uid: ref.uid, kind, state: initialProbeState(kind), stopped: false };
        this.workers.set(key, w);
        const startedAt = Date.parse(cur.startedAt ?? '') || this.now();
        this.schedule(w, probeTiming(kind, probe), Math.max(0, startedAt + probeTiming(kind, probe).initialDelayMs - this.now()), () =>
          this.tick(w, ref, c, probe, cur.id, podIp),
        );
      }
    }
    for (const [key, w] of this.workers) if (w.uid === ref.uid && !wanted.has(key)) this.drop(key, w);
  }

  private schedule(w: Worker, t: ProbeTiming, delayMs: number, run: () => Promise<void>): void {
    if (w.stopped) return;
    w.timer = setTimeout(() => {
      void run()
        .catch((err: unknown) => this.listener.error?.(err))
        .finally(() => this.schedule(w, t, t.periodMs, run));
    }, delayMs);
    w.timer.unref?.();
  }

  private async tick(w: Worker, ref: PodRef, c: Container, probe: Probe, id: string, podIp: string): Promise<void> {
    // Liveness and readiness wait for the startup probe; a startup probe stops once it has succeeded.
    if (w.kind !== 'startup' && !this.started(id)) return;
    if (w.kind === 'startup' && w.state.result === 'success') return;
    const t = probeTiming(w.kind, probe);
    const outcome = await runProbe(probe, { podIp, container: c, containerId: id }, t.timeoutMs, this.exec);
    if (w.stopped) return;
    const before = w.state.result;
    w.state = observeProbe(w.kind, w.state, outcome.ok, t);
    if (!outcome.ok)
      this.listener.unhealthy(ref, c.name, w.kind, `${kindLabel[w.kind]} probe failed: ${outcome.message ?? 'unknown error'}`);
    if (w.state.result !== before) this.listener.changed(w.uid);
  }

  private drop(key: string, w: Worker): void {
    w.stopped = true;
    if (w.timer) clearTimeout(w.timer);
    this.workers.delete(key);
  }

  forgetPod(uid: string): void {
    for (const [key, w] of this.workers) if (w.uid === uid) this.drop(key, w);
  }

  stop(): void {
    for (const [key, w] of this.workers) this.drop(key, w);
  }
}
