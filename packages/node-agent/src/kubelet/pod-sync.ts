// One sync of one pod (the kubelet's SyncPod): observe Docker, plan (pod-actions.ts), act, observe again,
// report status. Or, for a pod that is gone or being deleted, tear everything down.
import type { Pod } from '@kubelab/api';
import { backoffKey, type KubeletContext } from './context';
import { startContainer } from './container-starter';
import { ContainerConfigError } from './env';
import { podGraceSeconds } from './grace';
import { ensureVolumes, populateVolumes, removePodVolumes } from './volume-manager';
import { formatPod, podRef, type PodRef } from './names';
import { liveSandbox, type ContainerInstance, type ObservedPod } from './observed';
import { planPodActions, type PodActions } from './pod-actions';
import { buildPodStatus } from './pod-status';
import { createSandbox } from './sandbox';
import { planVolumes, type VolumePlan } from './volumes';
import { PODS } from './resources';

export interface SyncHooks {
  /** Sync this pod again after `ms`. */
  requeue(uid: string, ms: number): void;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export async function syncPod(ctx: KubeletContext, pod: Pod, hooks: SyncHooks): Promise<void> {
  const ref = podRef(pod);
  let observed = await ctx.runtime.observe(ref.uid);
  const sandboxIp = observed.sandboxes[0]?.podIp;
  if (sandboxIp) ctx.ipam.claim(sandboxIp, ref.uid);

  const plans: VolumePlan[] = planVolumes(pod, ref, ctx.owner, ctx.config.allowPrivileged);

  const probeKills = new Map<string, string>();
  for (const list of observed.containers.values()) {
    const cur = list[0];
    const why = cur?.state === 'running' ? ctx.probes.killReason(cur.id, cur.name) : undefined;
    if (why) probeKills.set(cur.id, why);
  }
  const actions = planPodActions({
    pod,
    ref,
    observed,
    probeKills,
    terminal: isTerminal(pod),
    started: (id) => ctx.probes.started(id),
    backoff: (name, finishedAt) => ({
      remainingMs: ctx.backoff.remainingMs(backoffKey(ref.uid, name), finishedAt),
      delayMs: ctx.backoff.get(backoffKey(ref.uid, name)),
    }),
  });

  let changed = await applyKillsAndRemovals(ctx, pod, ref, actions);
  for (const [name] of actions.waiting) {
    ctx.events.record(ref, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${formatPod(ref)}`, { name });
  }

  if (actions.createSandbox) {
    if (observed.sandboxes.length)
      ctx.events.record(ref, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    // Sharing the node's network namespace would let the pause script rewrite the node's routes and DNS.
    if (pod.spec.hostNetwork)
      ctx.events.record(ref, 'Warning', 'HostNetworkUnsupported', 'hostNetwork is not supported by kubelab: the pod gets its own pod IP');
    try {
      await createSandbox(ctx, pod, ref, observed, plans);
    } catch (err) {
      ctx.events.record(ref, 'Warning', 'FailedCreatePodSandBox', (err as Error).message);
      hooks.requeue(ref.uid, ctx.config.backoffBaseMs);
      await writeStatus(ctx, pod, await ctx.runtime.observe(ref.uid), actions);
      throw err;
    }
    hooks.requeue(ref.uid, 0);
    changed = true;
  } else {
    const sandbox = liveSandbox(observed);
    const mountpoints =
      sandbox && !actions.completed ? await prepareVolumes(ctx, ref, plans, sandbox.id, actions, pod, sandbox.podIp ?? '') : undefined;
    if (!mountpoints && actions.start.length) hooks.requeue(ref.uid, ctx.config.resyncMs);
    if (sandbox && mountpoints && actions.start.length) {
      if (sandbox.podIp) await ctx.network?.podStarting(pod, sandbox.podIp);
      await startContainers(ctx, pod, ref, sandbox, plans, mountpoints, actions, hooks);
      changed = true;
    }
  }

  if (changed) observed = await ctx.runtime.observe(ref.uid);
  ctx.probes.sync(pod, ref, observed.sandboxes[0]?.podIp, observed);
  if (actions.requeueAfterMs !== undefined) hooks.requeue(ref.uid, actions.requeueAfterMs);
  await writeStatus(ctx, pod, observed, actions);
}

async function applyKillsAndRemovals(ctx: KubeletContext, pod: Pod, ref: PodRef, actions: PodActions): Promise<boolean> {
  const grace = podGraceSeconds(pod);
  await Promise.all(
    actions.kill.map(async (k) => {
      ctx.events.record(ref, 'Normal', 'Killing', k.message, {
        name: k.name,
        init: pod.spec.initContainers?.some((c) => c.name === k.name),
      });
      await ctx.runtime.stop(k.id, grace);
    }),
  );
  if (actions.stopSandbox) await ctx.runtime.stop(actions.stopSandbox, 0);
  for (const id of new Set(actions.remove)) await ctx.runtime.remove(id);
  return actions.kill.length > 0 || !!actions.stopSandbox || actions.remove.length > 0;
}

/**
 * Volumes of a running sandbox, every sync: configMap/secret contents follow their sources (rewritten when
 * they change, as the kubelet refreshes them). A missing source keeps the pod in ContainerCreating.
 */
async function prepareVolumes(
  ctx: KubeletContext,
  ref: PodRef,
  plans: VolumePlan[],
  sandboxId: string,
  actions: PodActions,
  pod: Pod,
  podIp: string,
): Promise<Map<string, string> | undefined> {
  try {
    const mountpoints = await ensureVolumes(ctx, plans);
    await populateVolumes(ctx, ref, plans, sandboxId, pod, podIp);
    return mountpoints;
  } catch (err) {
    if (!(err instanceof ContainerConfigError)) throw err;
    ctx.events.record(ref, 'Warning', 'FailedMount', err.message);
    for (const a of actions.start)
      ctx.memory.errorsOf(ref.uid).set(a.container.name, { reason: a.kind === 'init' ? 'PodInitializing' : 'ContainerCreating' });
    return undefined;
  }
}

async function startContainers(
  ctx: KubeletContext,
  pod: Pod,
  ref: PodRef,
  sandbox: ContainerInstance,
  plans: VolumePlan[],
  mountpoints: Map<string, string>,
  actions: PodActions,
  hooks: SyncHooks,
): Promise<void> {
  const s = { pod, ref, sandboxId: sandbox.id, podIp: sandbox.podIp ?? '', plans, mountpoints };
  for (const a of actions.start) {
    const res = await startContainer(ctx, s, a);
    if (!res.started) hooks.requeue(ref.uid, res.retryInMs ?? ctx.config.resyncMs);
    // Init containers run one at a time; an app container's failure does not hold the others back.
    if (a.kind === 'init') break;
  }
}

async function writeStatus(
  ctx: KubeletContext,
  pod: Pod,
  observed: ObservedPod,
  actions: Pick<PodActions, 'waiting' | 'initialized' | 'completed'>,
): Promise<void> {
  const status = buildPodStatus({
    pod,
    observed,
    actions,
    startErrors: ctx.memory.errorsOf(pod.metadata.uid ?? ''),
    ready: (id) => ctx.probes.ready(id),
    started: (id) => ctx.probes.started(id),
    hostIP: ctx.config.nodeIp,
    now: new Date(),
  });
  await ctx.status.write(pod, status);
}

/**
 * Tears a pod down: SIGTERM its containers (SIGKILL after the whole grace period), stop the sandbox,
 * remove containers and volumes, free the IP. `pod` is the last known object (for the grace period and the
 * final API delete of a pod marked for graceful deletion).
 */
export async function terminatePod(ctx: KubeletContext, uid: string, pod: Pod | undefined): Promise<void> {
  const observed = await ctx.runtime.observe(uid);
  const ref = pod ? podRef(pod) : undefined;
  const grace = podGraceSeconds(pod);
  const apps = [...observed.containers.values()].flat();
  await Promise.all(
    apps
      .filter((i) => i.state === 'running')
      .map(async (i) => {
        if (ref) ctx.events.record(ref, 'Normal', 'Killing', `Stopping container ${i.name}`, { name: i.name, init: i.kind === 'init' });
        await ctx.runtime.stop(i.id, grace);
      }),
  );
  for (const s of observed.sandboxes) await ctx.runtime.stop(s.id, 0);
  for (const i of [...apps, ...observed.sandboxes]) await ctx.runtime.remove(i.id);
  await removePodVolumes(ctx, uid);
  // Also by name: a volume Docker created on its own (unlabelled) must not outlive the pod either.
  if (ref && pod) {
    for (const p of planVolumes(pod, ref, ctx.owner, ctx.config.allowPrivileged))
      if (p.podScoped) await ctx.runtime.removeVolume(p.dockerVolume);
  }
  ctx.ipam.releaseOwner(uid);
  ctx.probes.forgetPod(uid);
  ctx.memory.forget(uid);
  ctx.status.forget(uid);
  ctx.backoff.retain((key) => !key.startsWith(`${uid}/`));
  if (pod?.metadata.deletionTimestamp) await finalizeDeletion(ctx, pod);
}

/** A pod marked for graceful deletion is removed from the API once its containers are gone, as the kubelet does. */
async function finalizeDeletion(ctx: KubeletContext, pod: Pod): Promise<void> {
  const ns = pod.metadata.namespace ?? 'default';
  const path = `/api/v1/namespaces/${encodeURIComponent(ns)}/${PODS.plural}/${encodeURIComponent(pod.metadata.name!)}?gracePeriodSeconds=0`;
  try {
    await ctx.client.raw('DELETE', path, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      gracePeriodSeconds: 0,
      preconditions: { uid: pod.metadata.uid },
    });
  } catch (err) {
    if ((err as { reason?: string }).reason !== 'NotFound')
      ctx.log.warn({ pod: `${ns}/${pod.metadata.name}`, err: (err as Error).message }, 'final delete failed');
  }
}
