import { describe, expect, it } from 'vitest';
import { pointFilter, tcpdumpArgs } from './capture';

describe('capture', () => {
  it('runs tcpdump on every interface, line-buffered for text and packet-buffered pcap for files', () => {
    expect(tcpdumpArgs({ pcap: false, filter: 'port 53' })).toEqual(['tcpdump', '-i', 'any', '-p', '-n', '-l', 'port 53']);
    expect(tcpdumpArgs({ pcap: true, count: 5 })).toEqual(['tcpdump', '-i', 'any', '-p', '-n', '-U', '-w', '-', '-c', '5']);
  });

  it("narrows the node side to the pod's own packets", () => {
    expect(pointFilter('port 53', 'host 10.244.1.4')).toBe('(host 10.244.1.4) and (port 53)');
    expect(pointFilter(undefined, 'host 10.244.1.4')).toBe('host 10.244.1.4');
    expect(pointFilter('port 53', undefined)).toBe('port 53');
  });
});
