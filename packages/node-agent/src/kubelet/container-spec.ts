// The Docker create request for one app, sidecar or init container of a pod. Pure.
// It joins the pause container's network and IPC namespaces (DESIGN.md §3), so it shares the pod IP,
// localhost, /etc/hosts, /etc/resolv.conf and the hostname. It gets no extra capabilities unless it asks:
// only the pause container holds NET_ADMIN, to set the pod's routes. Of a manifest only the fields below
// reach Docker's HostConfig (never Binds, Devices, SecurityOpt, PidMode, UsernsMode, Sysctls, ...), and
// privileged mode and capabilities past the pod's own namespaces only on a cluster that allows them.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { memoryBytes, nanoCpus, type Container, type Pod } from '@kubelab/api';
import { canonicalCapability, containerPrivilegedRequests, DISALLOWED_BY_POLICY, hostNamespaceRequests, stableJson } from '@kubelab/api';
import { ContainerConfigError, type EnvVarValue } from './env';
import { expand, mapLookup } from './expansion';
import { containerLabels, containerName, LABEL, type ContainerKind, type OwnerLabels, type PodRef } from './names';

export interface ContainerSpecInput {
  owner: OwnerLabels;
  ref: PodRef;
  pod: Pod;
  container: Container;
  kind: Exclude<ContainerKind, 'pause'>;
  attempt: number;
  sandboxId: string;
  env: EnvVarValue[];
  mounts: Docker.MountSettings[];
  /** The cluster was created with --allow-privileged (AgentConfig.allowPrivileged). */
  allowPrivileged: boolean;
}

/**
 * Changes to these fields restart the container (Kubernetes hashes the container spec the same way). Key
 * order must not count: a label-only update that re-sends the spec in another order restarts nothing.
 */
export function containerHash(c: Container): string {
  return createHash('sha256').update(stableJson(c)).digest('hex').slice(0, 12);
}

/**
 * Kubernetes' command/args rules on Docker's Entrypoint/Cmd: `command` replaces the image ENTRYPOINT (and
 * drops its CMD), `args` replaces CMD; only `args` keeps the image's ENTRYPOINT. Both get `$(VAR)` expansion.
 */
export function commandAndArgs(c: Container, env: EnvVarValue[]): Pick<Docker.ContainerCreateOptions, 'Entrypoint' | 'Cmd'> {
  const lookup = mapLookup(new Map(env.map((e) => [e.name, e.value])));
  const command = c.command?.length ? c.command.map((s) => expand(s, lookup)) : undefined;
  const args = c.args?.length ? c.args.map((s) => expand(s, lookup)) : undefined;
  if (command) return { Entrypoint: command, Cmd: args ?? [] };
  if (args) return { Cmd: args };
  return {};
}

interface SecurityContext {
  privileged?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}

/**
 * Defence in depth behind the API server's cluster policy: a pod that asks for privileged mode, a host
 * namespace or a capability past its own namespaces never starts on a cluster without --allow-privileged,
 * however it got here (an API server started otherwise, a state file from elsewhere).
 */
export function refusePrivileged(pod: Pod, c: Container): void {
  const asked = [
    ...hostNamespaceRequests(pod.spec).map((k) => `spec.${k}`),
    ...containerPrivilegedRequests(c, '').map((r) => r.field.slice(1)),
  ];
  if (asked.length)
    throw new ContainerConfigError(
      `container "${c.name}": ${asked.join(', ')}: ${DISALLOWED_BY_POLICY} (the cluster was created without --allow-privileged)`,
    );
}

function securityOptions(pod: Pod, c: Container): { user?: string; host: Docker.HostConfig } {
  const podSc = (pod.spec.securityContext ?? {}) as SecurityContext;
  const sc = (c.securityContext ?? {}) as SecurityContext;
  const uid = sc.runAsUser ?? podSc.runAsUser;
  const gid = sc.runAsGroup ?? podSc.runAsGroup;
  const host: Docker.HostConfig = {};
  if (sc.privileged === true) host.Privileged = true;
  if (sc.readOnlyRootFilesystem) host.ReadonlyRootfs = true;
  // Only lists of names reach Docker; anything else was refused above or by the API server.
  const cap = (names?: unknown): string[] | undefined =>
    Array.isArray(names) && names.length ? names.filter((n): n is string => typeof n === 'string').map(canonicalCapability) : undefined;
  if (cap(sc.capabilities?.add)) host.CapAdd = cap(sc.capabilities?.add);
  if (cap(sc.capabilities?.drop)) host.CapDrop = cap(sc.capabilities?.drop);
  return { user: uid === undefined ? undefined : gid === undefined ? String(uid) : `${uid}:${gid}`, host };
}

export function buildContainerSpec(input: ContainerSpecInput): Docker.ContainerCreateOptions {
  const { owner, ref, pod, container: c, kind, attempt, sandboxId, env, mounts } = input;
  if (!input.allowPrivileged) refusePrivileged(pod, c);
  const limits = c.resources?.limits ?? {};
  const sec = securityOptions(pod, c);
  const memory = memoryBytes(limits.memory);
  const cpus = nanoCpus(limits.cpu);
  return {
    name: containerName(owner.cluster, c.name, ref, attempt),
    Image: c.image,
    ...commandAndArgs(c, env),
    ...(c.workingDir ? { WorkingDir: c.workingDir } : {}),
    ...(sec.user ? { User: sec.user } : {}),
    Env: env.map((e) => `${e.name}=${e.value}`),
    Tty: !!c.tty,
    OpenStdin: !!c.stdin,
    Labels: { ...containerLabels(owner, ref, c.name, kind, attempt), [LABEL.hash]: containerHash(c) },
    HostConfig: {
      NetworkMode: `container:${sandboxId}`,
      IpcMode: `container:${sandboxId}`,
      Mounts: mounts,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      ...(memory ? { Memory: memory } : {}),
      ...(cpus ? { NanoCpus: cpus } : {}),
      ...sec.host,
    },
  };
}
