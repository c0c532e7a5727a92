// The cluster's network as the trace sees it: per node its rendered rules (iptables-save -c), routes
// (`ip route`) and addresses, plus which pod and node own which IP; and what the rules' comments say about
// the Kubernetes object that made them (kube-proxy comments every rule with its Service port; the agent's
// policy chains name their NetworkPolicy). Pure.
import { inCidr, parseCidrSafe } from './ip';
import type { Ruleset } from './netfilter';

export interface Route {
  /** "default" or a CIDR. */
  dst: string;
  via?: string;
  dev?: string;
  src?: string;
}

export function parseRoutes(text: string): Route[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const t = l.split(/\s+/);
      const after = (k: string): string | undefined => {
        const i = t.indexOf(k);
        return i >= 0 ? t[i + 1] : undefined;
      };
      return { dst: t[0], via: after('via'), dev: after('dev'), src: after('src') };
    });
}

/** Longest-prefix match, as the kernel's main table answers for an IPv4 destination. */
export function lookupRoute(routes: Route[], ip: string): Route | undefined {
  let best: Route | undefined;
  let bestBits = -1;
  for (const r of routes) {
    const c = r.dst === 'default' ? { base: 0, bits: 0 } : parseCidrSafe(r.dst);
    if (c && inCidr(ip, c) && c.bits > bestBits) {
      best = r;
      bestBits = c.bits;
    }
  }
  return best;
}

export interface NodeView {
  name: string;
  /** Address on the node network. */
  ip: string;
  rules: Ruleset;
  routes: Route[];
  /** Every address of the node's network namespace. */
  local: Set<string>;
}

export interface PodView {
  namespace: string;
  name: string;
  ip: string;
  node?: string;
}

export interface World {
  nodes: NodeView[];
  pods: PodView[];
}

export function podByIp(w: World, ip: string): PodView | undefined {
  return w.pods.find((p) => p.ip === ip);
}

export function nodeByIp(w: World, ip: string): NodeView | undefined {
  return w.nodes.find((n) => n.ip === ip || n.local.has(ip));
}

/** The node's own address on the interface a route leaves by (what MASQUERADE picks). */
export function addressOnDev(n: NodeView, dev: string | undefined): string | undefined {
  return n.routes.find((r) => r.dev === dev && r.src)?.src;
}

export interface RuleObject {
  kind: 'Service' | 'Endpoint' | 'NetworkPolicy' | 'Isolation' | 'NoEndpoints' | 'Ingress' | 'Other';
  /** "ns/name" (Service, NetworkPolicy). */
  ref?: string;
  /** The Service port name when the comment has one. */
  port?: string;
  /** "IP:port" of an endpoint. */
  endpoint?: string;
  policyAction?: 'allowed' | 'dropped';
  text: string;
}

/** What a rule's comment says about who made it. */
export function objectOfComment(comment: string | undefined, w?: World): RuleObject | undefined {
  if (!comment) return undefined;
  const np = /^netpol (\S+\/\S+) (allowed|dropped) (.*)$/.exec(comment);
  if (np)
    return {
      kind: 'NetworkPolicy',
      ref: np[1],
      policyAction: np[2] as 'allowed' | 'dropped',
      text: `NetworkPolicy ${np[1]} (${np[2]} ${np[3]})`,
    };
  // The agent's policy chains (packages/node-agent/src/network/policy-rules.ts): a pod's isolation, its own
  // traffic, the jump into its chain.
  const iso = /^(\S+\/\S+) isolated for (ingress|egress): (.*)$/.exec(comment);
  if (iso) return { kind: 'Isolation', ref: iso[1], text: `${iso[2]} isolation of pod ${iso[1]}: ${iso[3]}` };
  const podChain = /^(\S+\/\S+) (ingress|egress|to itself)$/.exec(comment);
  if (podChain)
    return {
      kind: 'Other',
      ref: podChain[1],
      text: podChain[2] === 'to itself' ? `pod ${podChain[1]} to itself` : `${podChain[2]} policy chain of pod ${podChain[1]}`,
    };
  const svc = /^([a-z0-9-]+)\/([a-z0-9.-]+)(?::(\S+))?( .*)?$/.exec(comment);
  if (!svc) return { kind: 'Other', text: comment };
  const ref = `${svc[1]}/${svc[2]}`;
  const port = svc[3];
  const rest = (svc[4] ?? '').trim();
  const svcText = `Service ${ref}${port ? `:${port}` : ''}`;
  if (rest === 'has no endpoints') return { kind: 'NoEndpoints', ref, port, text: `${svcText} has no endpoints` };
  const ep = /^-> (\S+)$/.exec(rest);
  if (ep) {
    const pod = w && podByIp(w, ep[1].split(':')[0]);
    return {
      kind: 'Endpoint',
      ref,
      port,
      endpoint: ep[1],
      text: `${svcText} -> ${ep[1]}${pod ? ` (pod ${pod.namespace}/${pod.name})` : ''}`,
    };
  }
  return { kind: 'Service', ref, port, text: `${svcText}${rest ? ` ${rest}` : ''}` };
}
