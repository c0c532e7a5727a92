// The drop log's pure half: a pcap stream of NFLOG records (bytes as `tcpdump -i nflog:5 -U -w -` wrote them
// for a UDP packet logged with --nflog-prefix "np:I:ABCDEF") parsed into packets, packets into DropRecords.
import { describe, expect, it } from 'vitest';
import { DropLog, toDropRecord } from './drop-log';
import { PcapNflogParser, parseIPv4 } from './nflog';

const captured = Buffer.from(
  [
    'd4 c3 b2 a1 02 00 04 00 00 00 00 00 00 00 00 00 00 00 04 00 ef 00 00 00',
    '56 60 0d 6b 95 35 0c 00 58 00 00 00 58 00 00 00',
    '02 00 00 05 08 00 01 00 08 00 03 00 10 00 0a 00 6e 70 3a 49 3a 41 42 43 44 45 46 00 08 00 05 00 00 00 00 01',
    '08 00 0b 00 00 00 00 00 08 00 0e 00 00 00 00 00 23 00 09 00',
    '45 00 00 1f a6 b2 40 00 40 11 96 19 7f 00 00 01 7f 00 00 01 b8 d3 27 0f 00 0b fe 1e 68 69 0a 00',
  ]
    .join(' ')
    .split(' ')
    .map((h) => Number.parseInt(h, 16)),
);

describe('PcapNflogParser', () => {
  it('reads the prefix and the IPv4/UDP header of each record, across chunk boundaries', () => {
    const parser = new PcapNflogParser();
    const out = [
      ...parser.push(captured.subarray(0, 30)),
      ...parser.push(captured.subarray(30, 70)),
      ...parser.push(captured.subarray(70)),
    ];
    expect(out).toEqual([
      {
        time: 0x6b0d6056 * 1000 + Math.floor(0x0c3595 / 1000),
        prefix: 'np:I:ABCDEF',
        protocol: 17,
        src: '127.0.0.1',
        dst: '127.0.0.1',
        srcPort: 47315,
        dstPort: 9999,
      },
    ]);
  });

  it('skips a packet whose IPv4 header checksum fails (a garbled copy, as this kernel delivered one)', () => {
    // The UDP datagram 10.244.2.13 -> 10.244.1.14 as NFLOG once handed it over: addresses and ports zeroed,
    // checksum still the sender's.
    const hex = (h: string) => Buffer.from(h.replace(/ /g, ''), 'hex');
    const garbled = hex('45000021 32c84000 3e11f101 00000000 00000000 a1000000 00000000 bb84cc5605');
    expect(parseIPv4(garbled)).toEqual({});
    const intact = hex('45000021 32c84000 3e11f101 0af4020d 0af4010e dd432329 000d1921 70696e670a');
    expect(parseIPv4(intact)).toEqual({ protocol: 17, src: '10.244.2.13', dst: '10.244.1.14', srcPort: 56643, dstPort: 9001 });
  });

  it('refuses a capture that is not NFLOG', () => {
    const other = Buffer.from(captured.subarray(0, 24));
    other[20] = 1;
    expect(() => new PcapNflogParser().push(other)).toThrow(/not NFLOG/);
  });
});

describe('toDropRecord', () => {
  it('names both ends and whose isolation dropped it; packets of unknown chains are skipped', () => {
    const owners = new Map([['KUBELAB-NPI-X', { pod: 'x/web', direction: 'ingress' as const, policies: ['x/deny'] }]]);
    const pods = new Map([
      ['10.244.1.5', 'x/client'],
      ['10.244.2.7', 'x/web'],
    ]);
    const p = {
      time: Date.UTC(2026, 10, 30, 12),
      prefix: 'KUBELAB-NPI-X',
      protocol: 6,
      src: '10.244.1.5',
      dst: '10.244.2.7',
      srcPort: 40000,
      dstPort: 80,
    };
    expect(toDropRecord(p, 'kt-worker', owners, pods)).toEqual({
      time: '2026-11-30T12:00:00.000Z',
      node: 'kt-worker',
      direction: 'ingress',
      pod: 'x/web',
      policies: ['x/deny'],
      protocol: 'TCP',
      src: { ip: '10.244.1.5', port: 40000, pod: 'x/client' },
      dst: { ip: '10.244.2.7', port: 80, pod: 'x/web' },
      chain: 'KUBELAB-NPI-X',
    });
    expect(toDropRecord({ ...p, prefix: 'OTHER' }, 'kt-worker', owners, pods)).toBeUndefined();
    const icmp = toDropRecord({ ...p, protocol: 1, srcPort: undefined, dstPort: undefined, src: '172.30.0.1' }, 'n', owners, pods);
    expect(icmp?.src).toEqual({ ip: '172.30.0.1' });
    expect(icmp?.protocol).toBe('ICMP');
  });

  it('keeps the last drops in a ring buffer and tells subscribers', () => {
    const log = new DropLog(undefined);
    const seen: string[] = [];
    log.subscribe((r) => seen.push(r.pod));
    for (let i = 0; i < 1005; i++) log.add({ pod: `x/p${i}` } as never);
    expect(log.recent().length).toBe(1000);
    expect(log.recent(1)[0].pod).toBe('x/p1004');
    expect(seen.length).toBe(1005);
  });
});
