// The node container's own network stack: `ip` and `iptables` run as child processes (the node image ships
// iproute2 and iptables; the container has NET_ADMIN). Failures carry the command and its stderr.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { JumpRule } from './iptables';
import type { PodRoute, RouteRow } from './routes';
import type { TableName } from './table-buffer';

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

/** One iptables-restore call for every table in `text`; --noflush keeps chains we do not declare. */
export async function iptablesRestore(text: string): Promise<void> {
  await run('iptables-restore', ['--noflush'], text);
}

/**
 * Whether this kernel takes the NFLOG target the policy chains log drops with (every Linux we know does; a
 * kernel without it would make the whole restore fail, Services included). Checked in one restore that
 * creates and deletes a chain, so nothing is left behind.
 */
export async function supportsNflog(group: number): Promise<boolean> {
  const chain = 'KUBELAB-NFLOG-CHECK';
  const text = `*filter\n:${chain} - [0:0]\n-A ${chain} -m limit --limit 1/sec -j NFLOG --nflog-group ${group} --nflog-prefix check --nflog-size 128\n-F ${chain}\n-X ${chain}\nCOMMIT\n`;
  try {
    await run('iptables-restore', ['--noflush'], text);
    return true;
  } catch {
    return false;
  }
}

/** The chains a table has now (`iptables-save -t TABLE`), to find stale ones to delete. */
export async function listChains(table: TableName): Promise<string[]> {
  const out = await run('iptables-save', ['-t', table]);
  return out
    .split('\n')
    .filter((l) => l.startsWith(':'))
    .map((l) => l.slice(1).split(' ')[0]);
}

/** Inserts the jump at the top of its built-in chain unless it is there already; true when it was missing. */
export async function ensureJump(j: JumpRule): Promise<boolean> {
  try {
    await run('iptables', ['-t', j.table, '-C', j.chain, ...j.spec]);
    return false;
  } catch {
    await run('iptables', ['-t', j.table, '-I', j.chain, '1', ...j.spec]);
    return true;
  }
}

/** Addresses with prefix length 32 on `dev`: the LoadBalancer IPs this agent added (Docker gives /24s). */
export async function listHostAddresses(dev: string): Promise<string[]> {
  const links = JSON.parse(await run('ip', ['-j', '-4', 'addr', 'show', 'dev', dev])) as AddrInfo[];
  return links.flatMap((l) => (l.addr_info ?? []).filter((a) => a.prefixlen === 32).map((a) => a.local));
}

export async function addHostAddress(ip: string, dev: string): Promise<void> {
  await run('ip', ['addr', 'replace', `${ip}/32`, 'dev', dev]);
}

/**
 * Announces that `ip` is now at this node: gratuitous ARP requests (sender IP = target IP = ip, broadcast;
 * iputils `arping -U`), as MetalLB's speaker does when it takes an IP over. Neighbours that cached the former
 * owner's MAC (the Docker host, other nodes, containers on the node network) switch at once instead of when
 * their entry has gone stale and failed its probes (half a minute or more). Three announcements one second
 * apart, so one lost frame does not matter. Rejects when arping failed (e.g. missing from an old image).
 */
export async function announceAddress(ip: string, dev: string): Promise<void> {
  await run('arping', ['-U', '-c', String(ANNOUNCEMENTS), '-I', dev, ip]);
}
const ANNOUNCEMENTS = 3;

export async function deleteHostAddress(ip: string, dev: string): Promise<void> {
  await run('ip', ['addr', 'del', `${ip}/32`, 'dev', dev]);
}

/** `conntrack ARGS`; false when it failed (e.g. "0 flow entries have been deleted" exits 1). */
export async function conntrack(args: string[]): Promise<boolean> {
  try {
    await run('conntrack', args);
    return true;
  } catch {
    return false;
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
