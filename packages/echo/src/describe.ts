// The whoami answer, built from plain data so it can be tested without sockets and so the text and JSON
// forms can never drift apart.
import type { NetworkInterfaceInfo } from 'node:os';

export interface RequestDescription {
  hostname: string;
  ips: string[];
  remoteAddress: string;
  remotePort: number;
  method: string;
  url: string;
  /** As Node reports it, e.g. "1.1". */
  httpVersion: string;
  /** Alternating name/value pairs as received, so names keep the client's spelling and order. */
  rawHeaders: string[];
}

export interface WhoamiJson {
  hostname: string;
  ip: string[];
  remoteAddr: string;
  method: string;
  url: string;
  proto: string;
  host: string;
  headers: Record<string, string>;
}

const V4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; lab users expect the plain address. */
export function normalizeAddress(address: string): string {
  const m = V4_MAPPED.exec(address);
  return m ? m[1] : address;
}

/** host:port, bracketing IPv6 like Go's net.JoinHostPort so the output matches whoami. */
export function formatRemoteAddr(address: string, port: number): string {
  const ip = normalizeAddress(address);
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Non-loopback IPv4 addresses, plus the pod IP the lab assigned when the interfaces do not show it
 * (e.g. when the address lives on a NAT rule rather than on an interface of this container).
 */
export function collectIps(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>, podIp?: string): string[] {
  const ips: string[] = [];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family === 'IPv4' && !info.internal && !ips.includes(info.address)) ips.push(info.address);
    }
  }
  const extra = podIp?.trim();
  if (extra && !ips.includes(extra)) ips.push(extra);
  return ips;
}

function headerPairs(rawHeaders: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i], rawHeaders[i + 1]]);
  // Host first, like whoami, so the virtual host is easy to spot; otherwise keep arrival order.
  const isHost = (name: string) => name.toLowerCase() === 'host';
  return [...pairs.filter(([n]) => isHost(n)), ...pairs.filter(([n]) => !isHost(n))];
}

export function describeText(req: RequestDescription): string {
  const lines = [`Hostname: ${req.hostname}`];
  for (const ip of req.ips) lines.push(`IP: ${ip}`);
  lines.push(`RemoteAddr: ${formatRemoteAddr(req.remoteAddress, req.remotePort)}`);
  lines.push(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
  for (const [name, value] of headerPairs(req.rawHeaders)) lines.push(`${name}: ${value}`);
  return lines.map((l) => `${l}\n`).join('');
}

export function describeJson(req: RequestDescription): WhoamiJson {
  // Lower-case keys with repeated headers joined, the same shape as Node's req.headers, so
  // consumers can index without guessing the client's capitalisation.
  // Null prototype: clients choose header names, and "__proto__" or "constructor" must stay plain data.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of headerPairs(req.rawHeaders)) {
    const key = name.toLowerCase();
    headers[key] = Object.hasOwn(headers, key) ? `${headers[key]}, ${value}` : value;
  }
  return {
    hostname: req.hostname,
    ip: [...req.ips],
    remoteAddr: formatRemoteAddr(req.remoteAddress, req.remotePort),
    method: req.method,
    url: req.url,
    proto: `HTTP/${req.httpVersion}`,
    host: headers.host ?? '',
    headers,
  };
}
