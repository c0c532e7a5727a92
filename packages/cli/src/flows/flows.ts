// `kubelab flows`' records, Hubble-style: connections the nodes let through (their conntrack tables: an entry
// exists only once its first packet passed every filter chain, so each one is FORWARDED) and packets the
// NetworkPolicy chains dropped (each node's drop log, written by its agent from NFLOG), named by pod and
// Service, with the policies that decided a drop, default deny included. Pure.
import { type ConntrackEntry, parseConntrack, translatedDestination } from '../trace/evidence';

export type Verdict = 'FORWARDED' | 'DROPPED';

export interface FlowEnd {
  ip: string;
  port?: number;
  /** "ns/name" of the pod with that IP. */
  pod?: string;
}

export interface Flow {
  /** ms since the epoch when known (drop records, conntrack events); conntrack listings have no time. */
  time?: number;
  node: string;
  verdict: Verdict;
  protocol: string;
  src: FlowEnd;
  dst: FlowEnd;
  /** "ns/name" when the connection was addressed to a Service's ClusterIP (dst is then the endpoint). */
  service?: string;
  /** Drops: the policies selecting the isolated pod (none allowed it), and whose isolation it was. */
  policies?: string[];
  isolation?: string;
  /** TCP state or conntrack flags for forwarded flows. */
  state?: string;
}

export interface Names {
  podByIp(ip: string): string | undefined;
  serviceByClusterIp(ip: string): string | undefined;
}

/** One line of `conntrack -L`, or of `conntrack -E -o timestamp` ("[1701.5]\t [NEW] tcp ..."). */
export function flowOfConntrack(line: string, node: string, names: Names): Flow | undefined {
  let rest = line.trim();
  let time: number | undefined;
  const ts = /^\[(\d+)\.(\d+)\]\s*/.exec(rest);
  if (ts) {
    time = Number(ts[1]) * 1000 + Math.floor(Number(`0.${ts[2]}`) * 1000);
    rest = rest.slice(ts[0].length);
  }
  rest = rest.replace(/^\[(NEW|UPDATE|DESTROY)\]\s*/, '');
  const e: ConntrackEntry | undefined = parseConntrack(rest);
  if (!e || !['tcp', 'udp', 'icmp', 'sctp'].includes(e.proto)) return undefined;
  const service = names.serviceByClusterIp(e.orig.dst);
  const to = translatedDestination(e);
  const [dstIp, dstPort] = to ? [e.reply.src, e.reply.sport] : [e.orig.dst, e.orig.dport];
  return {
    time,
    node,
    verdict: 'FORWARDED',
    protocol: e.proto.toUpperCase(),
    src: { ip: e.orig.src, port: e.orig.sport, pod: names.podByIp(e.orig.src) },
    dst: { ip: dstIp, port: dstPort, pod: names.podByIp(dstIp) },
    service,
    state: e.state ?? (e.flags.join(',') || undefined),
  };
}

interface DropRecord {
  time: string;
  node: string;
  direction: string;
  pod: string;
  policies: string[];
  protocol: string;
  src: FlowEnd;
  dst: FlowEnd;
}

/** One line of a node's /var/log/kubelab/netpol-drops.jsonl. */
export function flowOfDrop(line: string, names: Names): Flow | undefined {
  let r: DropRecord;
  try {
    r = JSON.parse(line) as DropRecord;
  } catch {
    return undefined;
  }
  if (!r?.src || !r.dst) return undefined;
  return {
    time: Date.parse(r.time) || undefined,
    node: r.node,
    verdict: 'DROPPED',
    protocol: r.protocol,
    src: { ...r.src, pod: r.src.pod ?? names.podByIp(r.src.ip) },
    dst: { ...r.dst, pod: r.dst.pod ?? names.podByIp(r.dst.ip) },
    policies: r.policies ?? [],
    isolation: `${r.direction} of ${r.pod}`,
  };
}

/** The same connection seen by both nodes it crossed counts once. */
export function flowKey(f: Flow): string {
  return `${f.verdict}|${f.protocol}|${f.src.ip}:${f.src.port ?? ''}|${f.dst.ip}:${f.dst.port ?? ''}`;
}

export interface FlowFilter {
  /** "ns/name": flows from or to this pod. */
  pod?: string;
  verdict?: Verdict;
  /** "ns/name" of a Service. */
  toService?: string;
  protocol?: string;
  /** ms since the epoch; flows without a time are kept. */
  since?: number;
  /** Node addresses: forwarded flows they start (kubelet probes, agents' API traffic) are left out. */
  nodeAddresses?: Set<string>;
  /**
   * The node of the pod with this IP. A connection from a pod is reported by its own node, the one that
   * DNATs it (the Service shows there); the destination's node holds a second entry of it.
   */
  nodeOfPod?: (ip: string) => string | undefined;
}

export function keep(f: Flow, o: FlowFilter): boolean {
  if (o.nodeAddresses?.has(f.src.ip) && f.verdict === 'FORWARDED') return false;
  if (!f.src.pod && !f.dst.pod && !f.service) return false;
  const home = f.verdict === 'FORWARDED' ? o.nodeOfPod?.(f.src.ip) : undefined;
  if (home && home !== f.node) return false;
  if (o.pod && f.src.pod !== o.pod && f.dst.pod !== o.pod) return false;
  if (o.verdict && f.verdict !== o.verdict) return false;
  if (o.toService && f.service !== o.toService) return false;
  if (o.protocol && f.protocol !== o.protocol.toUpperCase()) return false;
  if (o.since && f.time !== undefined && f.time < o.since) return false;
  return true;
}

function end(e: FlowEnd): string {
  return `${e.pod ?? e.ip}${e.port !== undefined ? `:${e.port}` : ''}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function when(t?: number): string {
  if (t === undefined) return 'in conntrack now';
  const d = new Date(t);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '0')} ${d.toISOString().slice(11, 23)}`;
}

/** Hubble's compact line: time, source -> destination, then the verdict and why. */
export function compactLine(f: Flow): string {
  const svc = f.service ? ` (service ${f.service})` : '';
  if (f.verdict === 'DROPPED') {
    const by = f.policies?.length ? `by ${f.policies.join(', ')}` : 'by default deny';
    return `${when(f.time)}: ${end(f.src)} -> ${end(f.dst)}${svc} ${f.protocol} DROPPED ${by} (${f.isolation}: no policy allowed it) on ${f.node}`;
  }
  return `${when(f.time)}: ${end(f.src)} -> ${end(f.dst)}${svc} ${f.protocol} FORWARDED${f.state ? ` (${f.state})` : ''} on ${f.node}`;
}

export const TABLE_HEAD = ['TIME', 'NODE', 'SOURCE', 'DESTINATION', 'SERVICE', 'PROTO', 'VERDICT', 'SUMMARY'];

export function tableRow(f: Flow): string[] {
  return [
    when(f.time),
    f.node,
    end(f.src),
    end(f.dst),
    f.service ?? '',
    f.protocol,
    f.verdict,
    f.verdict === 'DROPPED' ? `${f.policies?.length ? f.policies.join(',') : 'default deny'} (${f.isolation})` : (f.state ?? ''),
  ];
}
