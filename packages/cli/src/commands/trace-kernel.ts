// What `kubelab trace` reads from the nodes' kernels: each node's rules (iptables-save -c, with counters),
// routes and addresses; the kernel's own trace of marked packets (a TRACE rule in the raw table, printed by
// `xtables-monitor --trace` in a helper joined to the node); and a connection's conntrack entry.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { CliError } from '../errors';
import { attachBound, createHelper, execIn } from '../inspect/node-docker';
import { type ConntrackEntry, formatConntrack, parseConntrack, translatedDestination } from '../trace/evidence';
import { type NodeView, parseRoutes } from '../trace/model';
import { parseRuleset, type Rule } from '../trace/netfilter';
import { TRACE_COMMENT } from '../trace/nftrace';

export interface NodeInfo {
  name: string;
  ip: string;
  container: string;
}

export async function gatherNode(d: Docker, n: NodeInfo): Promise<NodeView> {
  const [save, routes, addrs] = await Promise.all([
    execIn(d, n.container, ['iptables-save', '-c']),
    execIn(d, n.container, ['ip', '-4', 'route']),
    execIn(d, n.container, ['ip', '-4', '-o', 'addr']),
  ]);
  const local = new Set([...addrs.out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]));
  return { name: n.name, ip: n.ip, rules: parseRuleset(save.out), routes: parseRoutes(routes.out), local };
}

/** Every node's rules with their counters now. */
export async function snapshotRules(d: Docker, nodes: NodeInfo[]): Promise<Map<string, Rule[]>> {
  return new Map(
    await Promise.all(
      nodes.map(async (n) => [n.name, parseRuleset((await execIn(d, n.container, ['iptables-save', '-c'])).out).rules] as [string, Rule[]]),
    ),
  );
}

export interface KernelTrace {
  /** What the node's monitor printed so far. */
  text(node: string): string;
  stop(): Promise<void>;
}

/**
 * TRACE rules (`rules`: each one rule's arguments) in every node's raw PREROUTING (and OUTPUT on the node
 * that sends), and `xtables-monitor --trace` in a helper joined to each node. The helpers are bound to the
 * CLI (gone even if it is killed); a TRACE rule an interrupted trace left behind is removed first. Best
 * effort: a node where either fails just has no kernel trace.
 */
export async function startKernelTrace(
  d: Docker,
  cluster: string,
  nodes: NodeInfo[],
  rules: string[][],
  senderIp?: string,
): Promise<KernelTrace> {
  const placed: Array<{ node: NodeInfo; chain: string; rule: string[] }> = [];
  const monitors: Array<{ node: NodeInfo; stop: () => void; text: () => string }> = [];
  await Promise.all(
    nodes.map(async (n) => {
      try {
        await execIn(d, n.container, [
          'sh',
          '-c',
          `iptables-save -t raw | grep -- '${TRACE_COMMENT}' | sed 's/^-A /-D /' | while read -r r; do eval "iptables -t raw $r"; done`,
        ]);
        for (const rule of rules)
          for (const chain of n.ip === senderIp ? ['PREROUTING', 'OUTPUT'] : ['PREROUTING'])
            if ((await execIn(d, n.container, ['iptables', '-t', 'raw', '-I', chain, '1', ...rule])).code === 0)
              placed.push({ node: n, chain, rule });
        const helper = await createHelper(d, {
          cluster,
          joins: n.container,
          purpose: 'trace monitor',
          cmd: ['xtables-monitor', '--trace'],
          // The nftables trace is a netlink multicast group only CAP_NET_ADMIN may join.
          capAdd: ['NET_ADMIN'],
          bound: true,
        });
        const { stream, stop } = await attachBound(helper);
        const out = new PassThrough();
        let text = '';
        out.on('data', (c: Buffer) => (text += c.toString('utf8')));
        d.modem.demuxStream(stream, out, new PassThrough());
        await helper.start();
        monitors.push({ node: n, stop, text: () => text });
      } catch {
        // no kernel trace on this node
      }
    }),
  );
  // xtables-monitor prints nothing when it is ready; give it a moment to subscribe.
  await new Promise((r) => setTimeout(r, 400));
  return {
    text: (node) => monitors.find((m) => m.node.name === node)?.text() ?? '',
    async stop() {
      for (const m of monitors) m.stop();
      await Promise.all(
        placed.map((p) => execIn(d, p.node.container, ['iptables', '-t', 'raw', '-D', p.chain, ...p.rule]).catch(() => undefined)),
      );
    },
  };
}

const ipOnly = (ip: string): string => {
  if (!/^[0-9a-fA-F.:]+$/.test(ip)) throw new CliError(`not an IP address: ${JSON.stringify(ip)}`);
  return ip;
};

/** The connection's conntrack entry on a node: by source port (TCP, UDP), or by addresses (ICMP). */
export async function readConntrack(
  d: Docker,
  node: NodeInfo,
  o: { proto: string; src: string; dst: string; sport?: number },
): Promise<{ text: string; entry?: ConntrackEntry; endpoint?: string }> {
  // Entries only: conntrack's summary goes to stderr, and Docker's exec stream interleaves the two (a
  // summary frame landing inside an entry's line read as protocol "conntrack").
  const filter =
    o.proto === 'icmp'
      ? `-p icmp -s ${ipOnly(o.src)} -d ${ipOnly(o.dst)}`
      : `-p ${o.proto === 'udp' ? 'udp' : 'tcp'} --sport ${Number(o.sport)}`;
  const ct = (await execIn(d, node.container, ['sh', '-c', `conntrack -L ${filter} 2>/dev/null`])).out
    .split('\n')
    .map(parseConntrack)
    .find((e) => e && e.orig.src === o.src);
  if (!ct) return { text: `on ${node.name}: no entry (the first packet never left that node: dropped or rejected there)` };
  return { text: `on ${node.name}: ${formatConntrack(ct)}`, entry: ct, endpoint: translatedDestination(ct) };
}
