// What `kubelab netem set` asks for, in tc-netem's words (`delay 100ms 10ms loss 5% rate 1mbit ...`), and
// the helper's program that carries it out in a network namespace. Pure.
//
// The helper tries tc-netem first (tc-netem.ts). Where the kernel lacks it (this lab's is built without
// sch_netem and sch_prio: CONFIG_NET_SCH_NETEM/PRIO unset, no modules, `tc` answers "Specified qdisc kind is
// unknown") or the image lacks a distribution table (ENOENT), it emulates netem with what such a kernel has:
// NFQUEUE, xt_statistic and xt_TEE. Loss is `-m statistic ... -j DROP`, duplication `-j TEE` (the clone goes
// to the next hop), and delay, jitter, rate, reorder and corruption are done by a small NFQUEUE loop
// (nfq-netem.ts). Either way only a namespace's egress is impaired.
import { InvalidArgumentError } from 'commander';
import { tcPlan } from './tc-netem';

/** netem's delay distributions (tc-netem(8)); uniform is its default, without a table. */
export const DISTRIBUTIONS = ['uniform', 'normal', 'pareto', 'paretonormal'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export interface NetemSpec {
  delayMs?: number;
  jitterMs?: number;
  /** How the jitter is spread (absent: uniform). */
  distribution?: Distribution;
  /** Percentages, 0-100. */
  loss?: number;
  corrupt?: number;
  duplicate?: number;
  reorder?: number;
  /** With reorder: only every gap-th packet may jump the queue (netem's `gap`; absent = 1, any packet). */
  gap?: number;
  /** Bits per second. */
  rateBps?: number;
}

/** tc's time units (`100ms`, `1s`, `250us`); a bare number is taken as milliseconds. */
export function parseTime(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(us|usec|ms|msec|s|sec)?$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`invalid time "${text}" (use e.g. 100ms, 1s)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return unit.startsWith('u') ? n / 1000 : unit.startsWith('m') ? n : n * 1000;
}

export function parsePercent(text: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  const n = m ? Number(m[1]) : Number.NaN;
  if (!(n >= 0 && n <= 100)) throw new InvalidArgumentError(`invalid percentage "${text}" (use e.g. 5%)`);
  return n;
}

/** tc's rate units: bit, kbit, mbit, gbit (SI), bps/kbps/mbps = bytes per second; a bare number is bit/s. */
export function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)?$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`invalid rate "${text}" (use e.g. 1mbit, 500kbit)`);
  const unit = (m[2] ?? 'bit').toLowerCase();
  const scale: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9 };
  const bps = Number(m[1]) * scale[unit];
  if (bps < 8) throw new InvalidArgumentError(`rate "${text}" is too low`);
  return bps;
}

export interface NetemFlags {
  delay?: string;
  jitter?: string;
  distribution?: string;
  loss?: string;
  rate?: string;
  corrupt?: string;
  duplicate?: string;
  reorder?: string;
  gap?: string;
}

/** The spec from the command's flags, refusing what netem refuses (jitter or reorder without a delay). */
export function specFromFlags(f: NetemFlags): NetemSpec {
  const s: NetemSpec = {};
  if (f.delay !== undefined) s.delayMs = parseTime(f.delay);
  if (f.jitter !== undefined) s.jitterMs = parseTime(f.jitter);
  if (f.loss !== undefined) s.loss = parsePercent(f.loss);
  if (f.rate !== undefined) s.rateBps = parseRate(f.rate);
  if (f.corrupt !== undefined) s.corrupt = parsePercent(f.corrupt);
  if (f.duplicate !== undefined) s.duplicate = parsePercent(f.duplicate);
  if (f.reorder !== undefined) s.reorder = parsePercent(f.reorder);
  if (f.distribution !== undefined) {
    if (!(DISTRIBUTIONS as readonly string[]).includes(f.distribution))
      throw new InvalidArgumentError(`invalid distribution "${f.distribution}" (use ${DISTRIBUTIONS.join(', ')})`);
    s.distribution = f.distribution as Distribution;
  }
  if (f.gap !== undefined) {
    const g = Number(f.gap);
    if (!Number.isInteger(g) || g < 1) throw new InvalidArgumentError(`invalid gap "${f.gap}" (a whole number of packets, 1 or more)`);
    s.gap = g;
  }
  if (Object.keys(s).length === 0)
    throw new InvalidArgumentError('nothing to set: give at least one of --delay, --loss, --rate, --corrupt, --duplicate, --reorder');
  if (s.jitterMs && !s.delayMs) throw new InvalidArgumentError('--jitter needs --delay');
  if (s.reorder && !s.delayMs) throw new InvalidArgumentError('--reorder needs --delay (reordered packets are the ones sent without it)');
  if (s.distribution && !s.jitterMs) throw new InvalidArgumentError('--distribution needs --jitter (it shapes the jitter)');
  if (s.gap && !s.reorder) throw new InvalidArgumentError('--gap needs --reorder');
  if (s.jitterMs && s.delayMs && s.jitterMs > s.delayMs) throw new InvalidArgumentError('--jitter must not exceed --delay');
  return s;
}

const num = (n: number): string => String(Number(n.toFixed(3)));

function rateText(bps: number): string {
  for (const [unit, f] of [
    ['gbit', 1e9],
    ['mbit', 1e6],
    ['kbit', 1e3],
  ] as const)
    if (bps >= f && bps % (f / 1000) === 0) return `${num(bps / f)}${unit}`;
  return `${bps}bit`;
}

/** The spec as tc-netem prints it: `delay 100ms 10ms loss 5% rate 1mbit`. */
export function specText(s: NetemSpec): string {
  const parts: string[] = [];
  if (s.delayMs)
    parts.push(
      `delay ${num(s.delayMs)}ms${s.jitterMs ? ` ${num(s.jitterMs)}ms` : ''}${s.distribution && s.distribution !== 'uniform' ? ` distribution ${s.distribution}` : ''}`,
    );
  if (s.loss) parts.push(`loss ${num(s.loss)}%`);
  if (s.duplicate) parts.push(`duplicate ${num(s.duplicate)}%`);
  if (s.reorder) parts.push(`reorder ${num(s.reorder)}%${s.gap ? ` gap ${s.gap}` : ''}`);
  if (s.corrupt) parts.push(`corrupt ${num(s.corrupt)}%`);
  if (s.rateBps) parts.push(`rate ${rateText(s.rateBps)}`);
  return parts.join(' ') || 'none';
}

/** One impairment of a namespace's egress: to everything (`peerIP` absent) or to one address. */
export interface NetemEntry {
  /** What the other end is, for display ("pod default/b", "node kubelab-worker"); absent = everything. */
  peer?: string;
  peerIP?: string;
  spec: NetemSpec;
}

export const NETEM_CHAIN = 'KUBELAB-NETEM';
const FIRST_QUEUE = 100;

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Shell lines (run in the namespace) that install `entries` and the queue parameters the NFQUEUE loop takes. */
export function netemPlan(entries: NetemEntry[], iface: string): { rules: string[]; queues: string[] } {
  const rules: string[] = [];
  const queues: string[] = [];
  // Pairs first: a packet to a paired peer takes that pair's impairment only, never also the namespace's.
  const ordered = [...entries.filter((e) => e.peerIP), ...entries.filter((e) => !e.peerIP)];
  ordered.forEach((e, i) => {
    const match = e.peerIP ? `-d ${e.peerIP}/32` : `-o ${iface}`;
    const what = `-m comment --comment ${q(`kubelab netem ${e.peer ? `to ${e.peer}` : 'all'}: ${specText(e.spec)}`)}`;
    const add = (rest: string) => rules.push(`iptables -t mangle -A ${NETEM_CHAIN} ${match} ${what} ${rest}`);
    const s = e.spec;
    if (s.loss) add(`-m statistic --mode random --probability ${num(s.loss / 100)} -j DROP`);
    // TEE's clone goes straight to the next hop of the destination (the pod's agent; the peer's route).
    if (s.duplicate)
      add(`-m statistic --mode random --probability ${num(s.duplicate / 100)} -j TEE --gateway "$(nexthop ${e.peerIP ?? ''})"`);
    if (s.delayMs || s.rateBps || s.corrupt || s.reorder) {
      const queue = FIRST_QUEUE + i;
      add(`-j NFQUEUE --queue-num ${queue} --queue-bypass`);
      queues.push(
        [
          queue,
          s.delayMs ?? 0,
          s.jitterMs ?? 0,
          s.rateBps ?? 0,
          (s.corrupt ?? 0) / 100,
          (s.reorder ?? 0) / 100,
          s.gap ?? 1,
          s.distribution ?? 'uniform',
        ]
          .map(String)
          .join(':'),
      );
    }
    if (e.peerIP) add('-j RETURN');
  });
  return { rules, queues };
}

/** What tc says when the kernel or the image lacks a piece: then the helper emulates (any other error stops it). */
export const TC_MISSING = ['Specified qdisc kind is unknown', 'No such file or directory', 'not found'];

/**
 * The helper's whole program. First tc-netem (tc-netem.ts); when tc answers one of TC_MISSING, the emulation:
 * install the chain, run the queue loop, and take the chain out again when it is stopped (docker stop) or
 * when the loop ends because the pod's interface is gone. `$1` = the perl text. Without a loop to hold them
 * the rules' --queue-bypass lets packets through, so a killed helper never blackholes a pod. The ready line
 * names the mechanism: "netem: installed (tc)" or "netem: installed (emulated: <what tc said>)".
 */
export function netemScript(entries: NetemEntry[], iface: string): string {
  const { rules, queues } = netemPlan(entries, iface);
  const tc = tcPlan(entries, iface);
  const watch = `(while grep -q ${q(`${iface}:`)} /proc/net/dev; do sleep 1; done) & pid=$!`;
  return [
    `tcdown() { ${tc.teardown}; }`,
    // A subshell with -e: the first failing tc line ends it, and its stderr says why.
    `if tcerr=$( (set -e\n${tc.setup.join('\n')}\n) 2>&1 ); then`,
    `  ${watch}`,
    `  trap 'kill $pid 2>/dev/null; tcdown; exit 0' TERM INT`,
    '  echo "netem: installed (tc)"',
    '  wait $pid',
    '  tcdown',
    '  exit 0',
    'fi',
    'tcdown',
    'case "$tcerr" in',
    `  ${TC_MISSING.map((m) => `*${q(m)}*`).join('|')}) ;;`,
    '  *) echo "netem: tc failed: $tcerr"; exit 1 ;;',
    'esac',
    'why=$(echo "$tcerr" | head -n 1 | sed \'s/^Error: //\')',
    'set -e',
    `nexthop() { if [ -n "$1" ]; then r=$(ip -4 route get "$1"); else r=$(ip -4 route show default); fi; g=$(echo "$r" | sed -n 's/.* via \\([0-9.]*\\).*/\\1/p'); echo "\${g:-$1}"; }`,
    `iptables -t mangle -N ${NETEM_CHAIN} 2>/dev/null || iptables -t mangle -F ${NETEM_CHAIN}`,
    `iptables -t mangle -C POSTROUTING -j ${NETEM_CHAIN} 2>/dev/null || iptables -t mangle -I POSTROUTING 1 -j ${NETEM_CHAIN}`,
    ...rules,
    `cleanup() { iptables -t mangle -D POSTROUTING -j ${NETEM_CHAIN} 2>/dev/null; iptables -t mangle -F ${NETEM_CHAIN} 2>/dev/null; iptables -t mangle -X ${NETEM_CHAIN} 2>/dev/null; true; }`,
    'set +e',
    queues.length ? `IFACE=${q(iface)} perl -e "$1" ${queues.join(' ')} & pid=$!` : watch,
    `trap 'kill $pid 2>/dev/null; cleanup; exit 0' TERM INT`,
    'echo "netem: installed (emulated: $why)"',
    'wait $pid',
    'cleanup',
  ].join('\n');
}

export const PARTITION_CHAIN = 'KUBELAB-PARTITION';

/** One other end a namespace is cut off from: its addresses (an IP, or a node's IP and pod CIDR). */
export interface PartitionPeer {
  name: string;
  addresses: string[];
}

/**
 * Shell lines that make a namespace's filter chain drop everything to and from `peers`, ahead of every other
 * rule (position 1 in INPUT, OUTPUT and, in a node, FORWARD: before the agent's KUBELAB-NETPOL, whose first
 * rule accepts established flows, so a partition cuts open connections too). The chain is the lab's own: the
 * node agent restores its tables with --noflush and declares only KUBE-* and its own KUBELAB-NP*, -HOSTPORTS,
 * -POSTROUTING, -OUTPUT chains, and re-inserts a missing jump without moving others.
 */
export function partitionScript(peers: PartitionPeer[], hooks: string[]): string {
  const lines = ['set -e', `iptables -N ${PARTITION_CHAIN} 2>/dev/null || iptables -F ${PARTITION_CHAIN}`];
  for (const h of hooks) lines.push(`iptables -C ${h} -j ${PARTITION_CHAIN} 2>/dev/null || iptables -I ${h} 1 -j ${PARTITION_CHAIN}`);
  for (const p of peers)
    for (const a of p.addresses)
      for (const dir of ['-s', '-d'])
        lines.push(`iptables -A ${PARTITION_CHAIN} ${dir} ${a} -m comment --comment ${q(`kubelab partition from ${p.name}`)} -j DROP`);
  if (peers.length === 0) {
    for (const h of hooks) lines.push(`iptables -D ${h} -j ${PARTITION_CHAIN} 2>/dev/null || true`);
    lines.push(`iptables -X ${PARTITION_CHAIN}`);
  }
  return lines.join('\n');
}
