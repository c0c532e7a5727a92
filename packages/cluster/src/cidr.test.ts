import { describe, expect, it } from 'vitest';
import { cidrsOverlap, formatCidr, intToIp, ipToInt, nthAddress, nthSubnet, parseCidr, tryParseIPv4Cidr } from './cidr';

describe('cidr', () => {
  it('round-trips addresses', () => {
    expect(intToIp(ipToInt('255.0.10.1'))).toBe('255.0.10.1');
    expect(() => ipToInt('1.2.3.256')).toThrow(/invalid IPv4/);
  });

  it('parses strictly but reads Docker input leniently', () => {
    expect(formatCidr(parseCidr('10.244.0.0/16'))).toBe('10.244.0.0/16');
    expect(() => parseCidr('10.244.1.0/16')).toThrow(/host bits/);
    expect(tryParseIPv4Cidr('10.244.1.0/16')).toEqual(parseCidr('10.244.0.0/16'));
    expect(tryParseIPv4Cidr('fd00::/64')).toBeUndefined();
  });

  it('computes overlap, addresses and subnets', () => {
    expect(cidrsOverlap(parseCidr('172.30.0.0/16'), parseCidr('172.30.5.0/24'))).toBe(true);
    expect(cidrsOverlap(parseCidr('172.30.0.0/24'), parseCidr('172.30.1.0/24'))).toBe(false);
    expect(nthAddress(parseCidr('10.244.3.0/24'), 254)).toBe('10.244.3.254');
    expect(() => nthAddress(parseCidr('10.0.0.0/30'), 4)).toThrow(/outside/);
    expect(formatCidr(nthSubnet(parseCidr('10.244.0.0/16'), 24, 7))).toBe('10.244.7.0/24');
    expect(formatCidr(nthSubnet(parseCidr('0.0.0.0/0'), 1, 1))).toBe('128.0.0.0/1');
  });
});
