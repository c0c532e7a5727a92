// The NetworkPolicy part of the node's network model (DESIGN.md §3): for every pod on this node that some
// policy isolates, per direction, the policies that select it and, per rule, what they allow, with every
// selector already resolved to pod IPs and every named port to a number. Pure: NetworkPolicies, Namespaces
// and Pods in, a model out; policy-rules.ts renders it. Semantics from the Kubernetes NetworkPolicy
// documentation: a pod is isolated for a direction when a policy selecting it has that policy type; then only
// what some such policy allows passes; `from`/`to` entries OR, the selectors inside one entry AND; ingress
// named ports resolve on the pod itself, egress named ports on each destination pod.
import {
  matchesRequirements,
  namespaceNameLabel,
  selectorToRequirements,
  policyDirections,
  type IPBlock,
  type LabelSelector,
  type Namespace,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type Pod,
} from '@kubelab/api';
import { podPolicyChain } from './chain-names';

export type Direction = 'ingress' | 'egress';
export type L4 = 'tcp' | 'udp' | 'sctp';

/** One protocol's ports: `ranges` empty = every port of the protocol. Ranges as [from, to], sorted. */
export interface PortSet {
  protocol: L4;
  ranges: [number, number][];
}

/** Who a clause allows: any address, a set of pod IPs, or a CIDR minus its exceptions. */
export type PeerMatch = { kind: 'any' } | { kind: 'pods'; ips: string[] } | { kind: 'cidr'; cidr: string; except: string[] };

/** One allowed (peer, ports) pair; `ports` undefined = every protocol and port. */
export interface AllowClause {
  peer: PeerMatch;
  ports?: PortSet[];
}

export interface PolicyRuleModel {
  /** Index of the rule in spec.ingress / spec.egress. */
  index: number;
  clauses: AllowClause[];
}

export interface PodPolicyModel {
  /** "ns/name". */
  policy: string;
  rules: PolicyRuleModel[];
}

/** One isolated pod of this node in one direction. */
export interface IsolatedPod {
  /** "ns/name". */
  pod: string;
  ip: string;
  direction: Direction;
  chain: string;
  /** The policies selecting it for this direction, by name (none of them allowing = drop). */
  policies: PodPolicyModel[];
}

export interface PolicyModel {
  /** Pods of this node isolated for egress, then for ingress, each sorted by "ns/name". */
  egress: IsolatedPod[];
  ingress: IsolatedPod[];
  /** Every pod IP the cluster knows -> "ns/name", for naming the ends of a dropped packet. */
  podsByIP: Map<string, string>;
}

export interface PolicyInput {
  nodeName: string;
  policies: NetworkPolicy[];
  namespaces: Namespace[];
  /** Every pod of the cluster (peers), this node's included (targets). */
  pods: Pod[];
  /** IPs this node's kubelet has given sandboxes whose status does not say so yet, by pod "ns/name". */
  localIPs?: Map<string, string>;
}

interface PodView {
  key: string;
  namespace: string;
  ip: string;
  ipNum: number;
  labels: Record<string, string>;
  local: boolean;
  pod: Pod;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const keyOf = (o: { metadata: { namespace?: string; name?: string } }): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}
const byIP = (a: string, b: string): number => ipToNumber(a) - ipToNumber(b);

// Selectors are matched against every pod each sync: their requirements are worked out once per object.
const compiled = new WeakMap<LabelSelector, ReturnType<typeof selectorToRequirements>>();
function matches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  let reqs = compiled.get(sel);
  if (!reqs) compiled.set(sel, (reqs = selectorToRequirements(sel)));
  return matchesRequirements(reqs, labels);
}

function views(input: PolicyInput): PodView[] {
  const out: PodView[] = [];
  for (const pod of input.pods) {
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const key = keyOf(pod);
    const local = pod.spec?.nodeName === input.nodeName;
    const ip = (local ? input.localIPs?.get(key) : undefined) ?? pod.status?.podIP;
    if (!ip || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) continue;
    out.push({
      key,
      namespace: pod.metadata.namespace ?? 'default',
      ip,
      ipNum: ipToNumber(ip),
      labels: pod.metadata.labels ?? {},
      local,
      pod,
    });
  }
  return out.sort((a, b) => cmp(a.key, b.key));
}

/** A container port of `pod` named `name` with protocol `protocol` (TCP, UDP, SCTP). */
function namedPort(pod: Pod, name: string, protocol: string): number | undefined {
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])])
    for (const p of c.ports ?? []) if (p.name === name && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  return undefined;
}

/** Ports of a rule as PortSets; named ports resolved against `pod` (skipped when it has none by that name). */
function resolvePorts(ports: NetworkPolicyPort[], pod: Pod | undefined): PortSet[] {
  const whole = new Set<L4>();
  const ranges = new Map<L4, [number, number][]>();
  for (const p of ports) {
    const protocol = (p.protocol ?? 'TCP').toLowerCase() as L4;
    if (p.port === undefined || p.port === null) {
      whole.add(protocol);
      continue;
    }
    let range: [number, number];
    if (typeof p.port === 'number') range = [p.port, p.endPort ?? p.port];
    else {
      const n = pod ? namedPort(pod, p.port, p.protocol ?? 'TCP') : undefined;
      if (n === undefined) continue;
      range = [n, n];
    }
    ranges.set(protocol, [...(ranges.get(protocol) ?? []), range]);
  }
  const protocols = [...new Set([...whole, ...ranges.keys()])].sort(cmp);
  // A "whole protocol" entry wins over ranges of the same protocol.
  return protocols.map((protocol) => ({ protocol, ranges: whole.has(protocol) ? [] : mergeRanges(ranges.get(protocol) ?? []) }));
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

class Resolver {
  private readonly nsLabels = new Map<string, Record<string, string>>();

  constructor(
    namespaces: Namespace[],
    readonly pods: PodView[],
  ) {
    for (const ns of namespaces) this.nsLabels.set(ns.metadata.name ?? '', ns.metadata.labels ?? {});
  }

  private labelsOf(ns: string): Record<string, string> {
    return this.nsLabels.get(ns) ?? { [namespaceNameLabel]: ns };
  }

  /** The pods a podSelector / namespaceSelector peer of a policy in `policyNs` stands for. */
  peerPods(peer: NetworkPolicyPeer, policyNs: string): PodView[] {
    return this.pods.filter((p) => {
      if (peer.namespaceSelector) {
        if (!matches(peer.namespaceSelector, this.labelsOf(p.namespace))) return false;
      } else if (p.namespace !== policyNs) return false;
      return matches(peer.podSelector, p.labels);
    });
  }
}

function ipsOf(pods: PodView[]): string[] {
  const sorted = [...pods].sort((a, b) => a.ipNum - b.ipNum);
  return sorted.filter((p, i) => i === 0 || p.ip !== sorted[i - 1].ip).map((p) => p.ip);
}

function cidrPeer(b: IPBlock): PeerMatch {
  return { kind: 'cidr', cidr: b.cidr, except: [...(b.except ?? [])] };
}

/** The peers of one ingress rule (they do not depend on the selected pod). */
function ingressPeers(rule: { from?: NetworkPolicyPeer[] }, policyNs: string, r: Resolver): PeerMatch[] {
  const peers = rule.from?.length ? rule.from.map((p) => peerMatch(p, policyNs, r)) : [{ kind: 'any' } as PeerMatch];
  return peers.filter((p) => p.kind !== 'pods' || p.ips.length > 0);
}

/** Clauses of one ingress rule for target pod `target`: named ports resolve on it. */
function ingressClauses(rule: { ports?: NetworkPolicyPort[] }, peers: PeerMatch[], target: PodView): AllowClause[] {
  const ports = rule.ports?.length ? resolvePorts(rule.ports, target.pod) : undefined;
  if (ports && ports.length === 0) return []; // only named ports this pod does not have: allows nothing
  return peers.map((peer) => (ports ? { peer, ports } : { peer }));
}

function peerMatch(p: NetworkPolicyPeer, policyNs: string, r: Resolver): PeerMatch {
  return p.ipBlock ? cidrPeer(p.ipBlock) : { kind: 'pods', ips: ipsOf(r.peerPods(p, policyNs)) };
}

/** Clauses of one egress rule: numeric ports for every peer; named ports per destination pod. */
function egressClauses(rule: { ports?: NetworkPolicyPort[]; to?: NetworkPolicyPeer[] }, policyNs: string, r: Resolver): AllowClause[] {
  const all = rule.ports ?? [];
  const named = all.filter((p) => typeof p.port === 'string');
  const numeric = all.filter((p) => typeof p.port !== 'string');
  const peers = rule.to?.length ? rule.to : undefined;
  const out: AllowClause[] = [];
  if (all.length === 0 || numeric.length > 0) {
    const ports = all.length ? resolvePorts(numeric, undefined) : undefined;
    const list = peers ? peers.map((p) => peerMatch(p, policyNs, r)) : [{ kind: 'any' } as PeerMatch];
    for (const peer of list) if (peer.kind !== 'pods' || peer.ips.length) out.push(ports ? { peer, ports } : { peer });
  }
  if (named.length > 0) {
    // Named ports only mean something on pods: group the destination pods by what the names resolve to.
    const dests = peers ? peers.filter((p) => !p.ipBlock).flatMap((p) => r.peerPods(p, policyNs)) : r.pods;
    const groups = new Map<string, { ports: PortSet[]; ips: Set<string> }>();
    for (const d of dests) {
      const ports = resolvePorts(named, d.pod);
      if (ports.length === 0) continue;
      const key = JSON.stringify(ports);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ports, ips: new Set() }));
      g.ips.add(d.ip);
    }
    for (const key of [...groups.keys()].sort()) {
      const g = groups.get(key)!;
      out.push({ peer: { kind: 'pods', ips: [...g.ips].sort(byIP) }, ports: g.ports });
    }
  }
  return out;
}

export function buildPolicyModel(input: PolicyInput): PolicyModel {
  const pods = views(input);
  const r = new Resolver(input.namespaces, pods);
  const podsByIP = new Map(pods.map((p) => [p.ip, p.key]));
  const local = pods.filter((p) => p.local);
  const policies = [...input.policies].sort((a, b) => cmp(keyOf(a), keyOf(b)));
  const found: Record<Direction, Map<string, IsolatedPod>> = { ingress: new Map(), egress: new Map() };
  // Egress clauses and ingress peers do not depend on the selected pod: resolved once per policy rule.
  const egressCache = new Map<string, AllowClause[]>();
  const ingressCache = new Map<string, PeerMatch[]>();
  for (const np of policies) {
    const ns = np.metadata.namespace ?? 'default';
    const name = keyOf(np);
    const dirs = policyDirections(np);
    const selected = local.filter((p) => p.namespace === ns && matches(np.spec?.podSelector ?? {}, p.labels));
    for (const target of selected) {
      for (const direction of ['ingress', 'egress'] as Direction[]) {
        if (!dirs[direction]) continue;
        let iso = found[direction].get(target.key);
        if (!iso)
          found[direction].set(
            target.key,
            (iso = { pod: target.key, ip: target.ip, direction, chain: podPolicyChain(target.key, direction), policies: [] }),
          );
        const rules: PolicyRuleModel[] =
          direction === 'ingress'
            ? (np.spec.ingress ?? []).map((rule, index) => {
                const k = `${name}#${index}`;
                let peers = ingressCache.get(k);
                if (!peers) ingressCache.set(k, (peers = ingressPeers(rule, ns, r)));
                return { index, clauses: ingressClauses(rule, peers, target) };
              })
            : (np.spec.egress ?? []).map((rule, index) => {
                const k = `${name}#${index}`;
                let clauses = egressCache.get(k);
                if (!clauses) egressCache.set(k, (clauses = egressClauses(rule, ns, r)));
                return { index, clauses };
              });
        iso.policies.push({ policy: name, rules });
      }
    }
  }
  const sorted = (m: Map<string, IsolatedPod>) => [...m.values()].sort((a, b) => cmp(a.pod, b.pod));
  return { egress: sorted(found.egress), ingress: sorted(found.ingress), podsByIP };
}
