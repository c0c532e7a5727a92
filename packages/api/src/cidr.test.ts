import { describe, expect, it } from 'vitest';
import { cidrContains, cidrsOverlap, formatCidr, nthAddress, nthSubnet, parseCidr, parseCidrStrict, tryParseCidr } from './cidr';
import { mergePatch } from './merge-patch';
import { humanDuration } from './time';
import { parseManifests } from './manifest';

describe('cidr', () => {
  it('normalises, contains, overlaps', () => {
    expect(parseCidr('10.244.1.7/24')).toEqual({ base: parseCidr('10.244.1.0/24').base, prefix: 24 });
    expect(cidrContains('10.96.0.0/12', '10.111.255.255')).toBe(true);
    expect(cidrContains('10.96.0.0/12', '10.112.0.0')).toBe(false);
    expect(cidrsOverlap('172.30.0.0/16', '172.30.5.0/24')).toBe(true);
    expect(cidrsOverlap('10.244.0.0/16', '10.245.0.0/16')).toBe(false);
  });
  it('parses what users type strictly, and Docker input leniently', () => {
    expect(formatCidr(parseCidrStrict('10.244.0.0/16'))).toBe('10.244.0.0/16');
    expect(() => parseCidrStrict('10.244.1.0/16')).toThrow(
      'invalid IPv4 CIDR "10.244.1.0/16": host bits set (did you mean 10.244.0.0/16?)',
    );
    expect(tryParseCidr('10.244.1.0/16')).toEqual(parseCidr('10.244.0.0/16'));
    expect(tryParseCidr('fd00::/64')).toBeUndefined();
  });
  it('walks addresses and subnets', () => {
    expect(nthAddress('10.244.2.0/24', 254)).toBe('10.244.2.254');
    expect(nthSubnet('10.244.0.0/16', 24, 3)).toBe('10.244.3.0/24');
    expect(() => nthSubnet('10.244.0.0/16', 24, 256)).toThrow(/outside/);
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/invalid IPv4 CIDR/);
  });
});

describe('merge patch (RFC 7386)', () => {
  it('merges objects, replaces arrays, deletes with null', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] })).toEqual({ a: { b: 1, d: 3 }, l: [3] });
  });
});

describe('humanDuration', () => {
  it('prints ages like kubectl', () => {
    expect(humanDuration(45_000)).toBe('45s');
    expect(humanDuration(150_000)).toBe('2m30s');
    expect(humanDuration(3 * 3600_000)).toBe('3h');
    expect(humanDuration(50 * 3600_000)).toBe('2d2h');
  });
});

describe('parseManifests', () => {
  it('reads multi-document YAML, skips empty documents, flattens Lists', () => {
    const objs = parseManifests(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n',
    );
    expect(objs.map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });
  it('names the source and document of a problem', () => {
    expect(() => parseManifests('kind: Pod\nmetadata: {name: x}\n', 'pod.yaml')).toThrow('pod.yaml: document 1: apiVersion not set');
  });
});
