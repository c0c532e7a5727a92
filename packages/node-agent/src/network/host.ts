// The node container's own network stack: `ip` and `iptables` run as child processes (the node image ships
// iproute2 and iptables; the container has NET_ADMIN). Failures carry the command and its stderr.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { PodRoute, RouteRow } from './routes';
import { POSTROUTING_JUMP } from './iptables';

export class HostCommandError extends Error {
  readonly code = 'KUBELAB_HOST_COMMAND';
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command}: ${stderr.trim() || 'failed'}`);
    this.name = 'HostCommandError';
  }
}

export function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) reject(new HostCommandError(`${cmd} ${args.join(' ')}`, stderr || err.message));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

interface AddrInfo {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** The interface holding `ip` (interfaces are found by address: Docker decides their names). */
export async function interfaceWithAddress(ip: string): Promise<string> {
  const links = JSON.parse(await run('ip', ['-j', '-4', 'addr', 'show'])) as AddrInfo[];
  const found = links.find((l) => l.addr_info?.some((a) => a.local === ip));
  if (!found) throw new Error(`no interface of this node holds ${ip} (interfaces: ${links.map((l) => l.ifname).join(', ')})`);
  return found.ifname;
}

export async function listRoutes(): Promise<RouteRow[]> {
  return JSON.parse(await run('ip', ['-j', '-4', 'route', 'show'])) as RouteRow[];
}

export async function replaceRoute(r: PodRoute, dev: string): Promise<void> {
  await run('ip', ['route', 'replace', r.cidr, 'via', r.via, 'dev', dev]);
}

export async function deleteRoute(r: RouteRow): Promise<void> {
  await run('ip', ['route', 'del', r.dst, ...(r.gateway ? ['via', r.gateway] : []), ...(r.dev ? ['dev', r.dev] : [])]);
}

export async function iptablesRestore(rules: string): Promise<void> {
  await run('iptables-restore', ['--noflush'], rules);
}

/** Inserts the jump from POSTROUTING into our chain unless it is already there (idempotent across restarts). */
export async function ensurePostroutingJump(): Promise<void> {
  try {
    await run('iptables', ['-t', 'nat', '-C', 'POSTROUTING', ...POSTROUTING_JUMP]);
  } catch {
    await run('iptables', ['-t', 'nat', '-I', 'POSTROUTING', '1', ...POSTROUTING_JUMP]);
  }
}

/** Forwarding must be on for a router; the cluster tooling sets it, this only checks and tries to fix. */
export async function ensureForwarding(): Promise<boolean> {
  const path = '/proc/sys/net/ipv4/ip_forward';
  if ((await readFile(path, 'utf8')).trim() === '1') return true;
  try {
    await writeFile(path, '1');
    return true;
  } catch {
    return false;
  }
}
