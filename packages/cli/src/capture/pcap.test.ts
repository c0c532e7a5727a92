import { describe, expect, it } from 'vitest';
import { PcapngMerger, PcapReader } from './pcap';

function pcapHeader(linkType = 276): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(262144, 16);
  b.writeUInt32LE(linkType, 20);
  return b;
}

function pcapRecord(sec: number, usec: number, data: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(sec, 0);
  h.writeUInt32LE(usec, 4);
  h.writeUInt32LE(data.length, 8);
  h.writeUInt32LE(data.length + 10, 12);
  return Buffer.concat([h, data]);
}

/** Walks pcapng blocks: [type, body] each, checking both length fields agree. */
function blocks(file: Buffer): Array<{ type: number; body: Buffer }> {
  const out: Array<{ type: number; body: Buffer }> = [];
  for (let o = 0; o < file.length; ) {
    const len = file.readUInt32LE(o + 4);
    expect(len % 4).toBe(0);
    expect(file.readUInt32LE(o + len - 4)).toBe(len);
    out.push({ type: file.readUInt32LE(o), body: file.subarray(o + 8, o + len - 4) });
    o += len;
  }
  return out;
}

describe('pcap to pcapng', () => {
  it('reads packets across chunk boundaries', () => {
    const stream = Buffer.concat([pcapHeader(), pcapRecord(10, 5, Buffer.from('abc')), pcapRecord(11, 6, Buffer.from('defgh'))]);
    const r = new PcapReader();
    const got = [...r.push(stream.subarray(0, 10)), ...r.push(stream.subarray(10, 45)), ...r.push(stream.subarray(45))];
    expect(r.header).toMatchObject({ linkType: 276, snapLen: 262144, nanos: false });
    expect(got.map((p) => [p.tsUsec, p.data.toString(), p.origLen])).toEqual([
      [10_000_005n, 'abc', 13],
      [11_000_006n, 'defgh', 15],
    ]);
    expect(() => new PcapReader().push(Buffer.alloc(24))).toThrow(/not a pcap stream/);
  });

  it('writes one interface per capture point, in arrival order, and its packets', () => {
    const chunks: Buffer[] = [];
    const m = new PcapngMerger((b) => chunks.push(b));
    expect(m.push('node w1', 'node agent', Buffer.concat([pcapHeader(1), pcapRecord(1, 2, Buffer.from('x'))]))).toBe(1);
    expect(m.push('pod default/c', 'pod', Buffer.concat([pcapHeader(276), pcapRecord(3, 4, Buffer.from('yz'))]))).toBe(1);
    const bs = blocks(Buffer.concat(chunks));
    expect(bs.map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 6, 1, 6]);
    expect(bs[0].body.readUInt32LE(0)).toBe(0x1a2b3c4d);
    expect(bs[1].body.readUInt16LE(0)).toBe(1);
    expect(bs[1].body.subarray(12, 12 + 7).toString()).toBe('node w1');
    expect(bs[3].body.readUInt16LE(0)).toBe(276);
    const epb = bs[4].body;
    expect(epb.readUInt32LE(0)).toBe(1); // the second interface
    const ts = (BigInt(epb.readUInt32LE(4)) << 32n) | BigInt(epb.readUInt32LE(8));
    expect(ts).toBe(3_000_004n);
    expect(epb.readUInt32LE(12)).toBe(2);
    expect(epb.subarray(20, 22).toString()).toBe('yz');
  });
});
