import { describe, expect, it } from 'vitest';
import { describeResolution, parseDig, tryOrder } from './dns-name';

describe('a trace to a DNS name', () => {
  it('tries names in the order a pod resolver does', () => {
    expect(tryOrder('web.shop', 'default')).toEqual([
      'web.shop.default.svc.cluster.local.',
      'web.shop.svc.cluster.local.',
      'web.shop.cluster.local.',
      'web.shop.',
    ]);
    expect(tryOrder('web.shop.svc.cluster.local.', 'default')).toEqual(['web.shop.svc.cluster.local.']);
    expect(tryOrder('a.b.c.d.e.f', 'x')[0]).toBe('a.b.c.d.e.f.');
  });

  it("reads dig's status and addresses", () => {
    const out =
      ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n;; ANSWER SECTION:\nweb.shop.svc.cluster.local. 30 IN A 10.96.5.6\n';
    expect(parseDig(out)).toEqual({ status: 'NOERROR', addresses: ['10.96.5.6'] });
    expect(parseDig(';; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 2\n').addresses).toEqual([]);
    expect(
      describeResolution('web.shop', {
        tried: [
          { name: 'web.shop.default.svc.cluster.local.', status: 'NXDOMAIN', addresses: [] },
          { name: 'web.shop.svc.cluster.local.', status: 'NOERROR', addresses: ['10.96.5.6'] },
        ],
        address: '10.96.5.6',
      }),
    ).toBe(
      'web.shop -> 10.96.5.6 (asked 10.96.0.10: web.shop.default.svc.cluster.local. NXDOMAIN; web.shop.svc.cluster.local. A 10.96.5.6)',
    );
  });
});
