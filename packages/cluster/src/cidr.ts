// Minimal IPv4/CIDR arithmetic for the addressing plan. Kept local (not @kubelab/api) so this Docker shell
// has no dependency on packages that evolve at a different pace; the math is tiny.

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`invalid IPv4 address "${ip}"`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`invalid IPv4 address "${ip}"`);
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses "a.b.c.d/p"; host bits must be zero so typos like 10.244.1.0/16 are caught, not silently masked. */
export function parseCidr(text: string): Cidr {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text.trim());
  if (!m || Number(m[2]) > 32) throw new Error(`invalid IPv4 CIDR "${text}" (expected e.g. 172.30.0.0/24)`);
  const prefix = Number(m[2]);
  const ip = ipToInt(m[1]);
  const base = (ip & maskOf(prefix)) >>> 0;
  if (base !== ip) throw new Error(`invalid CIDR "${text}": host bits set (did you mean ${intToIp(base)}/${prefix}?)`);
  return { base, prefix };
}

/** Like parseCidr but tolerant of host bits and returns undefined for IPv6 or junk (Docker IPAM input). */
export function tryParseIPv4Cidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text.trim());
  if (!m || Number(m[2]) > 32) return undefined;
  try {
    const prefix = Number(m[2]);
    return { base: (ipToInt(m[1]) & maskOf(prefix)) >>> 0, prefix };
  } catch {
    return undefined;
  }
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

/** The n-th address inside the CIDR (0 = network address). */
export function nthAddress(c: Cidr, n: number): string {
  if (n < 0 || n >= cidrSize(c)) throw new Error(`address #${n} is outside ${formatCidr(c)}`);
  return intToIp(c.base + n);
}

/** The i-th subnet of the given prefix inside c, e.g. the 3rd /24 of 10.244.0.0/16. */
export function nthSubnet(c: Cidr, prefix: number, i: number): Cidr {
  if (prefix < c.prefix) throw new Error(`/${prefix} does not fit inside ${formatCidr(c)}`);
  if (i < 0 || i >= 2 ** (prefix - c.prefix)) throw new Error(`subnet #${i} of /${prefix} is outside ${formatCidr(c)}`);
  return { base: c.base + i * 2 ** (32 - prefix), prefix };
}
