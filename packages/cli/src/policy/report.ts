// What `kubelab policy explain` and `whatif` print, from verdicts of the node agents' own policy model
// (@kubelab/node-agent/policy-verdict). Pure.
import type { NetworkPolicy } from '@kubelab/api';
import type { FlowVerdict, PolicySet, SideVerdict } from '@kubelab/node-agent/policy-verdict';
import { PolicyJudge } from '@kubelab/node-agent/policy-verdict';
import { type Flow, flowKey } from './flows';

const keyOf = (np: NetworkPolicy): string => `${np.metadata.namespace ?? 'default'}/${np.metadata.name}`;

/** "ns/name spec.ingress[0]" for the rule that allowed a side. */
export function ruleName(s: SideVerdict): string {
  return s.rule ? `${s.rule.policy} spec.${s.direction}[${s.rule.index}]` : '';
}

/** Who decided: the rule that allowed it, or the default deny of the isolated side that refused it. */
export function decidedBy(v: FlowVerdict): string {
  const denied = [v.egress, v.ingress].find((s) => !s.allowed);
  if (denied) return `default deny: ${denied.direction} of ${denied.pod} (selected by ${denied.policies.join(', ')}; no rule allows it)`;
  const rules = [v.egress, v.ingress].filter((s) => s.rule).map(ruleName);
  return rules.length ? rules.join(' + ') : 'no policy selects either end';
}

function sideLines(s: SideVerdict, policies: Map<string, NetworkPolicy>): string[] {
  const what = s.direction === 'egress' ? `Egress from ${s.pod ?? 'a non-pod address'}` : `Ingress to ${s.pod ?? 'a non-pod address'}`;
  if (!s.pod) return [`${what}: not subject to NetworkPolicy (policies select pods only): allowed`];
  if (!s.isolated) return [`${what}: not isolated (no NetworkPolicy selects ${s.pod} for ${s.direction}): allowed`];
  const lines = [`${what}: isolated, selected by ${s.policies.join(', ')}`];
  if (s.rule) {
    const np = policies.get(s.rule.policy);
    const rule = (np?.spec[s.direction] as unknown[] | undefined)?.[s.rule.index];
    lines.push(`  allowed by ${ruleName(s)}: ${JSON.stringify(rule ?? {})}`);
  } else {
    lines.push(
      `  DENIED: no ${s.direction} rule of ${s.policies.join(', ')} matches; a pod selected for ${s.direction} accepts only what some rule allows (default deny)`,
    );
  }
  return lines;
}

export function explainLines(set: PolicySet, flow: Flow): string[] {
  const judge = new PolicyJudge(set);
  const v = judge.judge(flow);
  const policies = new Map(set.policies.map((np) => [keyOf(np), np]));
  const end = (ip: string, name?: string) => (name ? `${name} (${ip})` : ip);
  return [
    `Connection: ${end(flow.srcIP, flow.src)} -> ${end(flow.dstIP, flow.dst)} ${flow.protocol}/${flow.port}`,
    ...sideLines(v.egress, policies),
    ...sideLines(v.ingress, policies),
    `Verdict: ${v.allowed ? 'ALLOWED' : 'DENIED'} (${decidedBy(v)})`,
  ];
}

/** The set after `kubectl apply` of `proposed` (same namespace/name replaces), minus `deleted` ("ns/name"). */
export function proposedSet(current: PolicySet, proposed: NetworkPolicy[], deleted: string[] = []): PolicySet {
  const byKey = new Map(current.policies.map((np) => [keyOf(np), np]));
  for (const d of deleted) byKey.delete(d);
  for (const np of proposed) byKey.set(keyOf(np), { ...np, metadata: { ...np.metadata, namespace: np.metadata.namespace ?? 'default' } });
  return { ...current, policies: [...byKey.values()] };
}

export interface WhatIfRow {
  flow: Flow;
  before: FlowVerdict;
  after: FlowVerdict;
}

/** Flows whose verdict differs between the two sets. */
export function whatIf(before: PolicySet, after: PolicySet, flows: Flow[]): { judged: number; changed: WhatIfRow[] } {
  const a = new PolicyJudge(before);
  const b = new PolicyJudge(after);
  const changed: WhatIfRow[] = [];
  for (const flow of flows) {
    const x = a.judge(flow);
    const y = b.judge(flow);
    if (x.allowed !== y.allowed) changed.push({ flow, before: x, after: y });
  }
  return { judged: flows.length, changed };
}

const verdictWord = (v: FlowVerdict): string => (v.allowed ? 'allowed' : 'denied');

export function whatIfTable(rows: WhatIfRow[]): string[][] {
  const end = (ip: string, name?: string) => name ?? ip;
  return [
    ['SOURCE', 'DESTINATION', 'PORT', 'NOW', 'PROPOSED', 'BECAUSE'],
    ...rows.map((r) => [
      end(r.flow.srcIP, r.flow.src),
      end(r.flow.dstIP, r.flow.dst),
      `${r.flow.port}/${r.flow.protocol}`,
      verdictWord(r.before),
      verdictWord(r.after),
      decidedBy(r.after),
    ]),
  ];
}

export { flowKey };
