// Pod volumes in Docker: create them, fill configMap/secret volumes through the pause container's staging
// mounts (putArchive), and remove them with the pod. subPaths are resolved per container start (subpath-resolver.ts).
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Pod } from '@kubelab/api';
import { swapCommand, topLevelNames, versionDirName, versionEntries } from './atomic-writer';
import type { KubeletContext } from './context';
import { ContainerConfigError, type PodFieldValues } from './env';
import type { PodRef } from './names';
import { tar } from './tar';
import {
  defaultFileMode,
  downwardApiFiles,
  projectedFiles,
  STAGING_DIR,
  type ProjectedFile,
  type VolumePlan,
  type VolumeSource,
} from './volumes';

/** Creates the Docker volumes; returns their mountpoints by Docker volume name (for subPath binds). */
export async function ensureVolumes(ctx: KubeletContext, plans: VolumePlan[]): Promise<Map<string, string>> {
  const mountpoints = new Map<string, string>();
  for (const p of plans) mountpoints.set(p.dockerVolume, p.hostBind ?? (await ctx.runtime.ensureVolume(p.dockerVolume, p.labels)));
  return mountpoints;
}

function filesHash(files: ProjectedFile[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f.path).update('\0').update(String(f.mode)).update('\0').update(f.content).update('\0');
  return h.digest('hex');
}

/**
 * Writes configMap/secret files when their content changed since the last write (also after an agent
 * restart, which forgets the hashes). A missing non-optional source throws ContainerConfigError with the
 * kubelet's FailedMount wording.
 */
export async function populateVolumes(
  ctx: KubeletContext,
  ref: PodRef,
  plans: VolumePlan[],
  sandboxId: string,
  pod?: Pod,
  podIp = '',
): Promise<void> {
  const hashes = ctx.memory.hashesOf(ref.uid);
  for (const p of plans) {
    if (p.source.kind !== 'configMap' && p.source.kind !== 'secret' && p.source.kind !== 'downwardAPI' && p.source.kind !== 'projected')
      continue;
    let files: ProjectedFile[];
    const fields = {
      podIP: podIp,
      hostIP: ctx.config.nodeIp,
      nodeName: ctx.config.nodeName,
      allocatable: { cpu: os.cpus().length, memory: Math.floor(os.totalmem() / 1024) * 1024 },
    };
    try {
      if (p.source.kind === 'downwardAPI') {
        if (!pod) continue;
        files = downwardApiFiles(p.source, pod, fields);
      } else if (p.source.kind === 'projected') {
        if (!pod) continue;
        files = await projectedVolumeFiles(ctx, p.source, pod, fields);
      } else {
        const obj =
          p.source.kind === 'configMap'
            ? await ctx.sources.configMap(ref.namespace, p.source.name)
            : await ctx.sources.secret(ref.namespace, p.source.name);
        files = projectedFiles(p.source, obj);
      }
    } catch (err) {
      throw new ContainerConfigError(`MountVolume.SetUp failed for volume "${p.name}" : ${(err as Error).message}`);
    }
    const hash = filesHash(files);
    if (hashes.get(p.name) === hash) continue;
    // A new version directory, then one atomic swap of ..data (atomic-writer.ts): containers reading the
    // volume see the old files or the new ones, never a mix, and keys removed from the source disappear.
    const dir = `${STAGING_DIR}/${p.name}`;
    const version = versionDirName(new Date(), randomBytes(5).toString('hex'));
    await ctx.runtime.putArchive(sandboxId, dir, tar(versionEntries(version, files)));
    const swapped = await ctx.runtime.exec(sandboxId, swapCommand(dir, version, topLevelNames(files)), 10_000);
    if (swapped.exitCode !== 0)
      throw new Error(`pod ${ref.namespace}/${ref.name}: updating volume "${p.name}" failed: ${swapped.output.trim()}`);
    hashes.set(p.name, hash);
  }
}

/**
 * Files of a projected volume: every source's files in one directory (the projected plugin), the
 * ServiceAccount token requested for the pod through the token manager.
 */
async function projectedVolumeFiles(
  ctx: KubeletContext,
  source: Extract<VolumeSource, { kind: 'projected' }>,
  pod: Pod,
  fields: PodFieldValues,
): Promise<ProjectedFile[]> {
  const mode = source.defaultMode ?? defaultFileMode;
  const out: ProjectedFile[] = [];
  for (const s of source.sources) {
    if (s.serviceAccountToken) {
      if (!ctx.memory.tokens) throw new Error('the kubelet has no token manager');
      const path = s.serviceAccountToken.path;
      if (!path || path.startsWith('/') || path.split('/').includes('..'))
        throw new ContainerConfigError(`serviceAccountToken path "${path}" must be relative without ".."`);
      const token = await ctx.memory.tokens.podToken(pod, s.serviceAccountToken.audience, s.serviceAccountToken.expirationSeconds ?? 3600);
      out.push({ path, content: Buffer.from(token, 'utf8'), mode });
    } else if (s.configMap) {
      const obj = await ctx.sources.configMap(pod.metadata.namespace!, s.configMap.name);
      out.push(
        ...projectedFiles(
          { kind: 'configMap', name: s.configMap.name, items: s.configMap.items, optional: !!s.configMap.optional, defaultMode: mode },
          obj,
        ),
      );
    } else if (s.secret) {
      const obj = await ctx.sources.secret(pod.metadata.namespace!, s.secret.name);
      out.push(
        ...projectedFiles(
          { kind: 'secret', name: s.secret.name, items: s.secret.items, optional: !!s.secret.optional, defaultMode: mode },
          obj,
        ),
      );
    } else if (s.downwardAPI) {
      out.push(...downwardApiFiles({ kind: 'downwardAPI', items: s.downwardAPI.items ?? [], defaultMode: mode }, pod, fields));
    }
  }
  return out;
}

/** Removes the pod's own volumes (hostPath stand-ins outlive pods, as host directories do). */
export async function removePodVolumes(ctx: KubeletContext, uid: string): Promise<void> {
  for (const v of await ctx.runtime.listVolumes(uid)) await ctx.runtime.removeVolume(v.name);
}
