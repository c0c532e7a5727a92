// Recorded connections for `kubelab policy whatif`: what the cluster really carried, from the node agents'
// conntrack tables (allowed flows: an entry exists only for a packet that passed) and their NetworkPolicy
// drop logs (denied ones), or a file of them written by `kubelab policy flows -o json`. Each flow is keyed
// by its ends after Service DNAT (the pod IP and port the packet was delivered to), which is what policy
// judges. Pure parsing here; reading the nodes is in the command.
import type { DropRecord } from '../commands/netpol';

export interface Flow {
  srcIP: string;
  dstIP: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  /** "ns/name" when the end is a pod. */
  src?: string;
  dst?: string;
  /** Where it was seen: "conntrack NODE", "drop-log NODE", "file", "probe". */
  seen: string;
  time?: string;
}

export const flowKey = (f: Pick<Flow, 'srcIP' | 'dstIP' | 'protocol' | 'port'>): string => `${f.protocol} ${f.srcIP} ${f.dstIP}:${f.port}`;

/**
 * `conntrack -L` lines: `tcp 6 117 TIME_WAIT src=A dst=VIP sport=P dport=80 src=POD dst=A sport=8080 dport=P ...`.
 * The reply tuple's source is where the packet really went (the endpoint, after DNAT).
 */
export function parseConntrack(text: string, node: string): Flow[] {
  const out: Flow[] = [];
  for (const line of text.split('\n')) {
    const m = /^(tcp|udp|sctp)\s+\d+\s/.exec(line);
    if (!m) continue;
    const kv = [...line.matchAll(/(src|dst|sport|dport)=(\S+)/g)].map((x) => [x[1], x[2]] as const);
    if (kv.length < 8) continue;
    const orig = Object.fromEntries(kv.slice(0, 4));
    const reply = Object.fromEntries(kv.slice(4, 8));
    out.push({
      srcIP: orig.src,
      dstIP: reply.src,
      protocol: m[1].toUpperCase() as Flow['protocol'],
      port: Number(reply.sport),
      seen: `conntrack ${node}`,
    });
  }
  return out;
}

export function flowsFromDrops(records: DropRecord[], sinceMs?: number): Flow[] {
  const out: Flow[] = [];
  for (const r of records) {
    if (sinceMs !== undefined && Date.parse(r.time) < sinceMs) continue;
    const protocol = r.protocol.toUpperCase();
    if ((protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') || !r.dst.port) continue;
    out.push({
      srcIP: r.src.ip,
      dstIP: r.dst.ip,
      protocol,
      port: r.dst.port,
      src: r.src.pod,
      dst: r.dst.pod,
      seen: `drop-log ${r.node}`,
      time: r.time,
    });
  }
  return out;
}

/** One flow per key, the first seen kept; only flows with at least one end in `isPod`, sorted. */
export function uniqueFlows(flows: Flow[], isPod: (ip: string) => boolean): Flow[] {
  const seen = new Map<string, Flow>();
  for (const f of flows) {
    if (!isPod(f.srcIP) && !isPod(f.dstIP)) continue;
    const k = flowKey(f);
    if (!seen.has(k)) seen.set(k, f);
  }
  return [...seen.values()].sort((a, b) => (flowKey(a) < flowKey(b) ? -1 : flowKey(a) > flowKey(b) ? 1 : 0));
}

/** A line of `kubelab flows -o jsonl` ({src: {ip, port, pod}, dst: {...}, protocol, verdict, node}) as a Flow. */
function fromHubbleStyle(o: Record<string, unknown>): Flow {
  const src = o.src as { ip?: string; pod?: string } | undefined;
  const dst = o.dst as { ip?: string; port?: number; pod?: string } | undefined;
  if (typeof src !== 'object' || typeof dst !== 'object' || !src || !dst) return o as unknown as Flow;
  return {
    srcIP: src.ip ?? '',
    dstIP: dst.ip ?? '',
    protocol: String(o.protocol ?? '').toUpperCase() as Flow['protocol'],
    port: dst.port ?? 0,
    src: src.pod,
    dst: dst.pod,
    seen: `flows ${String(o.verdict ?? '').toLowerCase()} ${String(o.node ?? '')}`.trim(),
  };
}

export function parseFlowFile(text: string): Flow[] {
  const out: Flow[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    let f: Flow;
    try {
      f = fromHubbleStyle(JSON.parse(line));
    } catch {
      throw new Error(`line ${i + 1}: not JSON`);
    }
    if (!f.srcIP || !f.dstIP || !f.port || !['TCP', 'UDP', 'SCTP'].includes(f.protocol))
      throw new Error(`line ${i + 1}: a flow needs srcIP, dstIP, protocol (TCP, UDP, SCTP) and port`);
    out.push({ ...f, seen: f.seen ?? 'file' });
  }
  return out;
}
