import { describe, expect, it } from 'vitest';
import { Ipam, IpamExhaustedError } from './ipam';

describe('Ipam', () => {
  it('hands out .2 to .253 round-robin, never .1 (agent) or .254 (gateway)', () => {
    const ipam = new Ipam('10.244.1.0/24');
    expect(ipam.capacity).toBe(252);
    const got = Array.from({ length: 252 }, (_, i) => ipam.allocate(`pod${i}`));
    expect(got[0]).toBe('10.244.1.2');
    expect(got[251]).toBe('10.244.1.253');
    expect(new Set(got).size).toBe(252);
    expect(got).not.toContain('10.244.1.1');
    expect(got).not.toContain('10.244.1.254');
    expect(() => ipam.allocate('one-too-many')).toThrow(IpamExhaustedError);
  });

  it('gives a recreated pod a new address instead of the one just freed', () => {
    const ipam = new Ipam('10.244.1.0/24');
    const first = ipam.allocate('uid-a');
    ipam.releaseOwner('uid-a');
    const second = ipam.allocate('uid-b');
    expect(second).not.toBe(first);
    expect(second).toBe('10.244.1.3');
  });

  it('wraps around and skips addresses still in use', () => {
    const ipam = new Ipam('10.244.1.0/24');
    ipam.recover([
      { ip: '10.244.1.253', owner: 'x', createdAt: 2 },
      { ip: '10.244.1.2', owner: 'y', createdAt: 1 },
    ]);
    expect(ipam.allocate('z')).toBe('10.244.1.3');
  });

  it('recovers owners from sandbox labels and resumes after the newest allocation', () => {
    const ipam = new Ipam('10.244.2.0/24');
    ipam.recover([
      { ip: '10.244.2.7', owner: 'a', createdAt: 100 },
      { ip: '10.244.2.9', owner: 'b', createdAt: 300 },
      { ip: '10.244.2.4', owner: 'c', createdAt: 200 },
      { ip: '10.244.3.5', owner: 'elsewhere', createdAt: 999 },
    ]);
    expect(ipam.inUse()).toEqual(['10.244.2.4', '10.244.2.7', '10.244.2.9']);
    expect(ipam.ownerOf('10.244.2.9')).toBe('b');
    expect(ipam.allocate('d')).toBe('10.244.2.10');
  });

  it('claim marks an adopted address; release frees it', () => {
    const ipam = new Ipam('10.244.1.0/24');
    ipam.claim('10.244.1.2', 'adopted');
    expect(ipam.allocate('new')).toBe('10.244.1.3');
    ipam.release('10.244.1.2');
    expect(ipam.ownerOf('10.244.1.2')).toBeUndefined();
  });
});
