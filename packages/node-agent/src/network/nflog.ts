// Packets the kernel hands to an NFLOG group, read the kernel-native way: `tcpdump -i nflog:GROUP -U -w -`
// (tcpdump ships in the node image) writes them as a pcap stream of LINKTYPE_NFLOG records, whose TLVs carry
// the rule's --nflog-prefix and the packet. The parser is pure and incremental (chunks in, packets out).
import { spawn, type ChildProcess } from 'node:child_process';

const LINKTYPE_NFLOG = 239;
const NFULA_PAYLOAD = 9;
const NFULA_PREFIX = 10;

export interface NflogPacket {
  /** Capture time, ms since the epoch. */
  time: number;
  prefix: string;
  /** The IPv4 header's facts (undefined for anything else). */
  protocol?: number;
  src?: string;
  dst?: string;
  srcPort?: number;
  dstPort?: number;
}

const ip = (b: Buffer, at: number): string => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;

/** Whether an IPv4 header's checksum holds. */
function headerChecksumOk(p: Buffer, ihl: number): boolean {
  let sum = 0;
  for (let i = 0; i < ihl; i += 2) sum += p.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

/**
 * IPv4 addresses, protocol and (TCP, UDP, SCTP) ports of a packet; nothing when its header checksum fails (a
 * copy the kernel garbled in transit to the log must not become a drop between 0.0.0.0 and 0.0.0.0).
 */
export function parseIPv4(p: Buffer): Omit<NflogPacket, 'time' | 'prefix'> {
  if (p.length < 20 || p[0] >> 4 !== 4) return {};
  const ihl = (p[0] & 15) * 4;
  if (ihl < 20 || p.length < ihl || !headerChecksumOk(p, ihl)) return {};
  const protocol = p[9];
  const out: Omit<NflogPacket, 'time' | 'prefix'> = { protocol, src: ip(p, 12), dst: ip(p, 16) };
  // Ports only in the first fragment.
  const fragOffset = p.readUInt16BE(6) & 0x1fff;
  if ((protocol === 6 || protocol === 17 || protocol === 132) && fragOffset === 0 && p.length >= ihl + 4) {
    out.srcPort = p.readUInt16BE(ihl);
    out.dstPort = p.readUInt16BE(ihl + 2);
  }
  return out;
}

/** One NFLOG record (after the pcap record header): family, version, resource id, then TLVs. */
export function parseNflogRecord(rec: Buffer, time: number): NflogPacket {
  let prefix = '';
  let payload: Buffer | undefined;
  let at = 4;
  while (at + 4 <= rec.length) {
    // TLV lengths and types are in the capturing host's byte order (little-endian here, as on every
    // machine kubelab runs on); the length includes the 4-byte header, values are padded to 4 bytes.
    const len = rec.readUInt16LE(at);
    const type = rec.readUInt16LE(at + 2) & 0x7fff;
    if (len < 4) break;
    const value = rec.subarray(at + 4, Math.min(rec.length, at + len));
    if (type === NFULA_PREFIX) prefix = value.toString('latin1').replace(/\0.*$/s, '');
    else if (type === NFULA_PAYLOAD) payload = value;
    at += (len + 3) & ~3;
  }
  return { time, prefix, ...(payload ? parseIPv4(payload) : {}) };
}

/** A pcap stream, fed in chunks: the global header once, then records. */
export class PcapNflogParser {
  private buf: Buffer = Buffer.alloc(0);
  private headerSeen = false;
  private little = true;

  push(chunk: Buffer): NflogPacket[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: NflogPacket[] = [];
    if (!this.headerSeen) {
      if (this.buf.length < 24) return out;
      const magic = this.buf.readUInt32LE(0);
      this.little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
      const linktype = this.little ? this.buf.readUInt32LE(20) : this.buf.readUInt32BE(20);
      if (linktype !== LINKTYPE_NFLOG) throw new Error(`pcap link type ${linktype} is not NFLOG (${LINKTYPE_NFLOG})`);
      this.headerSeen = true;
      this.buf = this.buf.subarray(24);
    }
    const u32 = (at: number) => (this.little ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at));
    while (this.buf.length >= 16) {
      const incl = u32(8);
      if (this.buf.length < 16 + incl) break;
      const time = u32(0) * 1000 + Math.floor(u32(4) / 1000);
      out.push(parseNflogRecord(this.buf.subarray(16, 16 + incl), time));
      this.buf = this.buf.subarray(16 + incl);
    }
    return out;
  }
}

/** Runs tcpdump on the NFLOG group and calls `onPacket` for each packet; restarts it if it dies. */
export function readNflog(group: number, onPacket: (p: NflogPacket) => void, onError: (err: Error) => void): { close(): void } {
  let child: ChildProcess | undefined;
  let closed = false;
  const start = () => {
    const parser = new PcapNflogParser();
    child = spawn('tcpdump', ['-i', `nflog:${group}`, '-U', '-w', '-', '-s', '256'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-500);
    });
    child.stdout?.on('data', (d: Buffer) => {
      try {
        for (const p of parser.push(d)) onPacket(p);
      } catch (err) {
        onError(err as Error);
        child?.kill();
      }
    });
    child.on('error', (err) => {
      // No tcpdump in this image: nothing to restart.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') closed = true;
      onError(err);
    });
    child.on('exit', (code) => {
      if (closed) return;
      onError(new Error(`tcpdump on nflog:${group} exited (${code}): ${stderr.trim()}`));
      setTimeout(() => !closed && start(), 2000).unref?.();
    });
  };
  start();
  return {
    close() {
      closed = true;
      child?.kill();
    },
  };
}
