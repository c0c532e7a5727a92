// Images for pod containers. A local image is always used (kubelab has no registry, so even
// imagePullPolicy Always would only fail); a missing one is pulled in the background, at most one pull per
// image at a time and never longer than the pull timeout. Failures back off like the kubelet's
// (ErrImagePull, then ImagePullBackOff) and the pods waiting on the image are poked when a pull ends.
import type { Container } from '@kubelab/api';
import { Backoff } from './backoff';
import { dockerMessage, type DockerRuntime } from './docker-runtime';

export type ImageResult =
  | { ok: true; imageId: string; pulled: boolean }
  | {
      ok: false;
      reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'ContainerCreating';
      message: string;
      pulling?: boolean;
    };

export interface ImageListener {
  pulling(image: string): void;
  pullDone(image: string, error?: string): void;
}

interface PullState {
  running?: Promise<void>;
  lastError?: string;
  failedAt?: number;
  reported?: boolean;
}

export class ImageManager {
  private readonly pulls = new Map<string, PullState>();
  /** Pulled by us and not yet reported: the next start says "Successfully pulled". */
  private readonly fresh = new Set<string>();
  private readonly backoff: Backoff;

  constructor(
    private readonly runtime: Pick<DockerRuntime, 'imageId' | 'pull'>,
    private readonly opts: { pullTimeoutMs: number; backoffBaseMs: number; backoffMaxMs: number },
    private readonly listener: ImageListener,
    private readonly now: () => number = Date.now,
  ) {
    this.backoff = new Backoff({ baseMs: opts.backoffBaseMs, maxMs: opts.backoffMaxMs }, now);
  }

  async ensure(c: Container, afterPull = false): Promise<ImageResult> {
    const image = c.image;
    const id = await this.runtime.imageId(image);
    if (id) {
      this.pulls.delete(image);
      this.backoff.reset(image);
      return { ok: true, imageId: id, pulled: this.fresh.delete(image) };
    }
    if (c.imagePullPolicy === 'Never') {
      return { ok: false, reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` };
    }
    const state = this.pulls.get(image) ?? {};
    this.pulls.set(image, state);
    if (state.running) return { ok: false, reason: 'ContainerCreating', message: `Pulling image "${image}"`, pulling: true };
    if (state.failedAt !== undefined && this.backoff.isInBackoffSince(image, state.failedAt)) {
      // The first report after a failed pull says why; later ones say we are waiting, as the kubelet does.
      if (!state.reported) {
        state.reported = true;
        return { ok: false, reason: 'ErrImagePull', message: state.lastError ?? `Failed to pull image "${image}"` };
      }
      return { ok: false, reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` };
    }
    if (afterPull) return { ok: false, reason: 'ContainerCreating', message: `Pulling image "${image}"`, pulling: true };
    this.startPull(image, state);
    // Offline pulls fail fast (no DNS, no route); give it a moment so the first status already says why.
    await Promise.race([state.running, new Promise((r) => setTimeout(r, 1500).unref?.())]);
    return this.ensure(c, true);
  }

  private startPull(image: string, state: PullState): void {
    this.listener.pulling(image);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.opts.pullTimeoutMs);
    state.running = this.runtime
      .pull(image, abort.signal)
      .then(() => {
        this.pulls.delete(image);
        this.fresh.add(image);
        this.listener.pullDone(image);
      })
      .catch((err) => {
        const msg = abort.signal.aborted ? `pull did not finish within ${this.opts.pullTimeoutMs} ms` : dockerMessage(err);
        state.lastError = `Failed to pull image "${image}": ${msg}`;
        state.failedAt = this.now();
        state.reported = false;
        state.running = undefined;
        this.backoff.next(image, state.failedAt);
        this.listener.pullDone(image, state.lastError);
      })
      .finally(() => clearTimeout(timer));
  }

  /** When the current pull back-off of `image` ends (ms from now), if it is backing off. */
  retryInMs(image: string): number | undefined {
    const s = this.pulls.get(image);
    if (!s || s.failedAt === undefined) return undefined;
    return this.backoff.remainingMs(image, s.failedAt);
  }
}
