// One packet's path through the cluster, hop by hop, from the model (model.ts) and the rules
// (netfilter.ts): where it enters a node, each rule it matches in the order netfilter evaluates the hooks of
// a routed packet (nat PREROUTING, routing, filter FORWARD or INPUT, nat POSTROUTING), the route it takes,
// and the node or pod it ends at. The hop rows are what `kubelab trace` prints, with counter deltas and
// conntrack added from the live probe. Pure.
import { type ChainResult, type MatchContext, type Packet, type Rule, walk } from './netfilter';
import { addressOnDev, lookupRoute, type NodeView, nodeByIp, objectOfComment, podByIp, type RuleObject, type World } from './model';

export interface Hop {
  node?: string;
  /** "pod default/client", "node agent", "host". */
  netns: string;
  /** "nat:PREROUTING", "route", "deliver", "probe". */
  where: string;
  /** table:chain:rule# for a rule. */
  ruleRef?: string;
  text: string;
  object?: RuleObject;
  /** "10.96.0.5:80 -> 10.244.2.3:8080" for a NAT rule. */
  nat?: string;
  /** Set from the live probe: packets the rule counted during it. */
  delta?: number;
  /** Set from the kernel's trace of the probe: did its first packet match this rule. */
  traced?: boolean;
  /** From the kernel's trace: the packet's TTL at this rule (or leaving the node, on a route row). */
  ttl?: number;
  /** From the kernel's trace: "eth1 -> eth0", the interfaces the packet had at this rule. */
  iface?: string;
  /** From the kernel's trace: the packet's conntrack state at this rule (NEW, or what a matched --ctstate says). */
  ctstate?: string;
  rule?: Rule;
  uncertain?: boolean;
}

export type Outcome =
  | { kind: 'delivered'; to: string; node?: string }
  | { kind: 'dropped' | 'rejected'; node: string; at: string; by?: RuleObject }
  | { kind: 'lost'; node?: string; why: string };

export interface TracePath {
  hops: Hop[];
  outcome: Outcome;
  /** Destination after DNAT (the endpoint), when a rule rewrote it. */
  translated?: string;
}

export type Source = { kind: 'pod'; namespace: string; name: string } | { kind: 'host'; ip: string } | { kind: 'node'; name: string };

export interface SimulateOptions {
  /** Endpoint "IP:port" to follow at a Service's random choice (from conntrack); else the first rule. */
  endpoint?: string;
}

function ctxFor(n: NodeView, o: SimulateOptions): MatchContext {
  return {
    local: n.local,
    pick: (rule) => (o.endpoint ? (rule.spec.includes(`-> ${o.endpoint}"`) ? true : !/KUBE-SVC|KUBE-SVL/.test(rule.chain)) : true),
  };
}

function addr(ip: string, port?: number): string {
  return port ? `${ip}:${port}` : ip;
}

function stepsToHops(w: World, node: NodeView, r: ChainResult): Hop[] {
  return r.steps.map((s) => {
    const nat = /^DNAT /.test(s.effect) ? s.effect.slice(5) : undefined;
    const h: Hop = {
      node: node.name,
      netns: 'node agent',
      where: `${s.rule.table}:${s.rule.chain}`,
      ruleRef: `${s.rule.table}:${s.rule.chain}:${s.rule.num}`,
      text: `-A ${s.rule.chain} ${s.rule.spec}`,
      object: objectOfComment(s.parsed.comment, w),
      nat,
      rule: s.rule,
      uncertain: s.uncertain,
    };
    return h;
  });
}

/**
 * The objects a drop or reject is attributed to: the NetworkPolicies whose "dropped" rules counted it in
 * the chain that dropped it (every policy selecting the pod: none allowed it), with the isolation the DROP
 * rule names; else the Service a REJECT names (no endpoints); else the last rule's own comment.
 */
function deciding(hops: Hop[]): RuleObject | undefined {
  const last = hops[hops.length - 1];
  const chainHops = hops.filter((h) => h.node === last?.node && h.where === last?.where);
  const policies = chainHops
    .filter((h) => h.object?.kind === 'NetworkPolicy' && h.object.policyAction === 'dropped')
    .map((h) => h.object!.ref!);
  if (policies.length) {
    const iso = last.object?.kind === 'Isolation' ? ` (${last.object.text})` : '';
    return { kind: 'NetworkPolicy', ref: policies[0], policyAction: 'dropped', text: `NetworkPolicy ${policies.join(', ')}${iso}` };
  }
  for (let i = hops.length - 1; i >= 0; i--) {
    const o = hops[i].object;
    if (o && (o.kind === 'NoEndpoints' || o.kind === 'Isolation')) return o;
  }
  return last?.object;
}

export function simulate(w: World, src: Source, first: Packet, o: SimulateOptions = {}): TracePath {
  const hops: Hop[] = [];
  let p: Packet = { ...first };
  let node: NodeView | undefined;
  let translated: string | undefined;
  if (src.kind === 'pod') {
    const pod = w.pods.find((x) => x.namespace === src.namespace && x.name === src.name);
    node = w.nodes.find((n) => n.name === pod?.node);
    if (!pod || !node) return { hops, outcome: { kind: 'lost', why: `pod ${src.namespace}/${src.name} has no node or IP` } };
    const podRoute = lookupRoute(node.routes, pod.ip);
    const gw = podRoute?.src ?? addressOnDev(node, podRoute?.dev);
    hops.push({
      node: node.name,
      netns: `pod ${pod.namespace}/${pod.name}`,
      where: 'route',
      text: `eth0: default via ${gw ?? 'the node agent'} (every pod packet goes to its node agent)`,
    });
    p = { ...p, inIface: podRoute?.dev };
  } else if (src.kind === 'host') {
    node = nodeByIp(w, p.dst);
    hops.push({ netns: 'host', where: 'route', text: `${src.ip} -> ${p.dst} on the node network` });
    if (!node)
      return { hops, outcome: { kind: 'lost', why: `${p.dst} is no node address: the host routes only the node network to the cluster` } };
    p = { ...p, inIface: lookupRoute(node.routes, src.ip)?.dev };
  } else {
    node = w.nodes.find((n) => n.name === src.name);
    if (!node) return { hops, outcome: { kind: 'lost', why: `no node ${src.name}` } };
  }

  let locallyGenerated = src.kind === 'node';
  for (let visits = 0; visits < 6 && node; visits++) {
    const ctx = ctxFor(node, o);
    // nat: PREROUTING for a packet that arrived, OUTPUT for one the node itself sends.
    const natChain = locallyGenerated ? 'OUTPUT' : 'PREROUTING';
    const nat = walk(node.rules, 'nat', natChain, p, ctx);
    hops.push(...stepsToHops(w, node, nat));
    if (nat.verdict === 'DNAT') {
      translated = addr(nat.packet.dst, nat.packet.dport);
      p = nat.packet;
    }
    p = { ...p, mark: nat.packet.mark };
    const isLocal = node.local.has(p.dst) || /^127\./.test(p.dst);
    const route = isLocal ? undefined : lookupRoute(node.routes, p.dst);
    const filterChain = locallyGenerated ? 'OUTPUT' : isLocal ? 'INPUT' : 'FORWARD';
    p = { ...p, outIface: route?.dev };
    const filter = walk(node.rules, 'filter', filterChain, p, ctx);
    const filterHops = stepsToHops(w, node, filter);
    hops.push(...filterHops);
    p = { ...p, mark: filter.packet.mark };
    if (filter.verdict === 'DROP' || filter.verdict === 'REJECT') {
      const last = filterHops[filterHops.length - 1];
      return {
        hops,
        translated,
        outcome: {
          kind: filter.verdict === 'DROP' ? 'dropped' : 'rejected',
          node: node.name,
          at: last?.ruleRef ?? `filter:${filterChain} policy`,
          by: deciding(hops),
        },
      };
    }
    if (isLocal) {
      hops.push({ node: node.name, netns: 'node agent', where: 'deliver', text: `${p.dst} is this node's own address: delivered locally` });
      return { hops, translated, outcome: { kind: 'delivered', to: `node ${node.name}`, node: node.name } };
    }
    if (!route) return { hops, translated, outcome: { kind: 'lost', node: node.name, why: `no route to ${p.dst}` } };
    const post = walk(node.rules, 'nat', 'POSTROUTING', p, ctx);
    hops.push(...stepsToHops(w, node, post));
    if (post.verdict === 'MASQUERADE' || post.verdict === 'SNAT') {
      const newSrc = addressOnDev(node, route.dev) ?? node.ip;
      hops[hops.length - 1].nat = `${addr(p.src, p.sport)} -> ${newSrc} (source)`;
      p = { ...p, src: newSrc };
    }
    const nextIp = route.via ?? p.dst;
    const pod = podByIp(w, p.dst);
    if (!route.via && pod && pod.node === node.name) {
      hops.push({
        node: node.name,
        netns: 'node agent',
        where: 'route',
        text: `${route.dst} dev ${route.dev}: ${p.dst} is on this node's pod network`,
      });
      hops.push({
        node: node.name,
        netns: `pod ${pod.namespace}/${pod.name}`,
        where: 'deliver',
        text: `delivered to ${addr(p.dst, p.dport)}`,
      });
      return { hops, translated, outcome: { kind: 'delivered', to: `${pod.namespace}/${pod.name}`, node: node.name } };
    }
    const next = nodeByIp(w, nextIp);
    hops.push({
      node: node.name,
      netns: 'node agent',
      where: 'route',
      text: `${route.dst}${route.via ? ` via ${route.via}` : ''} dev ${route.dev}${next ? ` (node ${next.name})` : ''}`,
    });
    if (!next || next === node)
      return { hops, translated, outcome: { kind: 'lost', node: node.name, why: `${p.dst} leaves the cluster via ${nextIp}` } };
    const prev = node;
    node = next;
    locallyGenerated = false;
    p = { ...p, inIface: lookupRoute(node.routes, prev.ip)?.dev, outIface: undefined, mark: 0 };
    // The next node sees a packet from the node network: its conntrack entry is new there too.
  }
  return { hops, translated, outcome: { kind: 'lost', why: 'too many hops' } };
}

export function conclusion(t: TracePath, dst: string): string {
  const o = t.outcome;
  const via = t.translated ? ` (DNAT ${dst} -> ${t.translated})` : '';
  if (o.kind === 'delivered') return `DELIVERED to ${o.to}${o.node ? ` on ${o.node}` : ''}${via}`;
  if (o.kind === 'lost') return `NOT DELIVERED: ${o.why}`;
  const by = o.by ? ` by ${o.by.text}` : '';
  return `${o.kind === 'dropped' ? 'DROPPED' : 'REJECTED'} at ${o.at} on ${o.node}${by}`;
}

/**
 * The rows that decided a drop or a reject (`--dropped-only`): the NetworkPolicy rules that counted the
 * packet in the chain that dropped it (none of them allowed it), and the rule that dropped or rejected it.
 */
export function droppedRows(t: TracePath): Hop[] {
  if (t.outcome.kind !== 'dropped' && t.outcome.kind !== 'rejected') return [];
  const last = t.hops[t.hops.length - 1];
  if (!last) return [];
  return t.hops.filter(
    (h) =>
      h === last ||
      (h.node === last.node && h.where === last.where && h.object?.kind === 'NetworkPolicy' && h.object.policyAction === 'dropped'),
  );
}

/**
 * The addresses a packet to `first.dst`:`dport` has on its way: that one, and where a Service's DNAT may
 * rewrite it, each of the Service's endpoints (its KUBE-SVC chain's "ns/svc -> ip:port" rules), as the nodes
 * after the DNAT see it. Watching live UDP (no opening to mark, as TCP's SYN) narrows to these.
 */
export function destinationsOf(w: World, src: Source, first: Packet): Array<{ dst: string; dport?: number }> {
  const path = simulate(w, src, first);
  const out: Array<{ dst: string; dport?: number }> = [{ dst: first.dst, dport: first.dport }];
  const add = (ipPort: string): void => {
    const [dst, port] = ipPort.split(':');
    const dport = port ? Number(port) : undefined;
    if (!out.some((o) => o.dst === dst && o.dport === dport)) out.push({ dst, dport });
  };
  const chains = new Set(path.hops.map((h) => h.rule?.chain).filter((c): c is string => !!c && /^KUBE-SV[CL]-/.test(c)));
  for (const n of w.nodes)
    for (const r of n.rules.rules) {
      const ep = chains.has(r.chain) ? / -> (\d+\.\d+\.\d+\.\d+:\d+)"/.exec(r.spec)?.[1] : undefined;
      if (ep) add(ep);
    }
  if (path.translated) add(path.translated);
  return out;
}
