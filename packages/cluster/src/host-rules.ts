// One rule kubelab needs in this machine's own iptables, next to Docker's (scripts/docker-engine.sh sets it
// too). With bridge netfilter on, frames a node agent forwards onto its pod network also pass this machine's
// nat table, where Docker's `-s <node subnet> ! -o <node bridge> -j MASQUERADE` rewrote a client on the node
// network (this host, a node) to the pod bridge's gateway: hostPorts and externalTrafficPolicy Local lost
// the client IP and their replies took a wrong path. Frames bridged between containers that this machine
// did not DNAT are never masqueraded (Docker's published-port hairpin still is). Docker inserts each new
// network's MASQUERADE rule at the top, so this runs after the cluster's networks are created.
import { execFile } from 'node:child_process';

const RULE = [
  '-m',
  'physdev',
  '--physdev-is-bridged',
  '-m',
  'conntrack',
  '!',
  '--ctstate',
  'DNAT',
  '-m',
  'comment',
  '--comment',
  'kubelab: frames bridged between containers keep their source address',
  '-j',
  'RETURN',
];

function iptables(args: string[]): Promise<boolean> {
  return new Promise((resolve) => execFile('iptables', ['-w', '5', ...args], { timeout: 10_000 }, (err) => resolve(!err)));
}

/** Best effort: only where this process can change the host's iptables (Linux, root); silent elsewhere. */
export async function keepBridgedSources(): Promise<void> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return;
  // Delete every copy, then insert one at the top: above the MASQUERADE rules Docker just inserted.
  while (await iptables(['-t', 'nat', '-D', 'POSTROUTING', ...RULE])) {}
  await iptables(['-t', 'nat', '-I', 'POSTROUTING', '1', ...RULE]);
}
