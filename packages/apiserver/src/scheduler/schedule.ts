// The scheduling decision as a pure function: filter the nodes a pod may run on (the default profile's
// NodeUnschedulable, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, PodTopologySpread and
// InterPodAffinity plugins, in that order; affinity.ts has the last three),
// then prefer the least loaded one. When nothing fits, the reason reads like kube-scheduler's FitError,
// followed by what the default preemption PostFilter says (kubelab has no priorities, so it never finds
// victims; nodes failing a filter preemption cannot fix are "not helpful"):
//   0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: },
//   2 Too many pods. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling,
//   2 No preemption victims found for incoming pod.
import { parseQuantity, type Node, type Pod, type Taint, type Toleration } from '@kubelab/api';
import { isPodActive } from '../controllers/pod-util';
import {
  hasSoftPodRules,
  interPodAffinityFilter,
  nodeAffinityFilter,
  preferenceScore,
  topologySpreadFilter,
  type ClusterView,
  type FilterResult,
} from './affinity';

export type ScheduleResult = { node: string } | { reason: string };

/** The taint a node that is not Ready carries in Kubernetes (added there by the node lifecycle controller). */
export function readinessTaint(node: Node): Taint | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  const key = ready?.status === 'Unknown' ? 'node.kubernetes.io/unreachable' : 'node.kubernetes.io/not-ready';
  return { key, effect: 'NoSchedule' };
}

/** v1helper.ToleratesTaint */
export function tolerates(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.key && t.key !== taint.key) return false;
    if (!t.key && t.operator !== 'Exists') return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

function hostPorts(pod: Pod): string[] {
  return (pod.spec.containers ?? []).flatMap((c) =>
    (c.ports ?? []).filter((p) => p.hostPort).map((p) => `${p.hostIP || '0.0.0.0'}/${p.protocol ?? 'TCP'}/${p.hostPort}`),
  );
}

function portsClash(a: string, b: string): boolean {
  const [ipA, protoA, portA] = a.split('/');
  const [ipB, protoB, portB] = b.split('/');
  return protoA === protoB && portA === portB && (ipA === ipB || ipA === '0.0.0.0' || ipB === '0.0.0.0');
}

/** Effective request of a pod: app containers summed, or the largest init container if that is more. */
export function podRequest(pod: Pod, resource: string): number {
  const req = (c: { resources?: { requests?: Record<string, string> } }): number =>
    parseQuantity(c.resources?.requests?.[resource] ?? '0') ?? 0;
  const apps = (pod.spec.containers ?? []).reduce((n, c) => n + req(c), 0);
  return Math.max(apps, ...(pod.spec.initContainers ?? []).map(req));
}

/** Why a node does not fit; `unresolvable` when evicting pods could not change that (UnschedulableAndUnresolvable). */
interface Fit {
  reasons: string[];
  unresolvable?: boolean;
}

function fitReasons(pod: Pod, node: Node, onNode: Pod[], view: () => ClusterView | undefined): Fit {
  const tolerations = pod.spec.tolerations;
  if (node.spec?.unschedulable && !tolerates(tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }))
    return { reasons: ['node(s) were unschedulable'], unresolvable: true };
  const taints = [...(node.spec?.taints ?? []).filter((t) => t.effect !== 'PreferNoSchedule')];
  const readiness = readinessTaint(node);
  if (readiness) taints.unshift(readiness);
  const untolerated = taints.find((t) => !tolerates(tolerations, t));
  if (untolerated)
    return { reasons: [`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`], unresolvable: true };
  const affinity = nodeAffinityFilter(pod, node);
  if (affinity) return asFit(affinity);
  const used = onNode.flatMap(hostPorts);
  if (hostPorts(pod).some((p) => used.some((u) => portsClash(p, u))))
    return { reasons: ["node(s) didn't have free ports for the requested pod ports"] };
  const reasons: string[] = [];
  const allocatable = node.status?.allocatable ?? {};
  const maxPods = parseQuantity(allocatable.pods ?? '');
  if (maxPods !== undefined && onNode.length + 1 > maxPods) reasons.push('Too many pods');
  for (const resource of ['cpu', 'memory']) {
    const want = podRequest(pod, resource);
    const have = parseQuantity(allocatable[resource] ?? '');
    if (!want || have === undefined) continue;
    if (onNode.reduce((n, p) => n + podRequest(p, resource), 0) + want > have) reasons.push(`Insufficient ${resource}`);
  }
  if (reasons.length) return { reasons };
  // PodTopologySpread, then InterPodAffinity: the default profile's order.
  const cluster = view();
  if (!cluster) return { reasons };
  return asFit(topologySpreadFilter(pod, node, cluster) ?? interPodAffinityFilter(pod, node, cluster));
}

function asFit(r: FilterResult): Fit {
  return r ? { reasons: [r.reason], unresolvable: r.unresolvable } : { reasons: [] };
}

/** Bound pods that carry required anti-affinity, found incrementally (usage lists only grow within a pass). */
const antiAffinityScan = new WeakMap<NodeUsage, { seen: Map<string, number>; found: boolean }>();

function anyExistingAntiAffinity(usage: NodeUsage): boolean {
  let scan = antiAffinityScan.get(usage);
  if (!scan) antiAffinityScan.set(usage, (scan = { seen: new Map(), found: false }));
  if (scan.found) return true;
  for (const [node, pods] of usage) {
    for (let i = scan.seen.get(node) ?? 0; i < pods.length; i++) {
      if (pods[i].spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length) scan.found = true;
    }
    scan.seen.set(node, pods.length);
  }
  return scan.found;
}

function needsClusterView(pod: Pod, usage: NodeUsage): boolean {
  const a = pod.spec.affinity;
  return (
    !!a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ||
    !!a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ||
    !!pod.spec.topologySpreadConstraints?.some((c) => c.whenUnsatisfiable === 'DoNotSchedule') ||
    hasSoftPodRules(pod) ||
    anyExistingAntiAffinity(usage)
  );
}

/** Namespace labels for namespaceSelector; every namespace carries its name (SetDefaults_Namespace). */
export type NamespaceLabels = (name: string) => Record<string, string> | undefined;
const nameOnly: NamespaceLabels = (name) => ({ 'kubernetes.io/metadata.name': name });

/** Bound, active pods per node name: build once per scheduling pass with `podsByNode`, then keep up to date. */
export type NodeUsage = Map<string, Pod[]>;

export function podsByNode(pods: Pod[]): NodeUsage {
  const byNode: NodeUsage = new Map();
  for (const p of pods) {
    if (!p.spec?.nodeName || !isPodActive(p)) continue;
    const list = byNode.get(p.spec.nodeName);
    if (list) list.push(p);
    else byNode.set(p.spec.nodeName, [p]);
  }
  return byNode;
}

/** "N reason, M reason" sorted as strings, as FitError's sortReasonsHistogram. */
function histogram(counts: Map<string, number>): string {
  return [...counts]
    .map(([r, n]) => `${n} ${r}`)
    .sort()
    .join(', ');
}

/** Picks a node for `pod` among `nodes`, given every pod in the cluster (bound ones count against nodes). */
export function schedule(pod: Pod, nodes: Node[], pods: Pod[]): ScheduleResult {
  return scheduleOn(pod, nodes, podsByNode(pods.filter((p) => p.metadata.uid !== pod.metadata.uid)));
}

/** `schedule` against a precomputed node usage: O(nodes) per pod, whatever the number of pods. */
export function scheduleOn(pod: Pod, nodes: Node[], usage: NodeUsage, namespaceLabels: NamespaceLabels = nameOnly): ScheduleResult {
  if (nodes.length === 0) return { reason: 'no nodes available to schedule pods' };
  // Only pods with inter-pod rules (their own or an existing pod's anti-affinity) pay for the whole-cluster view.
  let cluster: ClusterView | undefined | null = null;
  const view = (): ClusterView | undefined => {
    if (cluster !== null) return cluster;
    if (!needsClusterView(pod, usage)) return (cluster = undefined);
    const byName = new Map(nodes.map((n) => [n.metadata.name!, n]));
    const bound = [...usage].flatMap(([name, pods]) => {
      const node = byName.get(name);
      return node ? pods.map((p) => ({ pod: p, node })) : [];
    });
    return (cluster = { nodes, bound, namespaceLabels });
  };
  const counts = new Map<string, number>();
  const preemption = new Map<string, number>();
  const feasible: { node: Node; preferAvoid: number; score: number; load: number }[] = [];
  for (const node of nodes) {
    const onNode = usage.get(node.metadata.name!) ?? [];
    const fit = fitReasons(pod, node, onNode, view);
    for (const r of fit.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    if (fit.reasons.length) {
      const why = fit.unresolvable ? 'Preemption is not helpful for scheduling' : 'No preemption victims found for incoming pod';
      preemption.set(why, (preemption.get(why) ?? 0) + 1);
      continue;
    }
    const preferAvoid = (node.spec?.taints ?? []).filter(
      (t) => t.effect === 'PreferNoSchedule' && !tolerates(pod.spec.tolerations, t),
    ).length;
    feasible.push({ node, preferAvoid, score: preferenceScore(pod, node, view()), load: onNode.length });
  }
  if (!feasible.length) {
    const n = nodes.length;
    return {
      reason: `0/${n} nodes are available: ${histogram(counts)}. preemption: 0/${n} nodes are available: ${histogram(preemption)}.`,
    };
  }
  // Fewest untolerated PreferNoSchedule taints, then the soft rules' preference, then fewest pods (spread),
  // then by name for a stable choice.
  feasible.sort(
    (a, b) =>
      a.preferAvoid - b.preferAvoid || b.score - a.score || a.load - b.load || (a.node.metadata.name! < b.node.metadata.name! ? -1 : 1),
  );
  return { node: feasible[0].node.metadata.name! };
}
