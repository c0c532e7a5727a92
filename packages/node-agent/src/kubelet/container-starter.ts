// Starting one container of a pod: image, environment, mounts, create, start, with the kubelet's events
// (Pulling/Pulled/Created/Started/Failed/BackOff). A failure before the container exists is remembered as a
// waiting reason (ErrImagePull, ImagePullBackOff, CreateContainerConfigError) for the status. subPaths are
// resolved inside their volumes first (subpath-resolver.ts); one that leaves its volume is a config error.
import os from 'node:os';
import { nthAddress, type Pod } from '@kubelab/api';
import { backoffKey, type KubeletContext } from './context';
import { buildContainerSpec } from './container-spec';
import { ContainerConfigError, envReferences, kubernetesServiceEnv, resolveEnv, serviceEnv } from './env';
import type { PodRef } from './names';
import type { StartAction } from './pod-actions';
import { memoryLimitProblem } from './runtime-limits';
import { subPathMounts } from './subpath';
import { withResolvedSubPaths } from './subpath-resolver';
import { containerMounts, type VolumePlan } from './volumes';

export interface StartContext {
  pod: Pod;
  ref: PodRef;
  sandboxId: string;
  podIp: string;
  plans: VolumePlan[];
  mountpoints: ReadonlyMap<string, string>;
}

export interface StartResult {
  started: boolean;
  /** When to try again (image back-off), if the start failed for a reason that expires. */
  retryInMs?: number;
}

export async function startContainer(ctx: KubeletContext, s: StartContext, action: StartAction): Promise<StartResult> {
  const c = action.container;
  const who = { name: c.name, init: action.kind === 'init' };
  const errors = ctx.memory.errorsOf(s.ref.uid);
  const fail = (reason: string, message: string): StartResult => {
    errors.set(c.name, { reason, message });
    return { started: false };
  };

  const image = await ctx.images.ensure(c);
  if (!image.ok) {
    if (image.reason === 'ContainerCreating') {
      ctx.events.record(s.ref, 'Normal', 'Pulling', `Pulling image "${c.image}"`, who);
      errors.delete(c.name);
      return { started: false };
    }
    if (image.reason === 'ImagePullBackOff') ctx.events.record(s.ref, 'Normal', 'BackOff', image.message, who);
    else ctx.events.record(s.ref, 'Warning', 'Failed', image.message, who);
    ctx.events.record(s.ref, 'Warning', 'Failed', `Error: ${image.reason}`, who);
    const res = fail(image.reason, image.message);
    return { ...res, retryInMs: ctx.images.retryInMs(c.image) };
  }
  ctx.events.record(
    s.ref,
    'Normal',
    'Pulled',
    image.pulled ? `Successfully pulled image "${c.image}"` : `Container image "${c.image}" already present on machine`,
    who,
  );

  const configError = (err: unknown): StartResult => {
    if (!(err instanceof ContainerConfigError)) throw err;
    ctx.events.record(s.ref, 'Warning', 'Failed', `Error: ${err.message}`, who);
    return fail('CreateContainerConfigError', err.message);
  };

  let env: ReturnType<typeof resolveEnv>;
  let wanted: ReturnType<typeof subPathMounts>;
  try {
    const objects = await ctx.sources.fetch(s.ref.namespace, envReferences(c));
    // The kubelet's service links; until the Service cache has listed once, only the `kubernetes` ones.
    const services = ctx.services?.();
    const base = services
      ? serviceEnv(services, s.ref.namespace, s.pod.spec.enableServiceLinks !== false)
      : kubernetesServiceEnv(nthAddress(ctx.config.serviceCidr, 1));
    env = resolveEnv(
      s.pod,
      c,
      objects,
      {
        podIP: s.podIp,
        hostIP: ctx.config.nodeIp,
        nodeName: ctx.config.nodeName,
        // The node object reports the same figures as capacity = allocatable (node-object.ts).
        allocatable: { cpu: os.cpus().length, memory: Math.floor(os.totalmem() / 1024) * 1024 },
      },
      base,
    );
    wanted = subPathMounts(c, env);
  } catch (err) {
    return configError(err);
  }

  // Resolution, create and start in one step: the subPaths' targets cannot change until the mounts exist.
  try {
    return await withResolvedSubPaths(ctx, s, c, wanted, async (sources) => {
      let spec: ReturnType<typeof buildContainerSpec>;
      try {
        spec = buildContainerSpec({
          owner: ctx.owner,
          ref: s.ref,
          pod: s.pod,
          container: c,
          kind: action.kind,
          attempt: action.attempt,
          sandboxId: s.sandboxId,
          env,
          mounts: containerMounts(c, s.plans, sources),
          allowPrivileged: ctx.config.allowPrivileged,
        });
      } catch (err) {
        return configError(err);
      }
      return createAndStart(ctx, s, action, spec, fail);
    });
  } catch (err) {
    return configError(err);
  }
}

async function createAndStart(
  ctx: KubeletContext,
  s: StartContext,
  action: StartAction,
  spec: ReturnType<typeof buildContainerSpec>,
  fail: (reason: string, message: string) => StartResult,
): Promise<StartResult> {
  const c = action.container;
  const who = { name: c.name, init: action.kind === 'init' };
  const tooSmall = memoryLimitProblem(c, spec.HostConfig?.Memory);
  if (tooSmall) {
    ctx.events.record(s.ref, 'Warning', 'Failed', `Error: ${tooSmall}`, who);
    return fail('CreateContainerError', tooSmall);
  }
  if (action.restartOf !== undefined) ctx.backoff.next(backoffKey(s.ref.uid, c.name), action.restartOf);
  let id: string;
  try {
    id = await ctx.runtime.create(spec);
  } catch (err) {
    ctx.events.record(s.ref, 'Warning', 'Failed', `Error: ${(err as Error).message}`, who);
    return fail('CreateContainerError', (err as Error).message);
  }
  ctx.memory.errorsOf(s.ref.uid).delete(c.name);
  ctx.events.record(s.ref, 'Normal', 'Created', `Created container ${c.name}`, who);
  try {
    await ctx.runtime.start(id, spec.name!);
  } catch (err) {
    // Docker keeps the container "created" with the error: the status shows it terminated (StartError)
    // and the restart policy and back-off apply, as with containerd.
    ctx.events.record(s.ref, 'Warning', 'Failed', `Error: ${(err as Error).message}`, who);
    return { started: false };
  }
  ctx.events.record(s.ref, 'Normal', 'Started', `Started container ${c.name}`, who);
  return { started: true };
}
