// The legs of a `kubelab trace`: one packet from a source into the cluster (an Ingress trace has two), and
// what the kernel says of it in one round: the packet found in the nodes' kernel traces (by its source port,
// or for live traffic and a proxy's connection by its destination), its conntrack entry (the DNAT's pick),
// the rules' counter deltas; the probes a round sends; and --live's wait for the next real packet.
import type Docker from 'dockerode';
import { CliError } from '../errors';
import { applyEvidence } from '../trace/evidence';
import { shellWords } from '../trace/format';
import type { World } from '../trace/model';
import type { Packet, Rule } from '../trace/netfilter';
import { droppedBy, firstPacket, parseTrace, type TraceEvent, traceRule } from '../trace/nftrace';
import { destinationsOf, type Source, simulate, type TracePath } from '../trace/simulate';
import { type KernelTrace, type NodeInfo, readConntrack } from './trace-kernel';
import { type Proto, probeCommand, probeFromContainer, probeFromHost, type ProbeResult, probeJoins } from './trace-probe';
import type { ResolvedEnd } from './trace-resolve';

/** One leg of a trace: a packet from a source into the cluster (an Ingress trace has two). */
export interface Leg {
  source: Source;
  srcIp: string;
  /** sport undefined: not known before the packet is seen (live traffic, a connection a proxy opens). */
  packet: Packet;
}

export interface LegResult {
  path: TracePath;
  sport?: number;
  conntrack?: string;
  /** The endpoint the kernel's DNAT picked (conntrack's reply tuple). */
  endpoint?: string;
  /** Node -> the kernel's trace of the leg's first packet there. */
  runs: Map<string, TraceEvent[]>;
  /** The kernel saw no packet of this leg (nothing sent, or a proxy reused a connection). */
  unseen?: boolean;
  /** The source address the packet arrived with at its end (past a source NAT, the NAT's). */
  arrivedFrom?: string;
}

export interface Round {
  before: Map<string, Rule[]>;
  after: Map<string, Rule[]>;
  kernel: KernelTrace;
}

/**
 * The kernel trace rules that mark a leg's packets: by source port when known, else its openings (SYN);
 * and where the model predicts a source NAT, the openings from the address it translates to (the next
 * node sees that address, with a port the NAT picks).
 */
export function legRules(w: World, l: Leg): string[][] {
  const p = l.packet;
  // Live UDP has no opening to mark (TCP's SYN): only its packets to DST and port, and past a Service's DNAT
  // to one of its endpoints (what the next nodes see), not every UDP packet from SRC.
  const dests: Array<{ dst?: string; dport?: number }> =
    p.sport === undefined && p.proto === 'udp' ? destinationsOf(w, l.source, { ...p, sport: 0 }) : [{}];
  const rules = dests.map((to) => traceRule(p.proto, l.srcIp, p.sport, to));
  const predicted = simulate(w, l.source, { ...p, sport: p.sport ?? 0 });
  for (const h of predicted.hops) {
    const snat = h.nat && / -> (\d+\.\d+\.\d+\.\d+) \(source\)$/.exec(h.nat)?.[1];
    if (snat) rules.push(...dests.map((to) => traceRule(p.proto, snat, undefined, to)));
  }
  return rules;
}

/** A leg's path with the evidence of one round: its packet found in the kernel's trace, conntrack, counters. */
export async function legEvidence(d: Docker, nodes: NodeInfo[], world: World, leg: Leg, r: Round): Promise<LegResult> {
  const p = leg.packet;
  const predicted = simulate(world, leg.source, { ...p, sport: p.sport ?? 0 });
  const entryName = predicted.hops.find((h) => h.node && h.netns === 'node agent')?.node ?? predicted.hops.find((h) => h.node)?.node;
  const entry = nodes.find((n) => n.name === entryName);
  let sport = p.sport;
  if (sport === undefined && p.proto !== 'icmp' && entry) {
    const first = firstPacket(parseTrace(r.kernel.text(entry.name)), leg.srcIp, undefined, { dst: p.dst, dport: p.dport })[0];
    if (first?.kind === 'packet' && first.fields.SPORT) sport = Number(first.fields.SPORT);
  }
  if (sport === undefined && p.proto !== 'icmp') {
    applyEvidence(predicted.hops, { before: r.before, after: r.after, runs: new Map() });
    return { path: predicted, runs: new Map(), unseen: true };
  }
  const ct = entry ? await readConntrack(d, entry, { proto: p.proto, src: leg.srcIp, dst: p.dst, sport }) : undefined;
  const packet = { ...p, sport };
  const path = simulate(world, leg.source, packet, { endpoint: ct?.endpoint?.includes(':') ? ct.endpoint : undefined });
  // Past a source NAT (NodePort, external IP: MASQUERADE) the next nodes see the NAT's address and port,
  // which the reply tuple holds.
  const snat = ct?.entry && ct.entry.reply.dst !== leg.srcIp ? { src: ct.entry.reply.dst, sport: ct.entry.reply.dport } : undefined;
  const runs = new Map(
    nodes.map((n) => {
      const by = n === entry || !snat ? { src: leg.srcIp, sport } : snat;
      return [n.name, firstPacket(parseTrace(r.kernel.text(n.name)), by.src, by.sport)] as const;
    }),
  );
  applyEvidence(path.hops, { before: r.before, after: r.after, runs });
  // Every node the packet crossed keeps its own entry for the connection (a routed node's is NEW there too).
  const crossed = [...new Set(path.hops.filter((h) => h.node && h.node !== entry?.name && h.netns === 'node agent').map((h) => h.node!))];
  const others = await Promise.all(
    crossed.map(async (name) => {
      const n = nodes.find((x) => x.name === name)!;
      const by = snat ?? { src: leg.srcIp, sport };
      const dst = path.translated?.split(':')[0] ?? p.dst;
      return (await readConntrack(d, n, { proto: p.proto, src: by.src, dst, sport: by.sport }).catch(() => undefined))?.text;
    }),
  );
  const conntrack = [ct?.text, ...others].filter(Boolean).join('\n') || undefined;
  return { path, sport, conntrack, endpoint: ct?.endpoint, runs, arrivedFrom: snat?.src ?? leg.srcIp };
}

/** Where the model and the kernel disagree, in one sentence (undefined: they agree). */
export function disagreement(
  res: LegResult,
  probe: ProbeResult | undefined,
  entryNode: string | undefined,
  proto: Proto,
): string | undefined {
  const delivered = res.path.outcome.kind === 'delivered';
  if (probe && delivered !== probe.ok && !(proto === 'udp' && delivered))
    return `the rules predict ${delivered ? 'delivery' : res.path.outcome.kind}, but the probe's result was ${probe.text}`;
  const kernelDrop = [...res.runs].map(([node, run]) => ({ node, rule: droppedBy(run) })).find((x) => x.rule);
  if (!probe && kernelDrop && delivered)
    return `the rules predict delivery, but the kernel dropped it at ${kernelDrop.rule!.table}:${kernelDrop.rule!.chain} on ${kernelDrop.node}`;
  const zero = res.path.hops.filter((h) => h.rule && h.delta === 0 && h.node === entryNode);
  if ((probe?.ok ?? !res.unseen) && zero.length)
    return `${zero.length} rule(s) on the predicted path counted no packet (${zero.map((h) => h.ruleRef).join(', ')})`;
  return undefined;
}

/**
 * --live: waits until a node's kernel trace shows a new packet from the leg's source to its destination
 * (before any NAT: on the node it enters first); its source port names the connection.
 */
export async function waitForLive(
  kernel: KernelTrace,
  world: World,
  leg: Leg,
  seen: Set<string>,
  stopped: () => boolean,
): Promise<{ sport?: number } | undefined> {
  const predicted = simulate(world, leg.source, { ...leg.packet, sport: 0 });
  const entry = predicted.hops.find((h) => h.node && h.netns === 'node agent')?.node ?? predicted.hops.find((h) => h.node)?.node;
  if (!entry) throw new CliError(`no node on the way from ${leg.srcIp} to ${leg.packet.dst}: nothing to watch`);
  while (!stopped()) {
    const events = parseTrace(kernel.text(entry)).filter((e) => !seen.has(e.id));
    const run = firstPacket(events, leg.srcIp, undefined, { dst: leg.packet.dst, dport: leg.packet.dport });
    if (run.length) {
      for (const e of run) seen.add(e.id);
      const f = run[0].kind === 'packet' ? run[0].fields : {};
      // A retransmitted opening (same source port) is the connection already traced.
      if (f.SPORT && seen.has(`port ${f.SPORT}`)) continue;
      if (f.SPORT) seen.add(`port ${f.SPORT}`);
      return { sport: f.SPORT ? Number(f.SPORT) : undefined };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

export async function sendProbe(
  d: Docker,
  cluster: string,
  src: ResolvedEnd,
  nodes: NodeInfo[],
  proto: Proto,
  ip: string,
  port: number | undefined,
  sport: number | undefined,
  hostIp: string,
): Promise<{ probe: ProbeResult; text: string }> {
  const cmd = probeCommand(proto, ip, port, sport ?? 0);
  let probe: ProbeResult;
  if (src.kind === 'pod' || src.kind === 'node')
    probe = await probeFromContainer(d, cluster, await probeJoins(d, cluster, src, nodes), cmd, proto);
  else if (proto === 'tcp') probe = await probeFromHost(ip, port!, sport!);
  // UDP and ICMP from the host: the same tools in a helper in the host's own network namespace.
  else probe = await probeFromContainer(d, cluster, 'host', cmd, proto);
  const text =
    src.kind === 'host'
      ? `${proto === 'tcp' ? `TCP connect from the host (${hostIp}:${sport})` : `${shellWords(cmd)} (from the host)`}`
      : shellWords(cmd);
  return { probe, text: `${text}: ${probe.text}` };
}
