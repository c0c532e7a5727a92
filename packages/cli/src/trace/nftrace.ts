// The kernel's own trace of the probe (nf_tables `meta nftrace`, set by an iptables TRACE rule in the raw
// table and printed by `xtables-monitor --trace` in the node's namespace): which rule of which chain the
// probe's first packet matched, with the verdict, and the packet at each hook (interfaces, TTL, addresses
// after NAT). Works with the node image's iptables-nft backend, inside a container's network namespace. Pure.

export interface TracePacket {
  id: string;
  fields: Record<string, string>;
}

export interface TraceRule {
  id: string;
  table: string;
  chain: string;
  /** "rule" or "policy". */
  what: string;
  verdict: string;
  /** The rule as `-A CHAIN ...` (iptables-save's spelling), absent for a chain policy. */
  spec?: string;
}

export type TraceEvent = ({ kind: 'packet' } & TracePacket) | ({ kind: 'rule' } & TraceRule);

export function parseTrace(text: string): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const line of text.split('\n')) {
    const p = /^PACKET: \d+ (\S+) (.*)$/.exec(line.trim());
    if (p) {
      const fields: Record<string, string> = {};
      for (const tok of p[2].split(/\s+/)) {
        const kv = /^([A-Z]+)=(.*)$/.exec(tok);
        if (kv) fields[kv[1]] = kv[2];
        else if (tok) fields[tok] = 'true';
      }
      out.push({ kind: 'packet', id: p[1], fields });
      continue;
    }
    const t = /^TRACE: \d+ (\S+) ([^:\s]+):([^:\s]+):(rule|policy)(?::0x[0-9a-f]+)?:(\S+)\s*(?:-4 -t \S+ (-A .*))?$/.exec(line.trim());
    if (t) out.push({ kind: 'rule', id: t[1], table: t[2], chain: t[3], what: t[4], verdict: t[5], spec: t[6]?.trim() });
  }
  return out;
}

/**
 * The events of the first packet from `src` (and `sport`; and to `to.dst`:`to.dport` as it arrived, before
 * any NAT): one contiguous run of its trace id.
 */
export function firstPacket(events: TraceEvent[], src: string, sport?: number, to: { dst?: string; dport?: number } = {}): TraceEvent[] {
  const start = events.findIndex(
    (e) =>
      e.kind === 'packet' &&
      e.fields.SRC === src &&
      (sport === undefined || e.fields.SPORT === String(sport)) &&
      (to.dst === undefined || e.fields.DST === to.dst) &&
      (to.dport === undefined || e.fields.DPORT === String(to.dport)),
  );
  if (start < 0) return [];
  const id = events[start].id;
  const run: TraceEvent[] = [];
  for (let i = start; i < events.length && events[i].id === id; i++) run.push(events[i]);
  return run;
}

/**
 * The first connection a proxy opened after the packet it answers: the first packet from `src` to one of
 * `dsts` ("ip:port") that comes after the event `after` (the packet that reached the proxy, on its node).
 */
export function openingAfter(events: TraceEvent[], after: TracePacket, src: string, dsts: string[]): TracePacket | undefined {
  const from = events.findIndex(
    (e) => e.kind === 'packet' && e.id === after.id && e.fields.SRC === after.fields.SRC && e.fields.SPORT === after.fields.SPORT,
  );
  if (from < 0) return undefined;
  for (const e of events.slice(from + 1))
    if (e.kind === 'packet' && e.fields.SRC === src && dsts.includes(`${e.fields.DST}:${e.fields.DPORT}`)) return e;
  return undefined;
}

/** "table:chain|-A CHAIN spec" of each rule the packet matched (the TRACE rule itself left out). */
export function matchedRules(run: TraceEvent[]): Set<string> {
  const out = new Set<string>();
  for (const e of run)
    if (e.kind === 'rule' && e.what === 'rule' && e.spec && !/ -j TRACE$/.test(e.spec)) out.add(`${e.table}:${e.chain}|${e.spec}`);
  return out;
}

export interface RuleSighting {
  /** The packet as the hook saw it when this rule matched: TTL, interfaces, addresses (after earlier NAT). */
  ttl?: number;
  in?: string;
  out?: string;
  src?: string;
  dst?: string;
}

const ruleKey = (e: TraceRule): string => `${e.table}:${e.chain}|${e.spec}`;

/**
 * Per matched rule ("table:chain|-A ..."), the packet the kernel printed for that rule's hook just before
 * it: so each row of a trace has the TTL and interfaces of the packet at that rule, not just per node.
 */
export function ruleSightings(run: TraceEvent[]): Map<string, RuleSighting> {
  const out = new Map<string, RuleSighting>();
  let last: TracePacket | undefined;
  for (const e of run) {
    if (e.kind === 'packet') last = e;
    else if (e.what === 'rule' && e.spec && last && !out.has(ruleKey(e))) {
      const f = last.fields;
      out.set(ruleKey(e), { ttl: f.TTL ? Number(f.TTL) : undefined, in: f.IN, out: f.OUT, src: f.SRC, dst: f.DST });
    }
  }
  return out;
}

/** "eth1", "eth1 -> eth0", "-> eth0": the interfaces of a sighting. */
export function ifaceText(s: Pick<RuleSighting, 'in' | 'out'>): string {
  if (s.in && s.out) return `${s.in} -> ${s.out}`;
  return s.in ?? (s.out ? `-> ${s.out}` : '');
}

/** The packet's verdict at this node: "DROP" when a rule or a chain policy dropped it, else undefined. */
export function droppedBy(run: TraceEvent[]): TraceRule | undefined {
  return run.find((e): e is { kind: 'rule' } & TraceRule => e.kind === 'rule' && /^DROP$/i.test(e.verdict));
}

/** The TTL the packet left the node with (its last PACKET line that has an output interface). */
export function ttlOut(run: TraceEvent[]): string | undefined {
  const withOut = run.filter((e): e is { kind: 'packet' } & TracePacket => e.kind === 'packet' && !!e.fields.OUT);
  return withOut[withOut.length - 1]?.fields.TTL;
}

/**
 * The packet's conntrack state at this node, as its trace shows it: NEW when it crossed a nat chain (netfilter
 * hands only a connection's first packet to the nat table); else the state a matched `--ctstate` rule names
 * (e.g. "RELATED,ESTABLISHED"); else unknown. Before the conntrack hook (raw) a packet has no state yet.
 */
export function ctStateOf(run: TraceEvent[]): string | undefined {
  if (run.some((e) => e.kind === 'rule' && e.table === 'nat')) return 'NEW';
  for (const e of run) {
    if (e.kind !== 'rule' || e.what !== 'rule' || !e.spec) continue;
    const m = /(! )?--ctstate (\S+)/.exec(e.spec);
    if (m && !m[1]) return m[2];
  }
  return undefined;
}

export const TRACE_COMMENT = 'kubelab trace probe';

/**
 * The raw-table TRACE rule that marks the probe's packets (and nothing else) on a node. Without a source
 * port (watching live traffic), TCP is narrowed to connection openings (SYN): the first packet of each.
 */
export function traceRule(proto: string, src: string, sport?: number, o: { dst?: string; dport?: number } = {}): string[] {
  return [
    '-p',
    proto,
    '-s',
    `${src}/32`,
    ...(o.dst ? ['-d', `${o.dst}/32`] : []),
    ...(sport ? ['--sport', String(sport)] : proto === 'tcp' ? ['--syn'] : []),
    ...(o.dport ? ['--dport', String(o.dport)] : []),
    '-m',
    'comment',
    '--comment',
    TRACE_COMMENT,
    '-j',
    'TRACE',
  ];
}
