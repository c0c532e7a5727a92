import { describe, expect, it } from 'vitest';
import { answer, RCODE, TYPE, type AnswerConfig, type RR } from './answer';
import { sampleZone, slice, svc } from './fixtures.test-util';
import type { ZoneIndex } from './zone-index';

const cfg: AnswerConfig = { zone: 'cluster.local', ttl: 30, dnsIP: '10.96.0.10', upstream: false };

function ask(name: string, type: number, z: ZoneIndex = sampleZone(), c = cfg) {
  return answer({ name: name.toLowerCase(), type, class: 1 }, z, c);
}

const rdata = (r: RR) =>
  r.address ?? r.domain ?? r.data ?? (r.target ? `${r.priority} ${r.weight} ${r.port} ${r.target}` : (r.ns ?? r.primary));

// One row per record kind and negative answer of the specification (kubernetes/dns docs/specification.md).
const cases: [string, string, number, number, string[]][] = [
  ['2.2 schema version TXT', 'dns-version.cluster.local', TYPE.TXT, RCODE.NOERROR, ['1.1.0']],
  ['2.2 schema version, other type: NODATA', 'dns-version.cluster.local', TYPE.A, RCODE.NOERROR, []],
  ['2.3.1 ClusterIP A', 'web.default.svc.cluster.local', TYPE.A, RCODE.NOERROR, ['10.96.0.20']],
  ['2.3.1 same name, other namespace', 'web.other.svc.cluster.local', TYPE.A, RCODE.NOERROR, ['10.96.0.21']],
  ['2.3.1 ClusterIP AAAA on an IPv4 cluster: NODATA', 'web.default.svc.cluster.local', TYPE.AAAA, RCODE.NOERROR, []],
  ['2.3.1 case-insensitive', 'WeB.DeFault.SVC.Cluster.Local', TYPE.A, RCODE.NOERROR, ['10.96.0.20']],
  ['2.3.2 ClusterIP SRV', '_http._tcp.web.default.svc.cluster.local', TYPE.SRV, RCODE.NOERROR, ['0 100 80 web.default.svc.cluster.local']],
  ['2.3.2 SRV udp port', '_dns._udp.web.default.svc.cluster.local', TYPE.SRV, RCODE.NOERROR, ['0 100 53 web.default.svc.cluster.local']],
  ['2.3.2 SRV wrong protocol: NXDOMAIN', '_http._udp.web.default.svc.cluster.local', TYPE.SRV, RCODE.NXDOMAIN, []],
  ['2.3.2 SRV unknown port name: NXDOMAIN', '_nope._tcp.web.default.svc.cluster.local', TYPE.SRV, RCODE.NXDOMAIN, []],
  ['2.3.2 SRV name asked for A: NODATA', '_http._tcp.web.default.svc.cluster.local', TYPE.A, RCODE.NOERROR, []],
  ['2.3.2 _proto interior name: NODATA', '_tcp.web.default.svc.cluster.local', TYPE.SRV, RCODE.NOERROR, []],
  ['2.3.3 ClusterIP PTR', '20.0.96.10.in-addr.arpa', TYPE.PTR, RCODE.NOERROR, ['web.default.svc.cluster.local']],
  [
    '2.4.1 headless A: ready endpoints only',
    'db.default.svc.cluster.local',
    TYPE.A,
    RCODE.NOERROR,
    ['10.244.1.5', '10.244.1.6', '10.244.2.7'],
  ],
  ['2.4.1 headless hostname A', 'db-0.db.default.svc.cluster.local', TYPE.A, RCODE.NOERROR, ['10.244.1.5']],
  ['2.4.1 headless identifier A', '10-244-2-7.db.default.svc.cluster.local', TYPE.A, RCODE.NOERROR, ['10.244.2.7']],
  ['2.4.1 unready endpoint name: NXDOMAIN', '10-244-2-8.db.default.svc.cluster.local', TYPE.A, RCODE.NXDOMAIN, []],
  ['2.4.1 headless without ready endpoints: NXDOMAIN', 'empty.default.svc.cluster.local', TYPE.A, RCODE.NXDOMAIN, []],
  ['2.1 publishNotReadyAddresses counts unready', 'unready.default.svc.cluster.local', TYPE.A, RCODE.NOERROR, ['10.244.3.3']],
  [
    '2.4.2 headless SRV: one per ready endpoint, endpoint port',
    '_pg._tcp.db.default.svc.cluster.local',
    TYPE.SRV,
    RCODE.NOERROR,
    [
      '0 33 5433 db-0.db.default.svc.cluster.local',
      '0 33 5433 10-244-1-6.db.default.svc.cluster.local',
      '0 33 5433 10-244-2-7.db.default.svc.cluster.local',
    ],
  ],
  ['2.4.3 endpoint PTR with hostname', '5.1.244.10.in-addr.arpa', TYPE.PTR, RCODE.NOERROR, ['db-0.db.default.svc.cluster.local']],
  [
    '2.4.3 endpoint PTR without hostname (CoreDNS)',
    '7.2.244.10.in-addr.arpa',
    TYPE.PTR,
    RCODE.NOERROR,
    ['10-244-2-7.db.default.svc.cluster.local'],
  ],
  ['PTR of a pod behind no Service', '9.1.244.10.in-addr.arpa', TYPE.PTR, RCODE.NOERROR, ['10-244-1-9.default.pod.cluster.local']],
  ['PTR of an unknown address: NXDOMAIN', '99.99.244.10.in-addr.arpa', TYPE.PTR, RCODE.NXDOMAIN, []],
  ['PTR name asked for A: NODATA', '20.0.96.10.in-addr.arpa', TYPE.A, RCODE.NOERROR, []],
  ['2.5 ExternalName CNAME for A', 'ext.default.svc.cluster.local', TYPE.A, RCODE.NOERROR, ['www.example.com']],
  ['2.5 ExternalName CNAME for CNAME', 'ext.default.svc.cluster.local', TYPE.CNAME, RCODE.NOERROR, ['www.example.com']],
  ['2.5 ExternalName SRV', '_http._tcp.ext.default.svc.cluster.local', TYPE.SRV, RCODE.NOERROR, ['0 100 80 www.example.com']],
  ['2.6 pod A', '10-244-1-9.default.pod.cluster.local', TYPE.A, RCODE.NOERROR, ['10.244.1.9']],
  ['2.6 pod A for any address (pods insecure)', '1-2-3-4.default.pod.cluster.local', TYPE.A, RCODE.NOERROR, ['1.2.3.4']],
  ['2.6 pod AAAA: NODATA', '1-2-3-4.default.pod.cluster.local', TYPE.AAAA, RCODE.NOERROR, []],
  ['2.6 pod name not an address: NXDOMAIN', '1-2-3.default.pod.cluster.local', TYPE.A, RCODE.NXDOMAIN, []],
  ['2.6 pod in an unknown namespace: NXDOMAIN', '1-2-3-4.nowhere.pod.cluster.local', TYPE.A, RCODE.NXDOMAIN, []],
  ['unknown Service: NXDOMAIN', 'nope.default.svc.cluster.local', TYPE.A, RCODE.NXDOMAIN, []],
  ['unknown namespace: NXDOMAIN', 'web.nowhere.svc.cluster.local', TYPE.A, RCODE.NXDOMAIN, []],
  ['namespace name: NODATA', 'default.svc.cluster.local', TYPE.A, RCODE.NOERROR, []],
  ['svc interior name: NODATA', 'svc.cluster.local', TYPE.A, RCODE.NOERROR, []],
  ['too deep under a ClusterIP Service: NXDOMAIN', 'x.web.default.svc.cluster.local', TYPE.A, RCODE.NXDOMAIN, []],
  [
    'search-path miss (web.default.svc.cluster.local.default.svc...): NXDOMAIN',
    'web.default.default.svc.cluster.local',
    TYPE.A,
    RCODE.NXDOMAIN,
    [],
  ],
  ['unknown name in the zone: NXDOMAIN', 'foo.cluster.local', TYPE.A, RCODE.NXDOMAIN, []],
  ['apex SOA', 'cluster.local', TYPE.SOA, RCODE.NOERROR, ['ns.dns.cluster.local']],
  ['apex NS', 'cluster.local', TYPE.NS, RCODE.NOERROR, ['ns.dns.cluster.local']],
  ['the name server A', 'ns.dns.cluster.local', TYPE.A, RCODE.NOERROR, ['10.96.0.10']],
  ['unknown type at a Service: NODATA', 'web.default.svc.cluster.local', 99, RCODE.NOERROR, []],
  ['out of zone without upstream: REFUSED', 'example.com', TYPE.A, RCODE.REFUSED, []],
  ['root without upstream: REFUSED', '', TYPE.NS, RCODE.REFUSED, []],
  ['zone transfer: NOTIMP', 'cluster.local', TYPE.AXFR, RCODE.NOTIMP, []],
];

describe('answer (Kubernetes DNS-Based Service Discovery 1.1.0)', () => {
  const z = sampleZone();
  it.each(cases)('%s', (_title, name, type, rcode, expected) => {
    const a = ask(name, type, z);
    expect(a.rcode).toBe(rcode);
    expect(a.answers.map(rdata)).toEqual(expected);
    for (const r of a.answers) expect(r.ttl).toBe(30);
    if (rcode === RCODE.NXDOMAIN || (rcode === RCODE.NOERROR && expected.length === 0)) {
      // RFC 2308: negative answers carry the zone's SOA in the authority section.
      expect(a.authorities).toHaveLength(1);
      expect(a.authorities[0].type).toBe(TYPE.SOA);
      expect(a.authoritative).toBe(true);
    }
  });

  it('gives the reverse zone its own SOA in negative reverse answers', () => {
    expect(ask('99.99.244.10.in-addr.arpa', TYPE.PTR).authorities[0].name).toBe('in-addr.arpa');
    expect(ask('nope.default.svc.cluster.local', TYPE.A).authorities[0].name).toBe('cluster.local');
  });

  it('puts SRV targets A records in the additional section', () => {
    const a = ask('_pg._tcp.db.default.svc.cluster.local', TYPE.SRV);
    expect(a.additionals.map((r) => `${r.name} ${r.address}`)).toEqual([
      'db-0.db.default.svc.cluster.local 10.244.1.5',
      '10-244-1-6.db.default.svc.cluster.local 10.244.1.6',
      '10-244-2-7.db.default.svc.cluster.local 10.244.2.7',
    ]);
    expect(ask('_http._tcp.web.default.svc.cluster.local', TYPE.SRV).additionals.map((r) => r.address)).toEqual(['10.96.0.20']);
  });

  it('uses the configured TTL everywhere, SOA minimum included', () => {
    const a = ask('nope.default.svc.cluster.local', TYPE.A, sampleZone(), { ...cfg, ttl: 5 });
    expect(a.authorities[0].ttl).toBe(5);
    expect(a.authorities[0].minimum).toBe(5);
    expect(ask('web.default.svc.cluster.local', TYPE.A, sampleZone(), { ...cfg, ttl: 7 }).answers[0].ttl).toBe(7);
  });

  it('forwards out-of-zone names and unknown reverse names only when an upstream is configured', () => {
    const up = { ...cfg, upstream: true };
    expect(ask('example.com', TYPE.A, sampleZone(), up).forward).toBe(true);
    expect(ask('8.8.8.8.in-addr.arpa', TYPE.PTR, sampleZone(), up).forward).toBe(true);
    expect(ask('web.default.svc.cluster.local', TYPE.A, sampleZone(), up).forward).toBeUndefined();
  });

  it('follows changes: scaling a headless Service and deleting a Service', () => {
    const z2 = sampleZone();
    const before = z2.revision;
    z2.upsertSlice(slice('default', 'db', 'db-abc', [{ addresses: ['10.244.1.5'], hostname: 'db-0' }], [{ name: 'pg', port: 5433 }]));
    expect(z2.revision).toBeGreaterThan(before);
    expect(ask('db.default.svc.cluster.local', TYPE.A, z2).answers.map(rdata)).toEqual(['10.244.1.5']);
    expect(ask('7.2.244.10.in-addr.arpa', TYPE.PTR, z2).rcode).toBe(RCODE.NXDOMAIN);
    z2.deleteService(svc('default', 'web', {}));
    expect(ask('web.default.svc.cluster.local', TYPE.A, z2).rcode).toBe(RCODE.NXDOMAIN);
    expect(ask('20.0.96.10.in-addr.arpa', TYPE.PTR, z2).rcode).toBe(RCODE.NXDOMAIN);
  });

  it('joins endpoints across slices and drops duplicates', () => {
    const z2 = sampleZone();
    z2.upsertSlice(
      slice('default', 'db', 'db-def', [{ addresses: ['10.244.1.5'] }, { addresses: ['10.244.9.9'] }], [{ name: 'pg', port: 5433 }]),
    );
    expect(ask('db.default.svc.cluster.local', TYPE.A, z2).answers.map(rdata)).toEqual([
      '10.244.1.5',
      '10.244.1.6',
      '10.244.2.7',
      '10.244.9.9',
    ]);
  });
});
