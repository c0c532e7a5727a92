// Packets from tcpdump's `-w -` (the classic libpcap format, the only one tcpdump writes) re-framed as
// pcapng, so one file holds several capture points as separate interfaces (the pod's namespace and the node
// agent's, for `capture --both-sides`) and Wireshark or `tcpdump -r` shows which side saw each packet. Pure.
// Formats: https://wiki.wireshark.org/Development/LibpcapFileFormat, RFC-draft pcapng (IETF opsawg-pcapng):
// Section Header Block 0x0A0D0D0A, Interface Description Block 1, Enhanced Packet Block 6.

export interface PcapHeader {
  linkType: number;
  snapLen: number;
  littleEndian: boolean;
  /** Timestamps in nanoseconds (magic a1b23c4d) rather than microseconds. */
  nanos: boolean;
}

export interface PcapPacket {
  /** Microseconds since the epoch. */
  tsUsec: bigint;
  origLen: number;
  data: Buffer;
}

/** Incremental reader of a libpcap stream: feed chunks, get the header once and whole packets as they complete. */
export class PcapReader {
  header?: PcapHeader;
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): PcapPacket[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: PcapPacket[] = [];
    if (!this.header) {
      if (this.buf.length < 24) return out;
      const magicLE = this.buf.readUInt32LE(0);
      const known: Record<number, { littleEndian: boolean; nanos: boolean }> = {
        2712847316: { littleEndian: true, nanos: false },
        2712812621: { littleEndian: true, nanos: true },
        3569595041: { littleEndian: false, nanos: false },
        1295823521: { littleEndian: false, nanos: true },
      };
      const kind = known[magicLE];
      if (!kind) throw new Error(`not a pcap stream (magic 0x${magicLE.toString(16)})`);
      const u32 = (o: number): number => (kind.littleEndian ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o));
      this.header = { ...kind, snapLen: u32(16), linkType: u32(20) & 0x0fffffff };
      this.buf = this.buf.subarray(24);
    }
    const h = this.header;
    const u32 = (o: number): number => (h.littleEndian ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o));
    while (this.buf.length >= 16) {
      const incl = u32(8);
      if (this.buf.length < 16 + incl) break;
      const sub = BigInt(u32(4));
      const tsUsec = BigInt(u32(0)) * 1_000_000n + (h.nanos ? sub / 1000n : sub);
      out.push({ tsUsec, origLen: u32(12), data: Buffer.from(this.buf.subarray(16, 16 + incl)) });
      this.buf = this.buf.subarray(16 + incl);
    }
    return out;
  }
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function option(code: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + value.length + pad4(value.length));
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  value.copy(b, 4);
  return b;
}

function block(type: number, body: Buffer): Buffer {
  const total = 12 + body.length;
  const b = Buffer.alloc(total);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(total, 4);
  body.copy(b, 8);
  b.writeUInt32LE(total, total - 4);
  return b;
}

/** The Section Header Block that opens a pcapng file (little-endian, version 1.0, length unknown). */
export function sectionHeader(): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(0x1a2b3c4d, 0);
  body.writeUInt16LE(1, 4);
  body.writeUInt16LE(0, 6);
  body.writeBigInt64LE(-1n, 8);
  return block(0x0a0d0d0a, body);
}

/** An Interface Description Block: `name` (if_name) and `description` (if_description) say which side it is. */
export function interfaceBlock(linkType: number, snapLen: number, name: string, description: string): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(linkType, 0);
  head.writeUInt16LE(0, 2);
  head.writeUInt32LE(snapLen, 4);
  // if_tsresol is left out: the default is microseconds, what the reader produces.
  const opts = Buffer.concat([option(2, Buffer.from(name)), option(3, Buffer.from(description)), option(0, Buffer.alloc(0))]);
  return block(1, Buffer.concat([head, opts]));
}

/** An Enhanced Packet Block of interface `iface` (its index among the IDBs written). */
export function packetBlock(iface: number, p: PcapPacket): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt32LE(iface, 0);
  head.writeUInt32LE(Number(p.tsUsec >> 32n), 4);
  head.writeUInt32LE(Number(p.tsUsec & 0xffffffffn), 8);
  head.writeUInt32LE(p.data.length, 12);
  head.writeUInt32LE(p.origLen, 16);
  return block(6, Buffer.concat([head, p.data, Buffer.alloc(pad4(p.data.length))]));
}

/**
 * A pcapng stream fed by several libpcap streams (capture points): each point's Interface Description Block
 * is written when its pcap header arrives, so interface numbers follow arrival order.
 */
export class PcapngMerger {
  private readonly readers = new Map<string, { reader: PcapReader; iface?: number }>();
  private next = 0;

  constructor(private readonly write: (b: Buffer) => void) {
    write(sectionHeader());
  }

  /** Bytes from capture point `name` (described by `description`); returns how many packets they completed. */
  push(name: string, description: string, chunk: Buffer): number {
    let point = this.readers.get(name);
    if (!point) this.readers.set(name, (point = { reader: new PcapReader() }));
    const packets = point.reader.push(chunk);
    const h = point.reader.header;
    if (h && point.iface === undefined) {
      point.iface = this.next++;
      this.write(interfaceBlock(h.linkType, h.snapLen, name, description));
    }
    for (const p of packets) this.write(packetBlock(point.iface!, p));
    return packets.length;
  }
}
