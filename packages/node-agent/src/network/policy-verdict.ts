// One connection judged by a set of NetworkPolicies, from the same model the node agents render their
// iptables from (policy-model.ts), so `kubelab policy explain` / `whatif` and the kernel cannot disagree.
// A connection passes when the source is not isolated for egress or some policy selecting it allows the
// destination, AND the destination is not isolated for ingress or some policy selecting it allows the
// source (Kubernetes' NetworkPolicy semantics: both ends must allow). Pure. Exported for the CLI as
// `@kubelab/node-agent/policy-verdict` (added by the issue-15 engineer; see /work/notes/netpol.md).
import { cidrContains, type Namespace, type NetworkPolicy, type Pod } from '@kubelab/api';
import { type AllowClause, buildPolicyModel, type Direction, type IsolatedPod, type L4 } from './policy-model';

export interface PolicySet {
  policies: NetworkPolicy[];
  namespaces: Namespace[];
  pods: Pod[];
}

export interface FlowKey {
  srcIP: string;
  dstIP: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  /** Destination port after Service DNAT (the pod's port). */
  port: number;
}

export interface SideVerdict {
  direction: Direction;
  /** "ns/name" of the pod on this side, when it is a pod. */
  pod?: string;
  /** Not isolated: no policy selects the pod for this direction, everything passes. */
  isolated: boolean;
  /** Policies selecting the pod for this direction, sorted. */
  policies: string[];
  allowed: boolean;
  /** The first policy rule that allows it (policy "ns/name", index in spec.ingress / spec.egress). */
  rule?: { policy: string; index: number };
}

export interface FlowVerdict {
  allowed: boolean;
  egress: SideVerdict;
  ingress: SideVerdict;
}

function peerMatches(c: AllowClause, ip: string): boolean {
  if (c.peer.kind === 'any') return true;
  if (c.peer.kind === 'pods') return c.peer.ips.includes(ip);
  return cidrContains(c.peer.cidr, ip) && !c.peer.except.some((e) => cidrContains(e, ip));
}

function portMatches(c: AllowClause, protocol: L4, port: number): boolean {
  if (!c.ports) return true;
  return c.ports.some((p) => p.protocol === protocol && (p.ranges.length === 0 || p.ranges.some(([a, b]) => port >= a && port <= b)));
}

function side(iso: IsolatedPod | undefined, direction: Direction, pod: string | undefined, peerIP: string, f: FlowKey): SideVerdict {
  if (!iso) return { direction, pod, isolated: false, policies: [], allowed: true };
  const protocol = f.protocol.toLowerCase() as L4;
  for (const p of iso.policies)
    for (const r of p.rules)
      if (r.clauses.some((c) => peerMatches(c, peerIP) && portMatches(c, protocol, f.port)))
        return {
          direction,
          pod,
          isolated: true,
          policies: iso.policies.map((x) => x.policy),
          allowed: true,
          rule: { policy: p.policy, index: r.index },
        };
  return { direction, pod, isolated: true, policies: iso.policies.map((x) => x.policy), allowed: false };
}

const keyOf = (p: Pod): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

/** Judges many flows against one policy set; the per-node models are built once per node. */
export class PolicyJudge {
  private readonly models = new Map<string, ReturnType<typeof buildPolicyModel>>();
  private readonly byIP = new Map<string, Pod>();

  constructor(private readonly set: PolicySet) {
    for (const p of set.pods) {
      const phase = p.status?.phase;
      if (p.status?.podIP && phase !== 'Succeeded' && phase !== 'Failed') this.byIP.set(p.status.podIP, p);
    }
  }

  podAt(ip: string): Pod | undefined {
    return this.byIP.get(ip);
  }

  private isolated(pod: Pod | undefined, direction: Direction): IsolatedPod | undefined {
    const node = pod?.spec?.nodeName;
    if (!pod || !node) return undefined;
    let m = this.models.get(node);
    if (!m) this.models.set(node, (m = buildPolicyModel({ nodeName: node, ...this.set })));
    return m[direction].find((i) => i.pod === keyOf(pod));
  }

  judge(f: FlowKey): FlowVerdict {
    const src = this.podAt(f.srcIP);
    const dst = this.podAt(f.dstIP);
    const egress = side(this.isolated(src, 'egress'), 'egress', src && keyOf(src), f.dstIP, f);
    const ingress = side(this.isolated(dst, 'ingress'), 'ingress', dst && keyOf(dst), f.srcIP, f);
    return { allowed: egress.allowed && ingress.allowed, egress, ingress };
  }
}
