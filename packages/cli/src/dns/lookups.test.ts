import { describe, expect, it } from 'vitest';
import { expansions, LookupGrouper, type ServedQuery } from './lookups';
import { parseQueryLine } from './query-log';

const line = (name: string, type: string, rcode: string, answer?: string) =>
  `[INFO] 10.244.1.4:40000 - 7 "${type} IN ${name} udp 60 false 512" ${rcode} qr,aa,rd 120 0.000150s${answer ? ` answer="${answer}"` : ''}`;

describe('the DNS query log', () => {
  it("reads CoreDNS's log line inside pino's JSON, with kubelab's answers", () => {
    const json = JSON.stringify({
      level: 30,
      time: 1700000000123,
      msg: line('Web.Default.svc.cluster.local.', 'A', 'NOERROR', 'A 10.96.0.5; A 10.96.0.6'),
    });
    expect(parseQueryLine(json)).toEqual({
      time: 1700000000123,
      clientIp: '10.244.1.4',
      clientPort: 40000,
      id: 7,
      type: 'A',
      name: 'web.default.svc.cluster.local.',
      proto: 'udp',
      rcode: 'NOERROR',
      flags: 'qr,aa,rd',
      durationMs: 0.15,
      answers: ['A 10.96.0.5', 'A 10.96.0.6'],
    });
    expect(parseQueryLine(line('x.', 'A', 'REFUSED'))?.answers).toEqual([]);
    expect(parseQueryLine('{"msg":"dns serving"}')).toBeUndefined();
    expect(parseQueryLine('not json {')).toBeUndefined();
  });
});

describe('grouping queries into lookups', () => {
  let t = 1000;
  const q = (name: string, type: string, rcode: string, answer?: string, ip = '10.244.1.4'): ServedQuery => ({
    ...parseQueryLine(line(name, type, rcode, answer))!,
    clientIp: ip,
    server: 'coredns-a',
    at: (t += 5),
  });

  it('knows the order a resolver tries the search list', () => {
    expect(expansions('web', 'prod')).toEqual(['web.prod.svc.cluster.local.', 'web.svc.cluster.local.', 'web.cluster.local.', 'web.']);
  });

  it('follows one name through the search path to its answer, A and AAAA together', () => {
    const g = new LookupGrouper({ namespaceOf: (ip) => (ip === '10.244.1.4' ? 'default' : undefined) });
    const done = [
      q('kubernetes.default.default.svc.cluster.local.', 'A', 'NXDOMAIN'),
      q('kubernetes.default.default.svc.cluster.local.', 'AAAA', 'NXDOMAIN'),
      q('kubernetes.default.svc.cluster.local.', 'A', 'NOERROR', 'A 10.96.0.1'),
      q('kubernetes.default.svc.cluster.local.', 'AAAA', 'NOERROR'),
      // Another lookup by the same client starts a new group.
      q('echo.default.svc.cluster.local.', 'A', 'NOERROR', 'A 10.101.0.7'),
    ].flatMap((x) => g.add(x));
    expect(done).toEqual([]);
    const [first, second] = g.flush();
    expect(first.original).toBe('kubernetes.default');
    expect(first.queries.map((x) => `${x.type} ${x.name}`)).toEqual([
      'A kubernetes.default.default.svc.cluster.local.',
      'AAAA kubernetes.default.default.svc.cluster.local.',
      'A kubernetes.default.svc.cluster.local.',
      'AAAA kubernetes.default.svc.cluster.local.',
    ]);
    expect(first.answer?.answers).toEqual(['A 10.96.0.1']);
    expect(second.original).toBe('echo');
  });

  it('ends a lookup that failed everywhere once it is quiet, and keeps clients apart', () => {
    const g = new LookupGrouper({ namespaceOf: () => 'default', quietMs: 1000 });
    for (const name of expansions('nope', 'default')) g.add(q(name, 'A', name === 'nope.' ? 'REFUSED' : 'NXDOMAIN'));
    g.add(q('nope.default.svc.cluster.local.', 'A', 'NXDOMAIN', undefined, '10.244.2.9'));
    const done = g.expire(t + 1000);
    expect(done.map((l) => [l.client, l.original, l.queries.length, l.answer])).toEqual([
      ['10.244.1.4', 'nope', 4, undefined],
      ['10.244.2.9', 'nope', 1, undefined],
    ]);
  });
});
