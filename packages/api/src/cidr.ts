// IPv4 and CIDR arithmetic for the addressing plan (DESIGN.md §2) and the allocators.

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

export function isIPv4(ip: string): boolean {
  try {
    ipToInt(ip);
    return true;
  } catch {
    return false;
  }
}

export function parseCidr(text: string): Cidr {
  const m = text.match(/^([\d.]+)\/(\d{1,2})$/);
  if (!m || Number(m[2]) > 32) throw new Error(`invalid IPv4 CIDR "${text}"`);
  const prefix = Number(m[2]);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ipToInt(m[1]) & mask) >>> 0, prefix };
}

/** For addresses a user typed: host bits set is a mistake worth naming (10.244.1.0/16 means 10.244.0.0/16?). */
export function parseCidrStrict(text: string): Cidr {
  const c = parseCidr(text);
  const ip = ipToInt(text.slice(0, text.indexOf('/')));
  if (ip !== c.base) throw new Error(`invalid IPv4 CIDR "${text}": host bits set (did you mean ${formatCidr(c)}?)`);
  return c;
}

/** Lenient reading of input such as Docker's IPAM config: undefined for IPv6 or junk. */
export function tryParseCidr(text: string): Cidr | undefined {
  try {
    return parseCidr(text.trim());
  } catch {
    return undefined;
  }
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function cidrContains(c: Cidr | string, ip: string): boolean {
  const cc = typeof c === 'string' ? parseCidr(c) : c;
  const n = ipToInt(ip);
  return n >= cc.base && n < cc.base + cidrSize(cc);
}

export function cidrsOverlap(a: Cidr | string, b: Cidr | string): boolean {
  const x = typeof a === 'string' ? parseCidr(a) : a;
  const y = typeof b === 'string' ? parseCidr(b) : b;
  return x.base < y.base + cidrSize(y) && y.base < x.base + cidrSize(x);
}

/** The n-th address inside the CIDR (0 = network address). */
export function nthAddress(c: Cidr | string, n: number): string {
  const cc = typeof c === 'string' ? parseCidr(c) : c;
  if (n < 0 || n >= cidrSize(cc)) throw new Error(`address #${n} is outside ${formatCidr(cc)}`);
  return intToIp(cc.base + n);
}

/** The i-th subnet of the given prefix inside a larger CIDR, e.g. the 3rd /24 of 10.244.0.0/16. */
export function nthSubnet(c: Cidr | string, prefix: number, i: number): string {
  const cc = typeof c === 'string' ? parseCidr(c) : c;
  if (prefix < cc.prefix) throw new Error(`/${prefix} does not fit inside ${formatCidr(cc)}`);
  const count = 2 ** (prefix - cc.prefix);
  if (i < 0 || i >= count) throw new Error(`subnet #${i} of /${prefix} is outside ${formatCidr(cc)}`);
  return formatCidr({ base: cc.base + i * 2 ** (32 - prefix), prefix });
}
