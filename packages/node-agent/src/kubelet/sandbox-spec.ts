// The pause (sandbox) container: owner of the pod's network and IPC namespaces (DESIGN.md §3). Pure.
// Its script makes the node agent every packet's next hop (Calico style): a link route to the agent, the
// default route via the agent, and no subnet route, so even same-node pod traffic crosses the agent, where
// service NAT and network policy apply. Then it writes resolv.conf and hosts (shared with every container
// that joins its network namespace), drops a ready marker and waits, reaping children, until SIGTERM.
import type Docker from 'dockerode';
import type { Pod } from '@kubelab/api';
import { containerLabels, LABEL, PAUSE_NAME, sandboxName, type OwnerLabels, type PodRef } from './names';

export const SANDBOX_READY_FILE = '/run/kubelab-sandbox-ready';

export interface SandboxSpecInput {
  owner: OwnerLabels;
  ref: PodRef;
  pod: Pod;
  image: string;
  network: string;
  podIp: string;
  podCidr: string;
  agentIp: string;
  attempt: number;
  clusterDns: string;
  clusterDomain: string;
  mounts: Docker.MountSettings[];
}

interface DnsConfig {
  nameservers?: string[];
  searches?: string[];
  options?: { name: string; value?: string }[];
}

/** spec.hostname or the pod name, cut to a 63-character DNS label as the kubelet does. */
export function podHostname(pod: Pod): string {
  const name = pod.spec.hostname || pod.metadata.name || 'pod';
  return name.length > 63 ? name.slice(0, 63).replace(/[-.]+$/, '') : name;
}

/** resolv.conf per dnsPolicy; undefined = keep Docker's (dnsPolicy Default: the node's resolver). */
export function resolvConf(pod: Pod, clusterDns: string, clusterDomain: string): string | undefined {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const cfg = (pod.spec.dnsConfig ?? {}) as DnsConfig;
  const ns = pod.metadata.namespace ?? 'default';
  let nameservers: string[] = [];
  let searches: string[] = [];
  let options: { name: string; value?: string }[] = [];
  if (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') {
    nameservers = [clusterDns];
    searches = [`${ns}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain];
    options = [{ name: 'ndots', value: '5' }];
  } else if (policy !== 'None' && !cfg.nameservers && !cfg.searches && !cfg.options) {
    return undefined;
  }
  nameservers = [...new Set([...nameservers, ...(cfg.nameservers ?? [])])];
  searches = [...new Set([...searches, ...(cfg.searches ?? [])])];
  for (const o of cfg.options ?? []) options = [...options.filter((x) => x.name !== o.name), o];
  const lines = [
    ...(searches.length ? [`search ${searches.join(' ')}`] : []),
    ...nameservers.map((n) => `nameserver ${n}`),
    ...(options.length ? [`options ${options.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`)).join(' ')}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** The kubelet's managed hosts file, including subdomain FQDNs. */
export function hostsFile(pod: Pod, podIp: string, clusterDomain: string): string {
  const host = podHostname(pod);
  const sub = pod.spec.subdomain as string | undefined;
  const names = sub ? `${host}.${sub}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}\t${host}` : host;
  const extra = ((pod.spec.hostAliases ?? []) as { ip: string; hostnames?: string[] }[])
    .map((a) => `${a.ip}\t${(a.hostnames ?? []).join('\t')}`)
    .join('\n');
  return `${[
    '# Kubernetes-managed hosts file (kubelab).',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    `${podIp}\t${names}`,
    ...(extra ? ['', '# Entries added by HostAliases.', extra] : []),
  ].join('\n')}\n`;
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function sandboxScript(
  input: Pick<SandboxSpecInput, 'pod' | 'podIp' | 'podCidr' | 'agentIp' | 'clusterDns' | 'clusterDomain'>,
): string {
  const { pod, podIp, podCidr, agentIp } = input;
  const resolv = resolvConf(pod, input.clusterDns, input.clusterDomain);
  return [
    'set -eu',
    // Find the interface by address: Docker names it, we never assume eth0.
    `set -- $(ip -o -4 addr show to ${podIp}/32)`,
    `[ -n "\${2:-}" ] || { echo "kubelab pause: no interface holds ${podIp}" >&2; exit 1; }`,
    'dev="${2%%@*}"',
    `ip route replace ${agentIp} dev "$dev" scope link`,
    `ip route replace default via ${agentIp} dev "$dev"`,
    `ip route del ${podCidr} dev "$dev"`,
    ...(resolv ? [`printf '%s' ${shellQuote(resolv)} > /etc/resolv.conf`] : []),
    `printf '%s' ${shellQuote(hostsFile(pod, podIp, input.clusterDomain))} > /etc/hosts`,
    `mkdir -p ${SANDBOX_READY_FILE.replace(/\/[^/]+$/, '')} && touch ${SANDBOX_READY_FILE}`,
    "trap 'exit 0' TERM INT",
    // A shell as PID 1 reaps whatever gets reparented to it; `wait` returns at once on SIGTERM.
    'sleep infinity & wait',
  ].join('\n');
}

export function buildSandboxSpec(input: SandboxSpecInput): Docker.ContainerCreateOptions {
  const { owner, ref, pod, attempt } = input;
  return {
    name: sandboxName(owner.cluster, ref, attempt),
    Image: input.image,
    Hostname: podHostname(pod),
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [sandboxScript(input)],
    Labels: { ...containerLabels(owner, ref, PAUSE_NAME, 'pause', attempt), [LABEL.podIp]: input.podIp },
    HostConfig: {
      NetworkMode: input.network,
      CapAdd: ['NET_ADMIN'],
      IpcMode: 'shareable',
      Mounts: input.mounts,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    },
    NetworkingConfig: { EndpointsConfig: { [input.network]: { IPAMConfig: { IPv4Address: input.podIp } } } },
  };
}
