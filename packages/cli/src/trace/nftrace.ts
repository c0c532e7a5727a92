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

/** The events of the first packet from `src` (and `sport`): one contiguous run of its trace id. */
export function firstPacket(events: TraceEvent[], src: string, sport?: number): TraceEvent[] {
  const start = events.findIndex(
    (e) => e.kind === 'packet' && e.fields.SRC === src && (sport === undefined || e.fields.SPORT === String(sport)),
  );
  if (start < 0) return [];
  const id = events[start].id;
  const run: TraceEvent[] = [];
  for (let i = start; i < events.length && events[i].id === id; i++) run.push(events[i]);
  return run;
}

/** "table:chain|-A CHAIN spec" of each rule the packet matched (the TRACE rule itself left out). */
export function matchedRules(run: TraceEvent[]): Set<string> {
  const out = new Set<string>();
  for (const e of run)
    if (e.kind === 'rule' && e.what === 'rule' && e.spec && !/ -j TRACE$/.test(e.spec)) out.add(`${e.table}:${e.chain}|${e.spec}`);
  return out;
}

/** The TTL the packet left the node with (its last PACKET line that has an output interface). */
export function ttlOut(run: TraceEvent[]): string | undefined {
  const withOut = run.filter((e): e is { kind: 'packet' } & TracePacket => e.kind === 'packet' && !!e.fields.OUT);
  return withOut[withOut.length - 1]?.fields.TTL;
}

export const TRACE_COMMENT = 'kubelab trace probe';

/** The raw-table TRACE rule that marks the probe's packets (and nothing else) on a node. */
export function traceRule(proto: string, src: string, sport?: number): string[] {
  return [
    '-p',
    proto,
    '-s',
    `${src}/32`,
    ...(sport ? ['--sport', String(sport)] : []),
    '-m',
    'comment',
    '--comment',
    TRACE_COMMENT,
    '-j',
    'TRACE',
  ];
}
