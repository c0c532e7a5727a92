// describe for NetworkPolicies, as kubectl's describeNetworkPolicy prints them (k8s.io/kubectl describe.go:
// describeNetworkPolicySpec, printNetworkPolicySpecIngressFrom / EgressTo), then kubelab's own addition: the
// connections the policy allowed and the ones dropped at the pods it isolates, summed from every node's
// rule counters (policy-rules.ts in the node agent).
import {
  formatLabelSelector,
  policyDirections,
  type NetworkPolicy,
  type NetworkPolicyEgressRule,
  type NetworkPolicyIngressRule,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
} from '@kubelab/api';
import { PrefixWriter } from '../tabwriter';
import { annotationsMultiline, labelsMultiline, type DescribeContext } from './common';

export interface PolicyCounts {
  allowed: number;
  dropped: number;
  /** Nodes whose counters were read. */
  nodes: number;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Go's time.Time.String() of a metav1.Time in the local zone: `2026-11-30 11:50:01 +0000 UTC`. */
export function goTimeString(iso: string | undefined, ctx: Pick<DescribeContext, 'utcOffsetMinutes'> = {}): string {
  const t = Date.parse(iso ?? '');
  if (!Number.isFinite(t)) return '0001-01-01 00:00:00 +0000 UTC';
  const offset = ctx.utcOffsetMinutes ?? -new Date(t).getTimezoneOffset();
  const d = new Date(t + offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zoneNum = `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
  let abbrev = offset === 0 ? 'UTC' : '';
  if (!abbrev && ctx.utcOffsetMinutes === undefined) {
    const name = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
      .formatToParts(new Date(t))
      .find((p) => p.type === 'timeZoneName')?.value;
    abbrev = name && /^[A-Z]{3,5}$/.test(name) ? name : '';
  }
  // Go prints the numeric offset again (e.g. "+01") for zones without an abbreviation.
  if (!abbrev) abbrev = `${sign}${pad(Math.floor(abs / 60))}${abs % 60 ? pad(abs % 60) : ''}`;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${zoneNum} ${abbrev}`;
}

function ports(w: PrefixWriter, list: NetworkPolicyPort[] | undefined, indent: string): void {
  if (!list?.length) return w.write(0, `${indent}To Port: <any> (traffic allowed to all ports)\n`);
  for (const p of list) {
    const proto = p.protocol ?? 'TCP';
    // A nil *IntOrString prints as <nil> through %s.
    const port = p.port === undefined || p.port === null ? '<nil>' : String(p.port);
    if (p.endPort === undefined || p.endPort === null) w.write(0, `${indent}To Port: ${port}/${proto}\n`);
    else w.write(0, `${indent}To Port Range: ${port}-${p.endPort}/${proto}\n`);
  }
}

function peers(w: PrefixWriter, list: NetworkPolicyPeer[] | undefined, indent: string, title: 'From' | 'To'): void {
  if (!list?.length) {
    const what = title === 'From' ? 'From: <any> (traffic not restricted by source)' : 'To: <any> (traffic not restricted by destination)';
    return w.write(0, `${indent}${what}\n`);
  }
  for (const p of list) {
    w.write(0, `${indent}${title}:\n`);
    if (p.podSelector && p.namespaceSelector) {
      w.write(1, `${indent}NamespaceSelector: ${formatLabelSelector(p.namespaceSelector)}\n`);
      w.write(1, `${indent}PodSelector: ${formatLabelSelector(p.podSelector)}\n`);
    } else if (p.podSelector) w.write(1, `${indent}PodSelector: ${formatLabelSelector(p.podSelector)}\n`);
    else if (p.namespaceSelector) w.write(1, `${indent}NamespaceSelector: ${formatLabelSelector(p.namespaceSelector)}\n`);
    else if (p.ipBlock) {
      w.write(1, `${indent}IPBlock:\n`);
      w.write(2, `${indent}CIDR: ${p.ipBlock.cidr}\n`);
      w.write(2, `${indent}Except: ${(p.ipBlock.except ?? []).join(', ')}\n`);
    }
  }
}

function rules(
  w: PrefixWriter,
  list: (NetworkPolicyIngressRule | NetworkPolicyEgressRule)[] | undefined,
  direction: 'ingress' | 'egress',
): void {
  const indent = '    ';
  if (!list?.length) return w.write(0, `${indent}<none> (Selected pods are isolated for ${direction} connectivity)\n`);
  list.forEach((r, i) => {
    ports(w, r.ports, indent);
    if (direction === 'ingress') peers(w, (r as NetworkPolicyIngressRule).from, indent, 'From');
    else peers(w, (r as NetworkPolicyEgressRule).to, indent, 'To');
    if (i !== list.length - 1) w.write(0, `${indent}----------\n`);
  });
}

export function describeNetworkPolicy(np: NetworkPolicy, counts: PolicyCounts | undefined, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  const spec = np.spec ?? { podSelector: {} };
  w.write(0, `Name:\t${np.metadata.name}\n`);
  w.write(0, `Namespace:\t${np.metadata.namespace}\n`);
  w.write(0, `Created on:\t${goTimeString(np.metadata.creationTimestamp, ctx)}\n`);
  labelsMultiline(w, 'Labels', np.metadata.labels);
  annotationsMultiline(w, 'Annotations', np.metadata.annotations);
  w.write(0, 'Spec:\n');
  w.write(1, 'PodSelector: ');
  const sel = spec.podSelector ?? {};
  if (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)
    w.write(2, '<none> (Allowing the specific traffic to all pods in this namespace)\n');
  else w.write(2, `${formatLabelSelector(sel)}\n`);
  // getPolicyType reads policyTypes as stored (the API server defaults them).
  const types = spec.policyTypes ?? [];
  const { ingress, egress } = types.length
    ? { ingress: types.includes('Ingress'), egress: types.includes('Egress') }
    : policyDirections(np);
  if (ingress) {
    w.write(1, 'Allowing ingress traffic:\n');
    rules(w, spec.ingress, 'ingress');
  } else w.write(1, 'Not affecting ingress traffic\n');
  if (egress) {
    w.write(1, 'Allowing egress traffic:\n');
    rules(w, spec.egress, 'egress');
  } else w.write(1, 'Not affecting egress traffic\n');
  w.write(1, `Policy Types: ${types.join(', ')}\n`);
  if (counts) {
    // kubelab's addition: new connections counted by the rules in every node (iptables counters).
    w.write(0, `Connections (${counts.nodes} node${counts.nodes === 1 ? '' : 's'}, since the rules were written):\n`);
    w.write(1, `Allowed:\t${counts.allowed}\n`);
    w.write(1, `Dropped:\t${counts.dropped}\t(at pods this policy isolates, allowed by no policy)\n`);
  }
  return w.toString();
}
