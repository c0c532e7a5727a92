// NetworkPolicy as filter-table rules, rendered from the policy model (policy-model.ts). Pure.
//
// FORWARD -> KUBELAB-NETPOL: replies and established flows pass first; a NEW packet from an egress-isolated
// pod of this node goes through that pod's KUBELAB-NPE chain, one to an ingress-isolated pod through its
// KUBELAB-NPI chain (ingress is checked on the destination's node, egress on the source's). All pod
// traffic crosses the agent (DESIGN.md §3) and nat PREROUTING runs before filter FORWARD, so these rules
// see pod IPs after Service DNAT: policies hold for ClusterIPs and Service names too.
//
// A pod chain tries each policy selecting the pod: its rules (KUBELAB-NPR chains, shared by pods whose rules
// resolve alike) set a mark bit on a match, and a RETURN with the policy's name in its comment counts the
// allowed connection. No policy allowed it: one target-less counting rule per policy ("dropped"), NFLOG (the
// agent's drop log reads group 100, prefix = the pod chain), DROP. Only NEW packets get here, so the rule
// counters are connections: `describe networkpolicy` sums them.
import { policyBlockChain, policyRuleChain } from './chain-names';
import type { RuleSource } from './model';
import type { AllowClause, Direction, IsolatedPod, PolicyModel, PolicyRuleModel, PortSet } from './policy-model';
import { comment, type TableBuffer } from './table-buffer';

export const NETPOL_CHAIN = 'KUBELAB-NETPOL';
export const NFLOG_GROUP = 100;
/** The mark bit a rule chain sets on a match (kube-proxy uses 0x4000 and 0x8000). */
export const POLICY_MARK: Record<Direction, string> = { egress: '0x10000', ingress: '0x20000' };
/** Drops are logged at most this often per pod chain; counters count every one. */
const LOG_LIMIT = '-m limit --limit 20/sec --limit-burst 50';
/**
 * Each drop goes to the reader at once (`--nflog-threshold 1`). With the kernel's default batching a message
 * waits up to a second, and on this kernel one appended while that batch was being flushed arrived with its
 * addresses and ports zeroed (a UDP drop one second after a TCP one was logged as 0.0.0.0 -> 0.0.0.0).
 */
const LOG_TARGET = `-j NFLOG --nflog-group ${NFLOG_GROUP} --nflog-threshold 1 --nflog-size 128`;

function split(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

const policySource = (policy: string): RuleSource => ({ kind: 'NetworkPolicy', ...split(policy) });
const podSource = (pod: string): RuleSource => ({ kind: 'Pod', ...split(pod) });

/** iptables' multiport takes 15 ports, a range counting as two. */
function multiportChunks(ranges: [number, number][]): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let used = 0;
  for (const [a, b] of ranges) {
    const cost = a === b ? 1 : 2;
    if (used + cost > 15) {
      out.push(cur.join(','));
      cur = [];
      used = 0;
    }
    cur.push(a === b ? String(a) : `${a}:${b}`);
    used += cost;
  }
  if (cur.length) out.push(cur.join(','));
  return out;
}

/** The protocol/port matches of one PortSet: one per multiport chunk, or the bare protocol. */
export function portMatches(ports: PortSet): string[] {
  const p = ports.protocol;
  if (ports.ranges.length === 0) return [`-p ${p}`];
  if (ports.ranges.length === 1 && p !== 'sctp') {
    const [a, b] = ports.ranges[0];
    return [`-p ${p} -m ${p} --dport ${a === b ? a : `${a}:${b}`}`];
  }
  return multiportChunks(ports.ranges).map((list) => `-p ${p} -m multiport --dports ${list}`);
}

function allPortMatches(ports: PortSet[] | undefined): string[] {
  return ports ? ports.flatMap(portMatches) : [''];
}

const join = (...parts: string[]): string => parts.filter(Boolean).join(' ');

class PolicyWriter {
  constructor(private readonly filter: TableBuffer) {}

  /** The KUBELAB-NPR chain of one resolved rule (written once however many pods share it). */
  ruleChain(policy: string, direction: Direction, rule: PolicyRuleModel): string {
    const mark = `-j MARK --set-xmark ${POLICY_MARK[direction]}/${POLICY_MARK[direction]}`;
    const peerFlag = direction === 'ingress' ? '-s' : '-d';
    const lines: string[] = [];
    const blocks: { chain: string; lines: string[] }[] = [];
    for (const c of rule.clauses) this.clauseLines(c, peerFlag, mark, direction, lines, blocks);
    const chain = policyRuleChain(`${policy}\n${direction}\n${rule.index}\n${lines.join('\n')}`);
    if (this.filter.has(chain)) return chain;
    const src = policySource(policy);
    this.filter.chain(chain);
    for (const l of lines) this.filter.rule(chain, l, src);
    for (const b of blocks) {
      if (this.filter.has(b.chain)) continue;
      this.filter.chain(b.chain);
      for (const l of b.lines) this.filter.rule(b.chain, l, src);
    }
    return chain;
  }

  private clauseLines(
    c: AllowClause,
    peerFlag: string,
    mark: string,
    direction: Direction,
    lines: string[],
    blocks: { chain: string; lines: string[] }[],
  ): void {
    const ports = allPortMatches(c.ports);
    const peer = c.peer;
    if (peer.kind === 'any') for (const pm of ports) lines.push(join(pm, mark));
    else if (peer.kind === 'pods') for (const ip of peer.ips) for (const pm of ports) lines.push(join(peerFlag, ip, pm, mark));
    else if (peer.except.length === 0) for (const pm of ports) lines.push(join(peerFlag, peer.cidr, pm, mark));
    else {
      // "cidr but not except": the exceptions RETURN first in a chain of their own.
      const body = [
        ...peer.except.map((e) => `${peerFlag} ${e} ${comment(`ipBlock except ${e}`)} -j RETURN`),
        ...ports.map((pm) => join(pm, mark)),
      ];
      const chain = policyBlockChain(`${direction}\n${body.join('\n')}`);
      blocks.push({ chain, lines: body });
      lines.push(`${peerFlag} ${peer.cidr} -j ${chain}`);
    }
  }

  podChain(iso: IsolatedPod, nflog: boolean): void {
    const f = this.filter;
    const bit = POLICY_MARK[iso.direction];
    const pod = split(iso.pod).name;
    const what = iso.direction === 'ingress' ? `ingress to ${pod}` : `egress from ${pod}`;
    const own = podSource(iso.pod);
    f.chain(iso.chain);
    // "A pod cannot block access to itself" (NetworkPolicy docs): e.g. through its own Service.
    f.rule(iso.chain, `${iso.direction === 'ingress' ? '-s' : '-d'} ${iso.ip} ${comment(`${iso.pod} to itself`)} -j RETURN`, own);
    for (const p of iso.policies) {
      const src = policySource(p.policy);
      const allowed = comment(truncate(`netpol ${p.policy} allowed ${what}`));
      if (p.rules.some((r) => r.clauses.some((c) => c.peer.kind === 'any' && !c.ports))) {
        f.rule(iso.chain, `${allowed} -j RETURN`, src);
        continue;
      }
      let jumps = 0;
      for (const rule of p.rules) {
        if (rule.clauses.length === 0) continue;
        f.rule(iso.chain, `-j ${this.ruleChain(p.policy, iso.direction, rule)}`, src);
        jumps++;
      }
      if (jumps) f.rule(iso.chain, `-m mark --mark ${bit}/${bit} ${allowed} -j RETURN`, src);
    }
    for (const p of iso.policies) f.rule(iso.chain, comment(truncate(`netpol ${p.policy} dropped ${what}`)), policySource(p.policy));
    if (nflog) f.rule(iso.chain, `${LOG_LIMIT} ${LOG_TARGET} --nflog-prefix ${iso.chain}`, own);
    f.rule(iso.chain, `${comment(`${iso.pod} isolated for ${iso.direction}: no policy allowed it`)} -j DROP`, own);
  }
}

/** iptables refuses comments past 256 characters. */
function truncate(text: string): string {
  return text.length > 250 ? text.slice(0, 250) : text;
}

/** Everything NetworkPolicy adds to the filter table (the jump from FORWARD is in iptables.ts JUMPS). */
export function writePolicies(filter: TableBuffer, m: PolicyModel, nflog = true): void {
  filter.chain(NETPOL_CHAIN);
  filter.rule(NETPOL_CHAIN, `-m conntrack --ctstate RELATED,ESTABLISHED ${comment('replies and established flows pass')} -j ACCEPT`);
  for (const iso of m.egress) filter.rule(NETPOL_CHAIN, `-s ${iso.ip} ${comment(`${iso.pod} egress`)} -j ${iso.chain}`, podSource(iso.pod));
  for (const iso of m.ingress)
    filter.rule(NETPOL_CHAIN, `-d ${iso.ip} ${comment(`${iso.pod} ingress`)} -j ${iso.chain}`, podSource(iso.pod));
  const w = new PolicyWriter(filter);
  for (const iso of [...m.egress, ...m.ingress]) w.podChain(iso, nflog);
}
