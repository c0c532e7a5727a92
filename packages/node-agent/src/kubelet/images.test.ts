import { describe, expect, it } from 'vitest';
import { ImageManager } from './images';
import { container } from './fixtures.test-util';

function fakeRuntime(opts: { present?: string[]; pull?: (ref: string, signal: AbortSignal) => Promise<void> }) {
  const present = new Set(opts.present ?? []);
  const pulls: string[] = [];
  return {
    pulls,
    present,
    imageId: async (ref: string) => (present.has(ref) ? `sha256:${ref}` : undefined),
    pull: async (ref: string, signal: AbortSignal) => {
      pulls.push(ref);
      await (opts.pull ?? (async () => Promise.reject(new Error('dial tcp: lookup registry-1.docker.io: no such host'))))(ref, signal);
    },
  };
}

describe('ImageManager', () => {
  const listener = { pulling: () => undefined, pullDone: () => undefined };

  it('uses a local image without pulling', async () => {
    const rt = fakeRuntime({ present: ['kubelab/echo:latest'] });
    const m = new ImageManager(rt, { pullTimeoutMs: 1000, backoffBaseMs: 10_000, backoffMaxMs: 300_000 }, listener);
    expect(await m.ensure(container('a'))).toEqual({ ok: true, imageId: 'sha256:kubelab/echo:latest', pulled: false });
    expect(rt.pulls).toEqual([]);
  });

  it("a missing image: one pull, ErrImagePull with Docker's message, then ImagePullBackOff until the back-off ends", async () => {
    let t = 1_000_000;
    const rt = fakeRuntime({});
    const m = new ImageManager(rt, { pullTimeoutMs: 1000, backoffBaseMs: 10_000, backoffMaxMs: 300_000 }, listener, () => t);
    const c = container('a', { image: 'nosuch:1' });
    expect(await m.ensure(c)).toMatchObject({
      ok: false,
      reason: 'ErrImagePull',
      message: 'Failed to pull image "nosuch:1": dial tcp: lookup registry-1.docker.io: no such host',
    });
    expect(await m.ensure(c)).toEqual({ ok: false, reason: 'ImagePullBackOff', message: 'Back-off pulling image "nosuch:1"' });
    expect(rt.pulls).toEqual(['nosuch:1']);
    expect(m.retryInMs('nosuch:1')).toBe(10_000);
    t += 10_001;
    expect((await m.ensure(c)).ok).toBe(false);
    expect(rt.pulls).toEqual(['nosuch:1', 'nosuch:1']);
    expect(m.retryInMs('nosuch:1')).toBe(20_000);
  });

  it('never hangs: a pull that does not finish is abandoned after the timeout', async () => {
    const rt = fakeRuntime({
      pull: (_ref, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    });
    const m = new ImageManager(rt, { pullTimeoutMs: 50, backoffBaseMs: 10_000, backoffMaxMs: 300_000 }, listener);
    const res = await m.ensure(container('a', { image: 'slow:1' }));
    expect(res).toMatchObject({
      ok: false,
      reason: 'ErrImagePull',
      message: 'Failed to pull image "slow:1": pull did not finish within 50 ms',
    });
  });

  it('reports a successful pull once, and Never never pulls', async () => {
    const rt = fakeRuntime({});
    rt.pull = async (ref: string) => {
      rt.pulls.push(ref);
      rt.present.add(ref);
    };
    const m = new ImageManager(rt, { pullTimeoutMs: 1000, backoffBaseMs: 10_000, backoffMaxMs: 300_000 }, listener);
    expect(await m.ensure(container('a', { image: 'x:1' }))).toMatchObject({ ok: true, pulled: true });
    expect(await m.ensure(container('a', { image: 'x:1' }))).toMatchObject({ ok: true, pulled: false });
    expect(await m.ensure(container('a', { image: 'y:1', imagePullPolicy: 'Never' }))).toEqual({
      ok: false,
      reason: 'ErrImageNeverPull',
      message: 'Container image "y:1" is not present with pull policy of Never',
    });
  });
});
