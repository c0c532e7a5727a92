// A node's netfilter rules as iptables-save writes them, and one packet walked through them: the subset of
// matches and targets kube-proxy, kubelab's agent and its NetworkPolicy chains render (addresses, protocol,
// ports, interfaces, marks, conntrack state, addrtype, statistic), so `kubelab trace --explain` can say
// which rule of which chain a packet meets and what it does there. Pure. A match it does not know is taken
// as matching and the step is marked `uncertain`, so the output never claims more than it knows.
import { inCidr, parseCidrSafe } from './ip';

export interface Rule {
  table: string;
  chain: string;
  /** 1-based position in its chain, as `iptables -L --line-numbers` counts. */
  num: number;
  spec: string;
  packets: number;
  bytes: number;
}

export interface Ruleset {
  rules: Rule[];
  /** Built-in chain -> policy ("nat:PREROUTING" -> "ACCEPT"). */
  policies: Map<string, string>;
  /** Every declared chain, "table:chain" (an empty user chain has no rules to show it exists). */
  chains: Set<string>;
}

export function parseRuleset(text: string): Ruleset {
  const rules: Rule[] = [];
  const policies = new Map<string, string>();
  const counts = new Map<string, number>();
  const chains = new Set<string>();
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    const p = /^:(\S+) (\S+)/.exec(line);
    if (p) chains.add(`${table}:${p[1]}`);
    if (p && p[2] !== '-') policies.set(`${table}:${p[1]}`, p[2]);
    const m = /^(?:\[(\d+):(\d+)\] )?-A (\S+) (.*)$/.exec(line);
    if (!m) continue;
    const key = `${table}:${m[3]}`;
    const num = (counts.get(key) ?? 0) + 1;
    counts.set(key, num);
    rules.push({ table, chain: m[3], num, spec: m[4], packets: Number(m[1] ?? 0), bytes: Number(m[2] ?? 0) });
  }
  return { rules, policies, chains };
}

/** Splits a rule as iptables-save quotes it ("--comment \"a b\""). */
export function tokens(spec: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(spec); m; m = re.exec(spec)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

export interface Packet {
  src: string;
  dst: string;
  proto: 'tcp' | 'udp' | 'icmp';
  sport?: number;
  dport?: number;
  inIface?: string;
  outIface?: string;
  mark: number;
  /** Conntrack state of this packet; a trace follows a connection's first packet. */
  ctstate: 'NEW' | 'ESTABLISHED';
}

export interface MatchContext {
  /** The node's own addresses (addrtype LOCAL). */
  local: Set<string>;
  /** Decides a `-m statistic --mode random` rule: does the packet take it? */
  pick(rule: Rule, probability: number): boolean;
}

export interface ParsedRule {
  target?: string;
  targetArgs: string[];
  comment?: string;
  /** Options this evaluator does not model (they were assumed to match). */
  unknown: string[];
  test(p: Packet, ctx: MatchContext): boolean;
}

function portOf(text: string): [number, number] {
  const [a, b] = text.split(':').map(Number);
  return [a, b ?? a];
}

function maskMatch(value: number, spec: string): boolean {
  const [v, m] = spec.split('/').map((x) => Number(x));
  const mask = m === undefined ? 0xffffffff : m;
  return (value & mask) >>> 0 === (v & mask) >>> 0;
}

const KNOWN_NOOP_MODULES = new Set(['comment', 'tcp', 'udp', 'limit']);

export function parseRule(rule: Rule): ParsedRule {
  const t = tokens(rule.spec);
  const tests: Array<(p: Packet, ctx: MatchContext) => boolean> = [];
  const unknown: string[] = [];
  let target: string | undefined;
  const targetArgs: string[] = [];
  let comment: string | undefined;
  let neg = false;
  for (let i = 0; i < t.length; i++) {
    const opt = t[i];
    if (target) {
      targetArgs.push(opt);
      continue;
    }
    if (opt === '!') {
      neg = true;
      continue;
    }
    const n = neg;
    neg = false;
    const not = (f: (p: Packet, ctx: MatchContext) => boolean) => (n ? (p: Packet, c: MatchContext) => !f(p, c) : f);
    const arg = t[i + 1];
    switch (opt) {
      case '-s':
      case '-d': {
        const cidr = parseCidrSafe(arg);
        i++;
        tests.push(not((p) => !!cidr && inCidr(opt === '-s' ? p.src : p.dst, cidr)));
        break;
      }
      case '-p':
        i++;
        tests.push(not((p) => p.proto === arg.toLowerCase()));
        break;
      case '-i':
      case '-o': {
        i++;
        const re = new RegExp(`^${arg.replace(/\+$/, '.*')}$`);
        tests.push(not((p) => re.test((opt === '-i' ? p.inIface : p.outIface) ?? '')));
        break;
      }
      case '--dport':
      case '--sport':
      case '--dports': {
        i++;
        const ranges = arg.split(',').map(portOf);
        tests.push(
          not((p) =>
            ranges.some(
              ([a, b]) => ((opt === '--sport' ? p.sport : p.dport) ?? -1) >= a && ((opt === '--sport' ? p.sport : p.dport) ?? -1) <= b,
            ),
          ),
        );
        break;
      }
      case '-m':
        i++;
        if (!KNOWN_NOOP_MODULES.has(arg) && !['statistic', 'mark', 'conntrack', 'addrtype', 'icmp', 'multiport'].includes(arg))
          unknown.push(`-m ${arg}`);
        break;
      case '--comment':
        i++;
        comment = arg;
        break;
      case '--mode':
      case '--limit':
      case '--limit-burst':
        // statistic's mode, and limit's rate: a single probe packet is within any limit.
        i++;
        break;
      case '--probability': {
        i++;
        const prob = Number(arg);
        tests.push((_p, ctx) => ctx.pick(rule, prob));
        break;
      }
      case '--mark':
        i++;
        tests.push(not((p) => maskMatch(p.mark, arg)));
        break;
      case '--ctstate':
        i++;
        tests.push(not((p) => arg.split(',').includes(p.ctstate)));
        break;
      case '--dst-type':
      case '--src-type':
        i++;
        if (arg !== 'LOCAL') unknown.push(`${opt} ${arg}`);
        tests.push(
          not((p, ctx) => ctx.local.has(opt === '--dst-type' ? p.dst : p.src) || /^127\./.test(opt === '--dst-type' ? p.dst : p.src)),
        );
        break;
      case '--icmp-type':
        i++;
        // Traces send echo requests (type 8).
        tests.push(not((p) => p.proto === 'icmp' && arg.split('/')[0] === '8'));
        break;
      case '-j':
      case '-g':
        target = arg;
        i++;
        break;
      default:
        if (opt.startsWith('-')) {
          unknown.push(opt);
          if (t[i + 1] && !t[i + 1].startsWith('-')) i++;
        }
    }
  }
  return { target, targetArgs, comment, unknown, test: (p, ctx) => tests.every((f) => f(p, ctx)) };
}

export interface Step {
  rule: Rule;
  parsed: ParsedRule;
  /** What it did: jumped, returned, accepted, dropped, rejected, NATed, marked, logged. */
  effect: string;
  uncertain?: boolean;
}

export interface ChainResult {
  verdict: 'ACCEPT' | 'DROP' | 'REJECT' | 'DNAT' | 'SNAT' | 'MASQUERADE';
  /** Every rule that matched, in order. */
  steps: Step[];
  packet: Packet;
  /** The built-in chain's policy was what decided (no terminal rule matched). */
  byPolicy?: boolean;
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function applyMark(mark: number, args: string[]): number {
  const set = arg(args, '--set-xmark') ?? arg(args, '--set-mark');
  if (set) {
    const [v, m] = set.split('/').map(Number);
    const mask = m === undefined ? 0xffffffff : m;
    return ((mark & ~mask) ^ v) >>> 0;
  }
  const or = arg(args, '--or-mark');
  if (or) return (mark | Number(or)) >>> 0;
  const and = arg(args, '--and-mark');
  if (and) return (mark & Number(and)) >>> 0;
  return mark;
}

/** Walks one built-in chain of one table (e.g. nat PREROUTING), following jumps, as the kernel would. */
export function walk(rs: Ruleset, table: string, chain: string, packet: Packet, ctx: MatchContext): ChainResult {
  const steps: Step[] = [];
  let p = { ...packet };
  const byChain = new Map<string, Rule[]>();
  for (const r of rs.rules) if (r.table === table) byChain.set(r.chain, [...(byChain.get(r.chain) ?? []), r]);
  const run = (name: string, depth: number): ChainResult['verdict'] | 'RETURN' | undefined => {
    if (depth > 32) return undefined;
    for (const rule of byChain.get(name) ?? []) {
      const parsed = parseRule(rule);
      if (!parsed.test(p, ctx)) continue;
      const uncertain = parsed.unknown.length > 0 || undefined;
      const t = parsed.target;
      if (!t) {
        steps.push({ rule, parsed, effect: 'counted', uncertain });
        continue;
      }
      if (t === 'ACCEPT' || t === 'DROP' || t === 'RETURN') {
        steps.push({ rule, parsed, effect: t.toLowerCase(), uncertain });
        return t;
      }
      if (t === 'REJECT') {
        steps.push({ rule, parsed, effect: `reject (${arg(parsed.targetArgs, '--reject-with') ?? 'icmp-port-unreachable'})`, uncertain });
        return 'REJECT';
      }
      if (t === 'DNAT') {
        const to = arg(parsed.targetArgs, '--to-destination') ?? '';
        const [ip, port] = to.split(':');
        const before = `${p.dst}${p.dport ? `:${p.dport}` : ''}`;
        p = { ...p, dst: ip || p.dst, dport: port ? Number(port) : p.dport };
        steps.push({ rule, parsed, effect: `DNAT ${before} -> ${to}`, uncertain });
        return 'DNAT';
      }
      if (t === 'SNAT' || t === 'MASQUERADE') {
        steps.push({
          rule,
          parsed,
          effect:
            t === 'SNAT'
              ? `SNAT to ${arg(parsed.targetArgs, '--to-source')}`
              : 'MASQUERADE (source becomes the outgoing interface address)',
          uncertain,
        });
        return t;
      }
      if (t === 'MARK') {
        p = { ...p, mark: applyMark(p.mark, parsed.targetArgs) };
        steps.push({ rule, parsed, effect: `mark 0x${p.mark.toString(16)}`, uncertain });
        continue;
      }
      if (t === 'NFLOG' || t === 'LOG' || t === 'TRACE') {
        steps.push({ rule, parsed, effect: t.toLowerCase(), uncertain });
        continue;
      }
      if (!byChain.has(t) && !rs.chains.has(`${table}:${t}`)) {
        steps.push({ rule, parsed, effect: `-j ${t} (not modelled)`, uncertain: true });
        continue;
      }
      const at = steps.length;
      steps.push({ rule, parsed, effect: `jump ${t}`, uncertain });
      const r = run(t, depth + 1);
      if (r && r !== 'RETURN') return r;
      // A jump into a chain where nothing matched changed nothing: leave it out of the path.
      if (steps.length === at + 1) steps.pop();
    }
    return undefined;
  };
  const verdict = run(chain, 0);
  if (verdict && verdict !== 'RETURN') return { verdict, steps, packet: p };
  const policy = rs.policies.get(`${table}:${chain}`) ?? 'ACCEPT';
  return { verdict: policy === 'DROP' ? 'DROP' : 'ACCEPT', steps, packet: p, byPolicy: true };
}
