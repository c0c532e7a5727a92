import dns2 from 'dns2';
import { describe, expect, it } from 'vitest';
import { TYPE } from './answer';
import { sampleZone, svc } from './fixtures.test-util';
import { DnsHandler } from './handler';

const cfg = { zone: 'cluster.local', ttl: 30, dnsIP: '10.96.0.10', upstream: false };

function query(name: string, id: number, edns = false): Buffer {
  const p = new dns2.Packet() as unknown as {
    header: Record<string, number>;
    questions: unknown[];
    additionals: unknown[];
    toBuffer(): Buffer;
  };
  p.header.id = id;
  p.header.rd = 1;
  p.questions.push({ name, type: TYPE.A, class: 1 });
  if (edns) p.additionals.push(dns2.Packet.Resource.EDNS([], { udpPayloadSize: 1232 }));
  return p.toBuffer();
}

describe('DnsHandler cache', () => {
  it('answers from encoded responses, re-encoding after a change, and pre-encodes Service names on request', () => {
    const zone = sampleZone();
    const h = new DnsHandler(zone, cfg);
    h.handle(query('web.default.svc.cluster.local', 1), 'udp');
    h.handle(query('WEB.default.svc.cluster.local', 2), 'udp');
    expect(h.cacheStats).toMatchObject({ hits: 1, misses: 1 });

    zone.upsertService(svc('default', 'new', { clusterIP: '10.96.0.99' }));
    expect(h.prewarm(zone.serviceNames())).toBe(2 * zone.serviceNames().length);
    const r = h.handle(query('new.default.svc.cluster.local', 3), 'udp');
    const re = h.handle(query('new.default.svc.cluster.local', 4, true), 'udp');
    expect(h.cacheStats).toMatchObject({ hits: 3, misses: 1 });
    const parsed = dns2.Packet.parse(r.response!);
    expect(parsed.header).toMatchObject({ id: 3, rd: 1, aa: 1 });
    expect(parsed.answers).toMatchObject([{ address: '10.96.0.99' }]);
    expect(dns2.Packet.parse(re.response!).additionals.map((a) => a.type)).toEqual([TYPE.OPT]);
  });

  it('calls the index change hook on every change', () => {
    const zone = sampleZone();
    let calls = 0;
    zone.onChange = () => calls++;
    zone.upsertService(svc('default', 'x', { clusterIP: '10.96.0.98' }));
    zone.deleteService(svc('default', 'x', {}));
    expect(calls).toBe(2);
  });
});
