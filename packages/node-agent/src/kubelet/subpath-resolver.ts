// Resolving a container's subPaths and starting it with no window for the pod to swap a symlink in.
//
// The kubelet (CVE-2017-1002101) opens each component with O_NOFOLLOW and bind-mounts /proc/self/fd/N, so the
// path cannot change between check and mount. Here the mount is made by the Docker engine, by path, in its
// own mount namespace, which the agent (in a container) cannot reach. So: the path is resolved inside the
// volume as the pause container sees it (subpath.ts), and every running container that can write to the
// volume is frozen (cgroup freezer, `docker pause`) from before the check until the new container has its
// mounts (`start` returns after runc made them); only then are they thawed. One container start with
// subPaths at a time per node, so two never thaw each other's writers early, and no new writer starts
// unfrozen in the middle of it.
import type { Container } from '@kubelab/api';
import type { KubeletContext } from './context';
import { ContainerConfigError } from './env';
import { LABEL } from './names';
import { parseResolved, resolveCommand, type SubPathMount } from './subpath';
import { STAGING_DIR, type VolumePlan } from './volumes';

export interface SubPathScope {
  sandboxId: string;
  plans: VolumePlan[];
  /** Host path of each Docker volume (or hostPath bind), by Docker volume name. */
  mountpoints: ReadonlyMap<string, string>;
}

let queue: Promise<unknown> = Promise.resolve();

function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

/** Running pod containers on this node that mount one of `roots` (or a path below it) writable. */
async function writers(ctx: KubeletContext, volumes: Set<string>, roots: string[]): Promise<string[]> {
  const list = await ctx.runtime.listRunningPodContainers();
  return list
    .filter((c) => c.Labels[LABEL.kind] !== 'pause')
    .filter((c) =>
      (c.Mounts ?? []).some(
        (m) => m.RW && ((m.Name && volumes.has(m.Name)) || roots.some((r) => m.Source === r || m.Source.startsWith(`${r}/`))),
      ),
    )
    .map((c) => c.Id);
}

/**
 * Runs `fn` with the host path of every subPath mount (by volumeMounts index), resolved inside its volume,
 * while no other container can change the volume. A subPath that leaves its volume throws
 * ContainerConfigError (the pod shows CreateContainerConfigError) and `fn` never runs.
 */
export async function withResolvedSubPaths<T>(
  ctx: KubeletContext,
  scope: SubPathScope,
  c: Container,
  wanted: SubPathMount[],
  fn: (sources: ReadonlyMap<number, string>) => Promise<T>,
): Promise<T> {
  // A container that can write to a volume starts under the same lock: it could not be frozen otherwise.
  const writes = (c.volumeMounts ?? []).some((m) => !m.readOnly);
  if (!wanted.length) return writes ? exclusive(() => fn(new Map())) : fn(new Map());
  const targets = wanted.map((w) => {
    const plan = scope.plans.find((p) => p.name === w.volume);
    if (!plan) throw new ContainerConfigError(`cannot find volume "${w.volume}" to mount into container "${c.name}"`);
    const root = scope.mountpoints.get(plan.dockerVolume);
    if (!root)
      throw new ContainerConfigError(
        `failed to prepare subPath for volumeMount "${w.volume}" of container "${c.name}": volume is not ready`,
      );
    return { w, plan, root };
  });
  return exclusive(async () => {
    const frozen = await writers(
      ctx,
      new Set(targets.map((t) => t.plan.dockerVolume)),
      targets.map((t) => t.root),
    );
    const paused: string[] = [];
    try {
      for (const id of frozen) {
        try {
          await ctx.runtime.pause(id);
          paused.push(id);
        } catch (err) {
          // One that stopped meanwhile writes nothing more; one still running must not be left free.
          if ((await ctx.runtime.inspect(id))?.state === 'running') throw err;
        }
      }
      const sources = new Map<number, string>();
      for (const { w, root } of targets) {
        const res = await ctx.runtime.exec(scope.sandboxId, resolveCommand(`${STAGING_DIR}/${w.volume}`, w.subPath), 10_000);
        sources.set(w.index, root + parseResolved(res.output, w, c.name));
      }
      return await fn(sources);
    } finally {
      for (const id of paused) {
        await ctx.runtime.unpause(id).catch((err) => ctx.log.error({ err, container: id }, 'thawing a container failed'));
      }
    }
  });
}

/** Thaws pod containers an earlier agent left frozen (it died between pause and unpause). */
export async function thawLeftovers(ctx: KubeletContext): Promise<void> {
  for (const id of await ctx.runtime.listPausedPodContainers()) {
    ctx.log.warn({ container: id }, 'thawing a pod container an earlier agent left paused');
    await ctx.runtime.unpause(id);
  }
}
