// IPv4 text <-> number and CIDR membership, for the trace model. Pure.
export interface Cidr {
  base: number;
  bits: number;
}

export function ipNum(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function parseCidrSafe(text: string): Cidr | undefined {
  const [ip, bitsText] = text.split('/');
  const n = ipNum(ip);
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (n === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  return { base: n, bits };
}

export function inCidr(ip: string, c: Cidr): boolean {
  const n = ipNum(ip);
  if (n === undefined) return false;
  if (c.bits === 0) return true;
  const shift = 32 - c.bits;
  return Math.floor(n / 2 ** shift) === Math.floor(c.base / 2 ** shift);
}
