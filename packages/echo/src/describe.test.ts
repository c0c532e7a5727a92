import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { collectIps, describeJson, describeText, formatRemoteAddr, normalizeAddress, type RequestDescription } from './describe';

const base: RequestDescription = {
  hostname: 'web-7d9f-abcde',
  ips: ['10.244.1.5'],
  remoteAddress: '::ffff:10.244.2.9',
  remotePort: 51234,
  method: 'GET',
  url: '/hello?x=1',
  httpVersion: '1.1',
  rawHeaders: ['User-Agent', 'curl/8.5.0', 'Host', 'web.default.svc', 'X-Trace', 'a', 'x-trace', 'b'],
};

function iface(address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
  return { address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null } as NetworkInterfaceInfo;
}

describe('normalizeAddress / formatRemoteAddr', () => {
  it('strips the IPv4-mapped IPv6 prefix', () => {
    expect(normalizeAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress('fd00::1')).toBe('fd00::1');
  });

  it('brackets IPv6 like Go does', () => {
    expect(formatRemoteAddr('::ffff:10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(formatRemoteAddr('fd00::1', 443)).toBe('[fd00::1]:443');
  });
});

describe('collectIps', () => {
  const interfaces = {
    lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
    eth0: [iface('10.244.1.5', 'IPv4'), iface('fe80::1', 'IPv6')],
    eth1: [iface('172.18.0.3', 'IPv4'), iface('10.244.1.5', 'IPv4')],
  };

  it('lists non-loopback IPv4 addresses once each', () => {
    expect(collectIps(interfaces)).toEqual(['10.244.1.5', '172.18.0.3']);
  });

  it('adds POD_IP only when no interface has it', () => {
    expect(collectIps(interfaces, '10.244.1.5')).toEqual(['10.244.1.5', '172.18.0.3']);
    expect(collectIps(interfaces, '10.96.0.10')).toEqual(['10.244.1.5', '172.18.0.3', '10.96.0.10']);
    expect(collectIps(interfaces, '  ')).toEqual(['10.244.1.5', '172.18.0.3']);
    expect(collectIps({}, undefined)).toEqual([]);
  });
});

describe('describeText', () => {
  it('renders whoami lines with Host first and headers in arrival order', () => {
    expect(describeText(base)).toBe(
      [
        'Hostname: web-7d9f-abcde',
        'IP: 10.244.1.5',
        'RemoteAddr: 10.244.2.9:51234',
        'GET /hello?x=1 HTTP/1.1',
        'Host: web.default.svc',
        'User-Agent: curl/8.5.0',
        'X-Trace: a',
        'x-trace: b',
        '',
      ].join('\n'),
    );
  });

  it('prints one IP line per address and copes with no headers', () => {
    const text = describeText({ ...base, ips: ['10.0.0.1', '10.0.0.2'], rawHeaders: [], httpVersion: '1.0' });
    expect(text).toBe('Hostname: web-7d9f-abcde\nIP: 10.0.0.1\nIP: 10.0.0.2\nRemoteAddr: 10.244.2.9:51234\nGET /hello?x=1 HTTP/1.0\n');
  });
});

describe('describeJson', () => {
  it('carries the same information as the text form', () => {
    expect(describeJson(base)).toEqual({
      hostname: 'web-7d9f-abcde',
      ip: ['10.244.1.5'],
      remoteAddr: '10.244.2.9:51234',
      method: 'GET',
      url: '/hello?x=1',
      proto: 'HTTP/1.1',
      host: 'web.default.svc',
      headers: { host: 'web.default.svc', 'user-agent': 'curl/8.5.0', 'x-trace': 'a, b' },
    });
  });

  it('keeps hostile header names as plain data', () => {
    const json = describeJson({ ...base, rawHeaders: ['__proto__', 'p', 'Constructor', 'c'] });
    expect(json.host).toBe('');
    expect(JSON.stringify(json.headers)).toBe('{"__proto__":"p","constructor":"c"}');
    expect(Object.keys(json.headers)).toEqual(['__proto__', 'constructor']);
  });
});
