// What a pod may ask of its node when the cluster was created without --allow-privileged. Pure; the API server
// refuses these requests (422, `Forbidden: disallowed by cluster policy`, kube-apiserver's wording without
// --allow-privileged) and the kubelet refuses them again if one ever reaches it.
//
// Pods are untrusted: every kubelab node shares the learner's Docker engine, so anything that reaches past the
// pod's own namespaces reaches the learner's machine. NET_ADMIN and NET_RAW act only inside the pod's network
// namespace, and networking lessons need them (tc, iptables, ping, tcpdump in a pod).

/**
 * Capabilities a container may add: Docker's defaults (Pod Security "baseline"), plus those confined to the
 * pod's own network and IPC namespaces or its cgroup's limits. Everything else (SYS_ADMIN, SYS_MODULE,
 * SYS_PTRACE, DAC_READ_SEARCH, SYS_RAWIO, SYS_BOOT, SYS_TIME, MAC_ADMIN, MAC_OVERRIDE, BPF, PERFMON, SYSLOG,
 * ALL, and names Docker does not know yet) needs --allow-privileged. An allow-list, so a new kernel
 * capability is refused until someone decides it is safe.
 */
export const ALLOWED_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
  'NET_ADMIN',
  'NET_RAW',
  'NET_BROADCAST',
  'IPC_LOCK',
  'IPC_OWNER',
  'LEASE',
];

export const DISALLOWED_BY_POLICY = 'disallowed by cluster policy';

/** Docker accepts `sys_admin` and `CAP_SYS_ADMIN` for SYS_ADMIN: compare in its canonical form. */
export function canonicalCapability(name: string): string {
  return name.trim().toUpperCase().replace(/^CAP_/, '');
}

export function capabilityAllowed(name: string): boolean {
  return ALLOWED_CAPABILITIES.includes(canonicalCapability(name));
}

/** One request the cluster policy refuses: the field path and why. */
export interface PrivilegedRequest {
  field: string;
  detail: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Anything but absent or false counts as asking: `privileged: "true"` must not slip through as a string. */
function asks(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false;
}

export const HOST_NAMESPACE_FIELDS = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

/** Whether the pod spec asks for a host namespace (same rule as the API server's). */
export function hostNamespaceRequests(spec: unknown): string[] {
  return isRecord(spec) ? HOST_NAMESPACE_FIELDS.filter((k) => asks(spec[k])) : [];
}

/** Privileged mode and capabilities one container asks for; `path` is the container's field path. */
export function containerPrivilegedRequests(container: unknown, path: string): PrivilegedRequest[] {
  if (!isRecord(container) || !isRecord(container.securityContext)) return [];
  const sc = container.securityContext;
  const out: PrivilegedRequest[] = [];
  if (asks(sc.privileged)) out.push({ field: `${path}.securityContext.privileged`, detail: DISALLOWED_BY_POLICY });
  const add = isRecord(sc.capabilities) ? sc.capabilities.add : undefined;
  if (asks(add) && !Array.isArray(add)) out.push({ field: `${path}.securityContext.capabilities.add`, detail: DISALLOWED_BY_POLICY });
  if (Array.isArray(add)) {
    add.forEach((cap, i) => {
      if (typeof cap !== 'string' || !capabilityAllowed(cap))
        out.push({ field: `${path}.securityContext.capabilities.add[${i}]`, detail: DISALLOWED_BY_POLICY });
    });
  }
  return out;
}

/**
 * Everything in a pod spec that needs --allow-privileged: host namespaces, privileged containers, and
 * capabilities outside ALLOWED_CAPABILITIES, init containers included. `path` is the spec's field path
 * (`spec`, or `spec.template.spec` for Deployments and ReplicaSets).
 */
export function privilegedRequests(spec: unknown, path: string): PrivilegedRequest[] {
  if (!isRecord(spec)) return [];
  const out: PrivilegedRequest[] = [];
  for (const key of hostNamespaceRequests(spec)) out.push({ field: `${path}.${key}`, detail: DISALLOWED_BY_POLICY });
  for (const key of ['initContainers', 'containers']) {
    const list = spec[key];
    if (Array.isArray(list)) list.forEach((c, i) => out.push(...containerPrivilegedRequests(c, `${path}.${key}[${i}]`)));
  }
  return out;
}
