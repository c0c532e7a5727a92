// The scheduler's NodeAffinity, PodTopologySpread and InterPodAffinity filters (kube-scheduler's default
// profile, pkg/scheduler/framework/plugins/{nodeaffinity,podtopologyspread,interpodaffinity}), as pure
// functions of the pod, the candidate node and the pods already bound. Reasons are kube-scheduler's own
// strings, so FailedScheduling reads as in Kubernetes.
import {
  matchesSelector,
  type LabelSelector,
  type Node,
  type NodeSelectorRequirement,
  type NodeSelectorTerm,
  type Pod,
  type PodAffinityTerm,
} from '@kubelab/api';

export const reasons = {
  nodeAffinity: "node(s) didn't match Pod's node affinity/selector",
  podAffinity: "node(s) didn't match pod affinity rules",
  podAntiAffinity: "node(s) didn't match pod anti-affinity rules",
  existingAntiAffinity: "node(s) didn't satisfy existing pods anti-affinity rules",
  spread: "node(s) didn't match pod topology spread constraints",
  spreadLabel: "node(s) didn't match pod topology spread constraints (missing required label)",
} as const;

/** A filter's verdict: undefined = fits; `unresolvable` = evicting pods would not help (preemption's view). */
export type FilterResult = { reason: string; unresolvable: boolean } | undefined;

/** The view of the cluster the pod filters need: every bound, active pod with the node it is on. */
export interface ClusterView {
  nodes: Node[];
  bound: { pod: Pod; node: Node }[];
  /** Labels of a namespace, for namespaceSelector (kubernetes.io/metadata.name at least). */
  namespaceLabels(name: string): Record<string, string> | undefined;
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const have = Number.parseInt(value ?? '', 10);
      const want = Number.parseInt(values[0] ?? '', 10);
      if (!/^-?\d+$/.test(value ?? '') || Number.isNaN(want)) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** One NodeSelectorTerm: its expressions and fields ANDed; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return (
    exprs.every((r) => requirementMatches(r, labels[r.key])) &&
    fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.metadata.name))
  );
}

/** nodeSelector AND required node affinity (its terms ORed), as nodeaffinity.GetRequiredNodeAffinity. */
export function matchesNodeSelection(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(pod.spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, node));
}

export function nodeAffinityFilter(pod: Pod, node: Node): FilterResult {
  return matchesNodeSelection(pod, node) ? undefined : { reason: reasons.nodeAffinity, unresolvable: true };
}

// A nil selector matches no pods (metav1.LabelSelectorAsSelector(nil) is labels.Nothing()); {} matches all.
function selects(sel: LabelSelector | null | undefined, pod: Pod): boolean {
  return sel !== undefined && sel !== null && matchesSelector(sel, pod.metadata.labels);
}

/** AffinityTerm.Matches: the term's namespaces (default: the owner's) and its label selector. */
function termMatches(term: PodAffinityTerm, owner: Pod, candidate: Pod, view: ClusterView): boolean {
  const ns = candidate.metadata.namespace ?? 'default';
  const listed = term.namespaces ?? [];
  const bySelector = term.namespaceSelector;
  let inNamespace: boolean;
  if (listed.length === 0 && (bySelector === undefined || bySelector === null))
    inNamespace = ns === (owner.metadata.namespace ?? 'default');
  else inNamespace = listed.includes(ns) || (!!bySelector && matchesSelector(bySelector, view.namespaceLabels(ns) ?? {}));
  return inNamespace && selects(term.labelSelector, candidate);
}

function active(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

/** The plugin's order: the pod's affinity, its anti-affinity, then existing pods' anti-affinity against it. */
export function interPodAffinityFilter(pod: Pod, node: Node, view: ClusterView): FilterResult {
  const labels = node.metadata.labels ?? {};
  const others = view.bound.filter((b) => b.pod.metadata.uid !== pod.metadata.uid && active(b.pod));
  const affinity = pod.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  if (affinity.length) {
    if (affinity.some((t) => labels[t.topologyKey] === undefined)) return { reason: reasons.podAffinity, unresolvable: true };
    const matchingAll = others.filter((o) => affinity.every((t) => termMatches(t, pod, o.pod, view)));
    const satisfied = affinity.every((t) => matchingAll.some((o) => o.node.metadata.labels?.[t.topologyKey] === labels[t.topologyKey]));
    // The first pod of a group with affinity to itself may go anywhere its topologies exist.
    const first = matchingAll.length === 0 && affinity.every((t) => termMatches(t, pod, pod, view));
    if (!satisfied && !first) return { reason: reasons.podAffinity, unresolvable: true };
  }
  for (const term of pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
    const value = labels[term.topologyKey];
    if (value === undefined) continue;
    const clash = others.some((o) => o.node.metadata.labels?.[term.topologyKey] === value && termMatches(term, pod, o.pod, view));
    if (clash) return { reason: reasons.podAntiAffinity, unresolvable: false };
  }
  // Then existing pods' required anti-affinity that the incoming pod matches, in the candidate's domain.
  for (const { pod: existing, node: where } of others) {
    for (const term of existing.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const value = where.metadata.labels?.[term.topologyKey];
      if (value === undefined || labels[term.topologyKey] !== value) continue;
      if (termMatches(term, existing, pod, view)) return { reason: reasons.existingAntiAffinity, unresolvable: false };
    }
  }
  return undefined;
}

/**
 * PodTopologySpread's filter for the DoNotSchedule constraints: a node must carry every topology key, and
 * placing the pod there must keep (matching pods in its domain + 1) - (fewest in any eligible domain) within
 * maxSkew. Eligible domains are those of nodes that pass the pod's node selection (nodeAffinityPolicy Honor,
 * the default) and carry all the keys.
 */
export function topologySpreadFilter(pod: Pod, node: Node, view: ClusterView): FilterResult {
  const constraints = (pod.spec.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
  if (constraints.length === 0) return undefined;
  const labels = node.metadata.labels ?? {};
  if (constraints.some((c) => labels[c.topologyKey] === undefined)) return { reason: reasons.spreadLabel, unresolvable: true };
  const ns = pod.metadata.namespace ?? 'default';
  for (const c of constraints) {
    const eligible = view.nodes.filter(
      (n) =>
        constraints.every((k) => n.metadata.labels?.[k.topologyKey] !== undefined) &&
        ((c.nodeAffinityPolicy ?? 'Honor') === 'Ignore' || matchesNodeSelection(pod, n)),
    );
    // matchLabelKeys: the pod's own values for those keys join the selector.
    const extra = Object.fromEntries(
      (c.matchLabelKeys ?? []).flatMap((k) => (pod.metadata.labels?.[k] !== undefined ? [[k, pod.metadata.labels[k]]] : [])),
    );
    const selector: LabelSelector | null | undefined = c.labelSelector
      ? { ...c.labelSelector, matchLabels: { ...c.labelSelector.matchLabels, ...extra } }
      : c.labelSelector;
    const counts = new Map<string, number>();
    for (const n of eligible) counts.set(n.metadata.labels![c.topologyKey], 0);
    const eligibleNames = new Set(eligible.map((n) => n.metadata.name));
    for (const { pod: p, node: where } of view.bound) {
      if (p.metadata.uid === pod.metadata.uid || !active(p) || (p.metadata.namespace ?? 'default') !== ns) continue;
      if (!eligibleNames.has(where.metadata.name) || !selects(selector, p)) continue;
      const domain = where.metadata.labels![c.topologyKey];
      counts.set(domain, (counts.get(domain) ?? 0) + 1);
    }
    const min = counts.size < (c.minDomains ?? 1) ? 0 : Math.min(...counts.values());
    const self = selects(selector, pod) ? 1 : 0;
    const skew = (counts.get(labels[c.topologyKey]) ?? 0) + self - min;
    if (skew > c.maxSkew) return { reason: reasons.spread, unresolvable: false };
  }
  return undefined;
}

/**
 * The preference among feasible nodes from the soft rules: preferred node affinity weights (NodeAffinity
 * score), preferred pod affinity (+weight) and anti-affinity (-weight) per matching pod in the node's domain
 * (InterPodAffinity score), and ScheduleAnyway spread constraints (fewer matching pods in the domain is
 * better). kube-scheduler normalises each plugin to 0-100 before summing; this keeps each rule's direction and
 * relative weight, which is what decides a lab-sized cluster.
 */
export function preferenceScore(pod: Pod, node: Node, view: ClusterView | undefined): number {
  let score = 0;
  for (const p of pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (nodeSelectorTermMatches(p.preference, node)) score += p.weight;
  }
  if (!view) return score;
  const labels = node.metadata.labels ?? {};
  const others = view.bound.filter((b) => b.pod.metadata.uid !== pod.metadata.uid && active(b.pod));
  const sameDomain = (key: string, where: Node): boolean => labels[key] !== undefined && where.metadata.labels?.[key] === labels[key];
  for (const [terms, sign] of [
    [pod.spec.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution, 1],
    [pod.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution, -1],
  ] as const) {
    for (const { weight, podAffinityTerm: term } of terms ?? []) {
      const n = others.filter((o) => sameDomain(term.topologyKey, o.node) && termMatches(term, pod, o.pod, view)).length;
      score += sign * weight * n;
    }
  }
  for (const c of pod.spec.topologySpreadConstraints ?? []) {
    if (c.whenUnsatisfiable !== 'ScheduleAnyway') continue;
    const ns = pod.metadata.namespace ?? 'default';
    score -= others.filter(
      (o) => (o.pod.metadata.namespace ?? 'default') === ns && sameDomain(c.topologyKey, o.node) && selects(c.labelSelector, o.pod),
    ).length;
  }
  return score;
}

/** Whether the pod has soft inter-pod rules or soft spread, which need the whole-cluster view to score. */
export function hasSoftPodRules(pod: Pod): boolean {
  const a = pod.spec.affinity;
  return (
    !!a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ||
    !!a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ||
    !!pod.spec.topologySpreadConstraints?.some((c) => c.whenUnsatisfiable === 'ScheduleAnyway')
  );
}
