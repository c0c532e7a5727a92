// What the live probe leaves behind as evidence: per-rule packet counter deltas between two iptables-save -c
// snapshots of a node, and the conntrack entry of the probe's connection (its reply tuple shows the DNAT the
// kernel applied). Pure.
import type { Rule } from './netfilter';
import { ctStateOf, ifaceText, matchedRules, ruleSightings, type TraceEvent, ttlOut } from './nftrace';
import type { Hop } from './simulate';

export interface ConntrackEntry {
  proto: string;
  state?: string;
  orig: { src: string; dst: string; sport?: number; dport?: number };
  reply: { src: string; dst: string; sport?: number; dport?: number };
  flags: string[];
}

/** One line of `conntrack -L`. */
export function parseConntrack(line: string): ConntrackEntry | undefined {
  const t = line.trim().split(/\s+/);
  if (t.length < 4) return undefined;
  const tuples: Array<Record<string, string>> = [];
  const flags: string[] = [];
  let state: string | undefined;
  for (const tok of t.slice(3)) {
    const kv = /^(src|dst|sport|dport|type|code|id)=(.*)$/.exec(tok);
    if (kv) {
      if (kv[1] === 'src') tuples.push({});
      if (tuples.length) tuples[tuples.length - 1][kv[1]] = kv[2];
    } else if (/^\[.*\]$/.test(tok)) flags.push(tok.slice(1, -1));
    else if (/^[A-Z_]+$/.test(tok) && tuples.length === 0) state = tok;
  }
  if (tuples.length < 2) return undefined;
  const tuple = (x: Record<string, string>) => ({
    src: x.src,
    dst: x.dst,
    sport: x.sport ? Number(x.sport) : undefined,
    dport: x.dport ? Number(x.dport) : undefined,
  });
  return { proto: t[0], state, orig: tuple(tuples[0]), reply: tuple(tuples[1]), flags };
}

/** The destination the kernel really used: the reply comes from it. */
export function translatedDestination(e: ConntrackEntry): string | undefined {
  if (e.reply.src === e.orig.dst && e.reply.sport === e.orig.dport) return undefined;
  return e.reply.sport ? `${e.reply.src}:${e.reply.sport}` : e.reply.src;
}

export function formatConntrack(e: ConntrackEntry): string {
  const a = (ip: string, port?: number) => (port ? `${ip}:${port}` : ip);
  const dnat = translatedDestination(e);
  const snat = e.reply.dst !== e.orig.src ? `, source NAT to ${e.reply.dst}` : '';
  return `${e.proto}${e.state ? ` ${e.state}` : ''} ${a(e.orig.src, e.orig.sport)} -> ${a(e.orig.dst, e.orig.dport)}, reply from ${a(e.reply.src, e.reply.sport)}${dnat ? ` (DNAT to ${dnat}${snat})` : snat ? ` (${snat.slice(2)})` : ''}${e.flags.length ? ` [${e.flags.join(',')}]` : ''}`;
}

/** Packets a rule counted between two snapshots of the same node (same table, chain, position and text). */
export function counterDelta(before: Rule[], after: Rule[], rule: Rule): number | undefined {
  const same = (r: Rule) => r.table === rule.table && r.chain === rule.chain && r.num === rule.num && r.spec === rule.spec;
  const a = before.find(same);
  const b = after.find(same);
  if (!a || !b) return undefined;
  return b.packets - a.packets;
}

export interface Evidence {
  /** Per node: its rules before and after the probe (iptables-save -c). */
  before: Map<string, Rule[]>;
  after: Map<string, Rule[]>;
  /** Per node: the kernel's trace of the packet's first packet there (empty: none seen or no trace). */
  runs: Map<string, TraceEvent[]>;
}

/**
 * Adds what the kernel saw to a path's hops: each rule's counter delta, whether the kernel's trace saw the
 * packet match it, and from that trace the TTL and interfaces of the packet at that very rule (so a row
 * shows the TTL where it changes: after the routing decision of each node), the TTL leaving each node, and
 * the packet's conntrack state at the rules it matched (NEW: it crossed the nat table).
 */
export function applyEvidence(hops: Hop[], e: Evidence): void {
  for (const h of hops) {
    if (!h.rule || !h.node) continue;
    h.delta = counterDelta(e.before.get(h.node) ?? [], e.after.get(h.node) ?? [], h.rule);
  }
  for (const [node, run] of e.runs) {
    if (run.length === 0) continue;
    const seen = matchedRules(run);
    const at = ruleSightings(run);
    const ct = ctStateOf(run);
    for (const h of hops.filter((x) => x.node === node)) {
      if (h.rule) {
        const key = `${h.rule.table}:${h.rule.chain}|${h.text}`;
        h.traced = seen.has(key);
        // The state the packet had at the rules the kernel saw it match (the model's tables come after raw).
        if (h.traced && ct) h.ctstate = ct;
        const s = at.get(key);
        if (s) {
          h.ttl = s.ttl;
          h.iface = ifaceText(s) || undefined;
        }
      } else if (h.where === 'route' && h.netns === 'node agent') {
        const ttl = ttlOut(run);
        if (ttl) {
          h.ttl = Number(ttl);
          h.text += `; left with TTL ${ttl}`;
        }
      }
    }
  }
}
