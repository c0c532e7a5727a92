// The node's NetworkPolicy drop log: each packet a pod chain dropped (NFLOG, nflog.ts) becomes a DropRecord
// naming both ends and whose isolation denied it; the last ones are kept in a ring buffer for in-process
// readers and appended as JSON lines to a file in the node container that `kubelab netpol drops` tails
// (the format is documented in /work/notes/netpol.md and the README). Turning packets into records is pure.
import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Direction, PolicyModel } from './policy-model';
import type { NflogPacket } from './nflog';

export const DROP_LOG_FILE = '/var/log/kubelab/netpol-drops.jsonl';
const MAX_FILE_BYTES = 1024 * 1024;
const RING = 1000;

export interface DropEnd {
  ip: string;
  port?: number;
  /** "ns/name" when the address is a pod's. */
  pod?: string;
}

export interface DropRecord {
  /** RFC 3339 with milliseconds. */
  time: string;
  node: string;
  /** Whose isolation denied it: `pod`'s, for this direction. */
  direction: Direction;
  pod: string;
  /** The policies selecting `pod` for `direction` when it was dropped (none of them allowed it). */
  policies: string[];
  protocol: string;
  src: DropEnd;
  dst: DropEnd;
  /** The pod chain that dropped it. */
  chain: string;
}

/** What a pod chain stood for when it was rendered. */
export interface ChainOwner {
  pod: string;
  direction: Direction;
  policies: string[];
}

const protocolNames: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 132: 'SCTP' };

/** Chain name -> owner for every isolated pod of a model. */
export function chainOwners(m: PolicyModel): Map<string, ChainOwner> {
  const out = new Map<string, ChainOwner>();
  for (const iso of [...m.egress, ...m.ingress])
    out.set(iso.chain, { pod: iso.pod, direction: iso.direction, policies: iso.policies.map((p) => p.policy) });
  return out;
}

export function toDropRecord(
  p: NflogPacket,
  node: string,
  owners: Map<string, ChainOwner>,
  podsByIP: Map<string, string>,
): DropRecord | undefined {
  const owner = owners.get(p.prefix);
  if (!owner || !p.src || !p.dst) return undefined;
  const end = (ip: string, port: number | undefined): DropEnd => {
    const pod = podsByIP.get(ip);
    return { ip, ...(port !== undefined ? { port } : {}), ...(pod ? { pod } : {}) };
  };
  return {
    time: new Date(p.time).toISOString(),
    node,
    direction: owner.direction,
    pod: owner.pod,
    policies: owner.policies,
    protocol: protocolNames[p.protocol ?? -1] ?? String(p.protocol),
    src: end(p.src, p.srcPort),
    dst: end(p.dst, p.dstPort),
    chain: p.prefix,
  };
}

export type DropListener = (r: DropRecord) => void;

/** Ring buffer + JSON-lines file (rotated to `.1` past 1 MiB) + subscribers. */
export class DropLog {
  private readonly ring: DropRecord[] = [];
  private readonly listeners = new Set<DropListener>();
  private pending: string[] = [];
  private writing = false;

  constructor(private readonly file: string | undefined = DROP_LOG_FILE) {}

  add(r: DropRecord): void {
    this.ring.push(r);
    if (this.ring.length > RING) this.ring.splice(0, this.ring.length - RING);
    for (const l of this.listeners) l(r);
    if (this.file) {
      this.pending.push(`${JSON.stringify(r)}\n`);
      void this.flush();
    }
  }

  /** The last `n` drops, oldest first. */
  recent(n = RING): DropRecord[] {
    return this.ring.slice(-n);
  }

  subscribe(fn: DropListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async flush(): Promise<void> {
    if (this.writing || !this.file) return;
    this.writing = true;
    try {
      while (this.pending.length) {
        const text = this.pending.join('');
        this.pending = [];
        await mkdir(path.dirname(this.file), { recursive: true });
        const size = await stat(this.file).then(
          (s) => s.size,
          () => 0,
        );
        if (size > MAX_FILE_BYTES) await rename(this.file, `${this.file}.1`);
        await appendFile(this.file, text);
      }
    } catch {
      // The log file is a convenience; the ring buffer and the counters still hold.
    } finally {
      this.writing = false;
    }
  }
}
