// A real server on loopback, answering from the sample zone: wire behaviour (ID, case echo, TC then TCP) and
// robustness (malformed packets get FORMERR/NOTIMP or are dropped, and the server keeps serving).
import dgram from 'node:dgram';
import net from 'node:net';
import dns2 from 'dns2';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RCODE, TYPE } from './answer';
import { sampleZone, slice, svc } from './fixtures.test-util';
import { DnsHandler } from './handler';
import { startDnsServer, type RunningDnsServer } from './server';

const { Packet } = dns2;

type Parsed = ReturnType<typeof Packet.parse>;

function query(name: string, type: number, opts: { id?: number; edns?: number; klass?: number } = {}): Buffer {
  const p = new Packet() as unknown as { header: Record<string, number>; questions: unknown[]; additionals: unknown[]; toBuffer(): Buffer };
  p.header.id = opts.id ?? 4711;
  p.header.rd = 1;
  p.questions.push({ name, type, class: opts.klass ?? 1 });
  if (opts.edns) p.additionals.push(Packet.Resource.EDNS([], { udpPayloadSize: opts.edns }));
  // dns2 compresses names; a query's single question never needs it, so the wire stays plain.
  return p.toBuffer();
}

let server: RunningDnsServer;
const zone = sampleZone();
const udp = dgram.createSocket('udp4');

function udpAsk(packet: Buffer, timeoutMs = 300): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      udp.off('message', on);
      resolve(undefined);
    }, timeoutMs);
    const on = (msg: Buffer) => {
      clearTimeout(timer);
      udp.off('message', on);
      resolve(msg);
    };
    udp.on('message', on);
    udp.send(packet, server.port, '127.0.0.1');
  });
}

function tcpAsk(frames: Buffer[], expect = 1): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let pending = Buffer.alloc(0);
    const sock = net.connect(server.port, '127.0.0.1', () => {
      for (const f of frames) sock.write(f);
      // Nothing to wait for: half-close, and the server closes its side.
      if (expect === 0) sock.end();
    });
    sock.on('data', (c) => {
      pending = Buffer.concat([pending, c]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        out.push(pending.subarray(2, 2 + pending.readUInt16BE(0)));
        pending = pending.subarray(2 + pending.readUInt16BE(0));
      }
      if (out.length >= expect) {
        sock.destroy();
        resolve(out);
      }
    });
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
  });
}

function framed(b: Buffer): Buffer {
  const h = Buffer.alloc(2);
  h.writeUInt16BE(b.length);
  return Buffer.concat([h, b]);
}

const header = (id: number, flags: number, qd: number) => Buffer.from([id >> 8, id & 0xff, flags, 0, 0, qd, 0, 0, 0, 0, 0, 0]);

async function stillServing(): Promise<void> {
  const r = await udpAsk(query('web.default.svc.cluster.local', TYPE.A, { id: 9 }));
  expect(r).toBeDefined();
  expect((Packet.parse(r!) as Parsed).answers[0]).toMatchObject({ address: '10.96.0.20' });
}

beforeAll(async () => {
  // A headless Service with 60 ready endpoints: ~1 KiB of A records, over 512 bytes.
  zone.upsertService(svc('default', 'big', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }));
  const many = Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.5.${i + 1}`] }));
  zone.upsertSlice(slice('default', 'big', 'big-1', many, [{ name: 'http', port: 80 }]));
  const handler = new DnsHandler(zone, { zone: 'cluster.local', ttl: 30, dnsIP: '10.96.0.10', upstream: false }, 1000);
  server = await startDnsServer({ handler, log: pino({ level: 'silent' }), host: '127.0.0.1', port: 0, healthPort: 0, readyPort: 0 });
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
});

afterAll(async () => {
  udp.close();
  await server.close();
});

describe('dns server on loopback', () => {
  it('answers with the query ID, the question as asked, AA and RD', async () => {
    const r = Packet.parse((await udpAsk(query('WEB.Default.svc.cluster.local', TYPE.A, { id: 1234 })))!) as Parsed;
    expect(r.header).toMatchObject({ id: 1234, qr: 1, aa: 1, rd: 1, rcode: RCODE.NOERROR });
    expect(r.questions[0].name).toBe('WEB.Default.svc.cluster.local');
    expect(r.answers).toMatchObject([{ address: '10.96.0.20', ttl: 30 }]);
    // The second ask is a cache hit with another ID and case.
    const r2 = Packet.parse((await udpAsk(query('web.DEFAULT.svc.cluster.local', TYPE.A, { id: 77 })))!) as Parsed;
    expect(r2.header.id).toBe(77);
    expect(r2.questions[0].name).toBe('web.DEFAULT.svc.cluster.local');
    expect(r2.answers).toMatchObject([{ address: '10.96.0.20' }]);
  });

  it('answers NXDOMAIN with the SOA in the authority section', async () => {
    const r = Packet.parse((await udpAsk(query('nope.default.svc.cluster.local', TYPE.A)))!) as Parsed;
    expect(r.header.rcode).toBe(RCODE.NXDOMAIN);
    expect(r.answers).toHaveLength(0);
    expect(r.authorities).toMatchObject([{ type: TYPE.SOA, name: 'cluster.local', primary: 'ns.dns.cluster.local' }]);
  });

  it('sets TC over UDP when the answer exceeds 512 bytes (or the EDNS size), and TCP returns all of it', async () => {
    const raw = (await udpAsk(query('big.default.svc.cluster.local', TYPE.A)))!;
    const udpLen = raw.length;
    const u = Packet.parse(raw) as Parsed;
    expect(u.header.tc).toBe(1);
    // As many answers as fit in 512 bytes (CoreDNS's Truncate), for resolvers that never retry over TCP.
    expect(u.answers.length).toBeGreaterThan(10);
    expect(u.answers.length).toBeLessThan(60);
    expect(u.additionals).toHaveLength(0);
    expect(udpLen).toBeLessThanOrEqual(512);
    const e = Packet.parse((await udpAsk(query('big.default.svc.cluster.local', TYPE.A, { edns: 4096 })))!) as Parsed;
    expect(e.header.tc).toBe(0);
    expect(e.answers).toHaveLength(60);
    const [t] = await tcpAsk([framed(query('big.default.svc.cluster.local', TYPE.A))]);
    const tp = Packet.parse(t) as Parsed;
    expect(tp.header.tc).toBe(0);
    expect(tp.answers).toHaveLength(60);
    const srvRaw = (await udpAsk(query('_http._tcp.big.default.svc.cluster.local', TYPE.SRV, { edns: 1232 })))!;
    const srv = Packet.parse(srvRaw) as Parsed;
    expect(srv.header.tc).toBe(1);
    expect(srvRaw.length).toBeLessThanOrEqual(1232);
    expect(srv.additionals.map((r) => r.type)).toEqual([TYPE.OPT]);
  });

  it('answers several queries on one TCP connection, split across writes', async () => {
    const a = framed(query('web.default.svc.cluster.local', TYPE.A, { id: 1 }));
    const b = framed(query('db.default.svc.cluster.local', TYPE.A, { id: 2 }));
    const both = Buffer.concat([a, b]);
    const out = await tcpAsk([both.subarray(0, 5), both.subarray(5, 40), both.subarray(40)], 2);
    expect(out.map((o) => (Packet.parse(o) as Parsed).header.id)).toEqual([1, 2]);
  });

  it.each([
    ['header only, one question promised', header(1, 0x01, 1), RCODE.FORMERR],
    ['no question', header(2, 0x01, 0), RCODE.FORMERR],
    ['two questions', Buffer.concat([header(3, 0, 2), query('a.cluster.local', 1).subarray(12)]), RCODE.FORMERR],
    ['compression pointer loop in the question', Buffer.concat([header(4, 0, 1), Buffer.from([0xc0, 12, 0, 1, 0, 1])]), RCODE.FORMERR],
    [
      'label length over 63',
      Buffer.concat([header(5, 0, 1), Buffer.from([0x40]), Buffer.alloc(64, 0x61), Buffer.from([0, 0, 1, 0, 1])]),
      RCODE.FORMERR,
    ],
    [
      'name over 255 bytes',
      Buffer.concat([
        header(6, 0, 1),
        ...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([60]), Buffer.alloc(60, 0x61)])),
        Buffer.from([0, 0, 1, 0, 1]),
      ]),
      RCODE.FORMERR,
    ],
    ['truncated label', Buffer.concat([header(7, 0, 1), Buffer.from([10, 0x61, 0x62])]), RCODE.FORMERR],
    ['question without type and class', Buffer.concat([header(8, 0, 1), Buffer.from([1, 0x61, 0, 0])]), RCODE.FORMERR],
    ['opcode STATUS', Buffer.concat([header(9, 2 << 3, 1), query('a.cluster.local', 1).subarray(12)]), RCODE.NOTIMP],
    ['class CHAOS', query('version.bind', TYPE.TXT, { klass: 3, id: 10 }), RCODE.NOTIMP],
    ['zone transfer', query('cluster.local', TYPE.AXFR, { id: 11 }), RCODE.NOTIMP],
    ['binary name', Buffer.concat([header(12, 0, 1), Buffer.from([3, 0, 0xff, 0x2e, 0, 0, 1, 0, 1])]), RCODE.REFUSED],
    ['unknown type at a Service', query('web.default.svc.cluster.local', 4242, { id: 13 }), RCODE.NOERROR],
    ['out of zone', query('example.com', TYPE.A, { id: 14 }), RCODE.REFUSED],
  ])('%s: rcode %i, and the server keeps serving', async (_t, packet, rcode) => {
    const r = await udpAsk(packet);
    expect(r).toBeDefined();
    expect(r!.readUInt16BE(0)).toBe(packet.readUInt16BE(0));
    expect(r![2] & 0x80).toBe(0x80);
    expect(r![3] & 0x0f).toBe(rcode);
    await stillServing();
  });

  it('answers an unknown EDNS version with BADVERS (RFC 6891), echoing the question', async () => {
    const q = query('web.default.svc.cluster.local', TYPE.A, { id: 31, edns: 1232 });
    q[q.length - 5] = 1; // the OPT TTL's version byte
    const raw = (await udpAsk(q))!;
    const r = Packet.parse(raw) as Parsed;
    expect(r.header.id).toBe(31);
    expect(r.header.rcode).toBe(16);
    expect(r.questions[0].name).toBe('web.default.svc.cluster.local');
    expect(r.answers).toHaveLength(0);
    await stillServing();
  });

  it('drops what deserves no answer: runts and responses', async () => {
    expect(await udpAsk(Buffer.from([1, 2, 3]), 150)).toBeUndefined();
    expect(await udpAsk(Buffer.alloc(0), 150)).toBeUndefined();
    const response = query('web.default.svc.cluster.local', TYPE.A);
    response[2] |= 0x80;
    expect(await udpAsk(response, 150)).toBeUndefined();
    await stillServing();
  });

  it('survives random garbage and a flood of random names over UDP, and TCP junk', async () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      const len = rnd() % 600;
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = rnd() & 0xff;
      if (len > 2) b[2] &= 0x7f;
      udp.send(b, server.port, '127.0.0.1');
    }
    for (let i = 0; i < 3000; i++) udp.send(query(`r${rnd()}.default.svc.cluster.local`, TYPE.A, { id: i }), server.port, '127.0.0.1');
    await tcpAsk([Buffer.from([0, 0])], 1);
    expect(await tcpAsk([Buffer.from([0xff, 0xff, 1, 2, 3])], 0)).toEqual([]);
    await tcpAsk([framed(Buffer.from([1, 2, 3]))], 1);
    await new Promise((r) => setTimeout(r, 300));
    await stillServing();
  });

  it('serves CoreDNS-style health and readiness endpoints', async () => {
    const health = await fetch(`http://127.0.0.1:${server.healthPort}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${server.readyPort}/ready`);
    expect(ready.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${server.readyPort}/nope`)).status).toBe(404);
  });
});
