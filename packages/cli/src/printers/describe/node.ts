// describe for Nodes and Namespaces (kubectl describe.go describeNode, describeNamespace).
import type { Event, KubeObject, Namespace, Node, Pod } from '@kubelab/api';
import { nodeRoles } from '../table';
import { PrefixWriter } from '../tabwriter';
import { annotationsMultiline, eventsSection, labelsMultiline, rfc1123z, since, type DescribeContext } from './common';

/** Resource names in kubectl's order: cpu, memory, ephemeral-storage, then the rest alphabetically. */
function sortedResourceNames(list: Record<string, string>): string[] {
  const rank = (k: string): number => ['cpu', 'memory', 'ephemeral-storage'].indexOf(k);
  return Object.keys(list).sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    if (ra >= 0 || rb >= 0) return (ra < 0 ? 99 : ra) - (rb < 0 ? 99 : rb);
    return a < b ? -1 : 1;
  });
}

export function describeNode(
  node: Node,
  pods: Pod[] | undefined,
  events: Event[] | undefined,
  ctx: DescribeContext,
  lease?: KubeObject | null,
): string {
  const w = new PrefixWriter();
  const st = node.status ?? {};
  w.write(0, `Name:\t${node.metadata.name}\n`);
  w.write(0, `Roles:\t${nodeRoles(node)}\n`);
  labelsMultiline(w, 'Labels', node.metadata.labels);
  annotationsMultiline(w, 'Annotations', node.metadata.annotations);
  w.write(0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp, ctx)}\n`);
  const taints = node.spec?.taints ?? [];
  if (taints.length === 0) w.write(0, 'Taints:\t<none>\n');
  else taints.forEach((t, i) => w.write(0, `${i === 0 ? 'Taints:' : ''}\t${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}\n`));
  w.write(0, `Unschedulable:\t${node.spec?.unschedulable === true}\n`);
  // kubectl's describeNode: the node's heartbeat Lease, `<unset>` for missing times, "Failed to get lease" if none.
  if (lease) {
    const spec = (lease.spec ?? {}) as { holderIdentity?: string; acquireTime?: string; renewTime?: string };
    const time = (t: string | undefined): string => (t ? rfc1123z(t, ctx) : '<unset>');
    w.write(0, 'Lease:\n');
    w.write(1, `HolderIdentity:\t${spec.holderIdentity ?? '<unset>'}\n`);
    w.write(1, `AcquireTime:\t${time(spec.acquireTime)}\n`);
    w.write(1, `RenewTime:\t${time(spec.renewTime)}\n`);
  } else if (lease === null) w.write(0, `Lease:\tFailed to get lease: leases.coordination.k8s.io "${node.metadata.name}" not found\n`);
  if (st.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of st.conditions) {
      w.write(
        1,
        `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime, ctx)} \t${rfc1123z(c.lastTransitionTime, ctx)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`,
      );
    }
  }
  w.write(0, 'Addresses:\n');
  for (const a of st.addresses ?? []) w.write(1, `${a.type}:\t${a.address}\n`);
  for (const [title, list] of [
    ['Capacity', st.capacity],
    ['Allocatable', st.allocatable],
  ] as const) {
    if (!list || Object.keys(list).length === 0) continue;
    w.write(0, `${title}:\n`);
    for (const k of sortedResourceNames(list)) w.write(0, `  ${k}:\t${list[k]}\n`);
  }
  const info = st.nodeInfo;
  w.write(0, 'System Info:\n');
  w.write(0, `  Machine ID:\t${info?.machineID ?? ''}\n`);
  w.write(0, `  System UUID:\t${info?.systemUUID ?? ''}\n`);
  w.write(0, `  Boot ID:\t${info?.bootID ?? ''}\n`);
  w.write(0, `  Kernel Version:\t${info?.kernelVersion ?? ''}\n`);
  w.write(0, `  OS Image:\t${info?.osImage ?? ''}\n`);
  w.write(0, `  Operating System:\t${info?.operatingSystem ?? ''}\n`);
  w.write(0, `  Architecture:\t${info?.architecture ?? ''}\n`);
  w.write(0, `  Container Runtime Version:\t${info?.containerRuntimeVersion ?? ''}\n`);
  w.write(0, `  Kubelet Version:\t${info?.kubeletVersion ?? ''}\n`);
  w.write(0, `  Kube-Proxy Version:\t${info?.kubeProxyVersion ?? ''}\n`);
  if (node.spec?.podCIDR) w.write(0, `PodCIDR:\t${node.spec.podCIDR}\n`);
  if (node.spec?.podCIDRs?.length) w.write(0, `PodCIDRs:\t${node.spec.podCIDRs.join(',')}\n`);
  if (pods) {
    // kubectl adds CPU/memory request and limit columns; kubelab does not account resources, so they are left out.
    const running = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    w.write(0, `Non-terminated Pods:\t(${running.length} in total)\n`);
    if (running.length) {
      w.write(1, 'Namespace\tName\tAge\n');
      w.write(1, '---------\t----\t---\n');
      for (const p of running) w.write(1, `${p.metadata.namespace}\t${p.metadata.name}\t${since(p.metadata.creationTimestamp, ctx.now)}\n`);
    }
  }
  eventsSection(w, events, ctx);
  return w.toString();
}

export function describeNamespace(ns: Namespace): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${ns.metadata.name}\n`);
  labelsMultiline(w, 'Labels', ns.metadata.labels);
  annotationsMultiline(w, 'Annotations', ns.metadata.annotations);
  w.write(0, `Status:\t${ns.status?.phase ?? ''}\n`);
  // kubelab has neither quotas nor limit ranges; kubectl prints the same lines when a namespace has none.
  w.write(0, '\nNo resource quota.\n\nNo LimitRange resource.\n');
  return w.toString();
}

/** Describers for kinds without a dedicated layout: identity, labels, annotations, then events. */
export function describeGeneric(obj: KubeObject, events: Event[] | undefined, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${obj.metadata.name}\n`);
  if (obj.metadata.namespace) w.write(0, `Namespace:\t${obj.metadata.namespace}\n`);
  labelsMultiline(w, 'Labels', obj.metadata.labels);
  annotationsMultiline(w, 'Annotations', obj.metadata.annotations);
  w.write(0, `API Version:\t${obj.apiVersion}\n`);
  w.write(0, `Kind:\t${obj.kind}\n`);
  w.write(0, `CreationTimestamp:\t${rfc1123z(obj.metadata.creationTimestamp, ctx)}\n`);
  eventsSection(w, events, ctx);
  return w.toString();
}
