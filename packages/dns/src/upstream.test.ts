// Forwarding is off by default and never used against a real resolver in tests: here the "upstream" is a
// fake on loopback.
import dgram from 'node:dgram';
import dns2 from 'dns2';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE } from './answer';
import { sampleZone } from './fixtures.test-util';
import { DnsHandler } from './handler';
import { startDnsServer, type RunningDnsServer } from './server';
import { parseUpstream } from './upstream';

const { Packet } = dns2;
type Loose = { header: Record<string, number>; questions: unknown[]; answers: unknown[]; toBuffer(): Buffer };

let upstream: dgram.Socket;
let server: RunningDnsServer;

beforeAll(async () => {
  upstream = dgram.createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const q = Packet.parse(msg);
    const r = new Packet() as unknown as Loose;
    r.header.id = q.header.id;
    r.header.qr = 1;
    r.questions.push(q.questions[0]);
    r.answers.push({ name: q.questions[0].name, type: TYPE.A, class: 1, ttl: 60, address: '192.0.2.7' });
    upstream.send(r.toBuffer(), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', r));
  const handler = new DnsHandler(sampleZone(), { zone: 'cluster.local', ttl: 30, upstream: true });
  server = await startDnsServer({
    handler,
    log: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    upstream: `127.0.0.1:${upstream.address().port}`,
  });
});

afterAll(async () => {
  upstream.close();
  await server.close();
});

function ask(name: string): Promise<ReturnType<typeof Packet.parse>> {
  const p = new Packet() as unknown as Loose;
  p.header.id = 99;
  p.questions.push({ name, type: TYPE.A, class: 1 });
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    sock.on('message', (m) => {
      sock.close();
      resolve(Packet.parse(m));
    });
    sock.send(p.toBuffer(), server.port, '127.0.0.1');
  });
}

describe('--dns-upstream forwarding', () => {
  it('forwards names outside the cluster zone and relays the answer', async () => {
    const r = await ask('example.com');
    expect(r.header.id).toBe(99);
    expect(r.answers).toMatchObject([{ address: '192.0.2.7' }]);
  });

  it('still answers cluster names itself', async () => {
    expect((await ask('web.default.svc.cluster.local')).answers).toMatchObject([{ address: '10.96.0.20' }]);
  });

  it('takes an IPv4 address with an optional port', () => {
    expect(parseUpstream('10.0.0.2')).toEqual({ host: '10.0.0.2', port: 53 });
    expect(parseUpstream('10.0.0.2:5353')).toEqual({ host: '10.0.0.2', port: 5353 });
    expect(() => parseUpstream('10.0.0.2:0')).toThrow('port must be 1-65535');
  });
});
