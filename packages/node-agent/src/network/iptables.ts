// The node agent's NAT rules, rendered as iptables-restore input and applied with --noflush in one call
// (the kube-proxy habit: render the whole chain, apply atomically). Pure.
//
// Pod to pod is never NATed (DESIGN.md §3: the server sees the client's pod IP). Pod traffic leaving the
// cluster pod range through the node network (to the API server, other nodes' addresses, the internet) is
// masqueraded to the node IP, so replies find their way back without routes to pod CIDRs.

export const POSTROUTING_CHAIN = 'KUBELAB-POSTROUTING';

export interface NatRulesInput {
  /** This node's pod CIDR: the only pods whose egress this node masquerades. */
  podCidr: string;
  clusterPodCidr: string;
  /** Interface on the node network (found by NODE_IP, never assumed). */
  nodeInterface: string;
}

/** `iptables -t nat -A POSTROUTING -j KUBELAB-POSTROUTING`, as a rule spec checked (-C) then inserted. */
export const POSTROUTING_JUMP = ['-j', POSTROUTING_CHAIN, '-m', 'comment', '--comment', 'kubelab pod egress'];

function comment(text: string): string {
  return `-m comment --comment "${text.replace(/"/g, "'")}"`;
}

export function renderNatRules(input: NatRulesInput): string {
  const { podCidr, clusterPodCidr, nodeInterface } = input;
  const lines = [
    '*nat',
    // Declaring the chain flushes it under --noflush: the rules below replace the previous set as a whole.
    `:${POSTROUTING_CHAIN} - [0:0]`,
    `-A ${POSTROUTING_CHAIN} -s ${podCidr} -d ${clusterPodCidr} ${comment('pod to pod: no NAT')} -j RETURN`,
    `-A ${POSTROUTING_CHAIN} -s ${podCidr} -o ${nodeInterface} ${comment('pod egress: masquerade to the node IP')} -j MASQUERADE`,
    // Hook: the service proxy (a later role) renders its KUBE-SERVICES / NodePort chains next to these.
    'COMMIT',
  ];
  return `${lines.join('\n')}\n`;
}
