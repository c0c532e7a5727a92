// Creating a pod's sandbox: an IP from IPAM, the pause container on the node's pod network, and a wait
// until its script has set the routes and DNS files (its ready marker), so no app container ever starts
// with Docker's default route.
import type { Pod } from '@kubelab/api';
import type { KubeletContext } from './context';
import type { PodRef } from './names';
import type { ObservedPod } from './observed';
import { buildSandboxSpec, SANDBOX_READY_FILE } from './sandbox-spec';
import { stagingMounts, type VolumePlan } from './volumes';
import { ensureVolumes } from './volume-manager';

export class SandboxError extends Error {
  readonly code = 'FailedCreatePodSandBox';
  constructor(ref: PodRef, detail: string) {
    super(`Failed to create pod sandbox for ${ref.namespace}/${ref.name}: ${detail}`);
    this.name = 'SandboxError';
  }
}

const READY_TIMEOUT_MS = 15_000;

async function waitReady(ctx: KubeletContext, ref: PodRef, id: string): Promise<void> {
  const until = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const inst = await ctx.runtime.inspect(id);
    if (inst?.state !== 'running') {
      const logs = await ctx.runtime.docker
        .getContainer(id)
        .logs({ stdout: true, stderr: true, tail: 20 })
        .catch(() => Buffer.alloc(0));
      throw new SandboxError(
        ref,
        `pause container exited (code ${inst?.exitCode ?? '?'}): ${String(logs)
          .replace(/[\x00-\x08]/g, '')
          .trim()}`,
      );
    }
    const res = await ctx.runtime.exec(id, ['test', '-f', SANDBOX_READY_FILE], 5_000).catch(() => ({ exitCode: 1, output: '' }));
    if (res.exitCode === 0) return;
    if (Date.now() > until) throw new SandboxError(ref, `pause container did not finish its network setup within ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Replaces any old sandbox (its containers were killed by the caller) and returns the new one's id and IP. */
export async function createSandbox(
  ctx: KubeletContext,
  pod: Pod,
  ref: PodRef,
  observed: ObservedPod,
  plans: VolumePlan[],
): Promise<{ id: string; ip: string }> {
  for (const old of observed.sandboxes) {
    await ctx.runtime.stop(old.id, 0);
    await ctx.runtime.remove(old.id);
  }
  // Volumes before the pause container mounts them: Docker would otherwise create them unlabelled.
  await ensureVolumes(ctx, plans);
  ctx.ipam.releaseOwner(ref.uid);
  const ip = ctx.ipam.allocate(ref.uid);
  const attempt = (observed.sandboxes[0]?.attempt ?? -1) + 1;
  const spec = buildSandboxSpec({
    owner: ctx.owner,
    ref,
    pod,
    image: ctx.sandboxImage,
    network: ctx.config.podNetwork,
    podIp: ip,
    podCidr: ctx.config.podCidr,
    agentIp: ctx.config.agentPodIp,
    attempt,
    clusterDns: ctx.config.clusterDns,
    clusterDomain: ctx.config.clusterDomain,
    mounts: stagingMounts(plans),
  });
  let id: string | undefined;
  try {
    id = await ctx.runtime.create(spec);
    await ctx.runtime.start(id, spec.name!);
    await waitReady(ctx, ref, id);
    return { id, ip };
  } catch (err) {
    if (id) await ctx.runtime.remove(id).catch(() => undefined);
    ctx.ipam.release(ip);
    throw err instanceof SandboxError ? err : new SandboxError(ref, (err as Error).message);
  }
}
