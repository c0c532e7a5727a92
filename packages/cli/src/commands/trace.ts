// `kubelab trace SRC DST [--port N] [--proto tcp|udp|icmp] [-o table|json] [--explain]`: the path one packet
// takes, hop by hop, read from the nodes' own rules and routes (the model), and, unless --explain, checked
// by a real probe: each rule's packet counter before and after (iptables-save -c), the probe's conntrack
// entry (which endpoint the DNAT picked), and the probe's own result. SRC: a pod, a node or `host`; DST: a
// pod, a Service (svc/NAME; from the host its NodePort), a node or an IP.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { demuxFrames, type Pod, resolveResource, type Service } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { AlreadyReported, intOption, withClient, type CliEnv } from '../command-kit';
import { CliError } from '../errors';
import { createHelper, execIn, nodeContainer, pauseContainer } from '../inspect/node-docker';
import { namespaceOf } from '../resource-args';
import { describeResolution, parseDig, type Resolution, tryOrder } from '../trace/dns-name';
import { counterDelta, formatConntrack, parseConntrack, translatedDestination } from '../trace/evidence';
import { firstPacket, matchedRules, parseTrace, TRACE_COMMENT, type TraceEvent, traceRule, ttlOut } from '../trace/nftrace';
import { formatTrace, type TraceReport, traceJson } from '../trace/format';
import { type NodeView, type PodView, parseRoutes, type World } from '../trace/model';
import { type Packet, parseRuleset, type Rule } from '../trace/netfilter';
import { conclusion, type Source, simulate } from '../trace/simulate';

type Proto = 'tcp' | 'udp' | 'icmp';

interface TraceOptions {
  namespace?: string;
  port?: number;
  proto?: string;
  output?: string;
  explain?: boolean;
}

interface Endpoint {
  label: string;
  ip: string;
  port?: number;
  proto?: Proto;
}

interface NodeInfo {
  name: string;
  ip: string;
  container: string;
}

async function gatherNode(d: Docker, n: NodeInfo): Promise<NodeView> {
  const [save, routes, addrs] = await Promise.all([
    execIn(d, n.container, ['iptables-save', '-c']),
    execIn(d, n.container, ['ip', '-4', 'route']),
    execIn(d, n.container, ['ip', '-4', '-o', 'addr']),
  ]);
  const local = new Set([...addrs.out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]));
  return { name: n.name, ip: n.ip, rules: parseRuleset(save.out), routes: parseRoutes(routes.out), local };
}

async function resolveEnd(
  client: KubeClient,
  ref: string,
  ns: string,
  nodes: NodeInfo[],
  o: { fromHost: boolean; port?: number },
): Promise<Endpoint & { kind: 'pod' | 'svc' | 'node' | 'ip' | 'host'; pod?: Pod }> {
  if (ref === 'host') return { kind: 'host', label: 'the host', ip: '' };
  if (net.isIPv4(ref)) return { kind: 'ip', label: ref, ip: ref, port: o.port };
  const slash = ref.indexOf('/');
  const type = slash >= 0 ? ref.slice(0, slash) : '';
  const name = slash >= 0 ? ref.slice(slash + 1) : ref;
  const tryPod = async () => client.get<Pod>(resolveResource('pods')!, name, ns).catch(() => undefined);
  const trySvc = async () => client.get<Service>(resolveResource('services')!, name, ns).catch(() => undefined);
  if (!type || type === 'pod' || type === 'pods' || type === 'po') {
    const pod = await tryPod();
    if (pod) {
      const port = o.port ?? pod.spec?.containers?.flatMap((c) => c.ports ?? [])[0]?.containerPort;
      if (!pod.status?.podIP) throw new CliError(`pod ${ns}/${name} has no IP yet`);
      return { kind: 'pod', label: `pod ${ns}/${name}`, ip: pod.status.podIP, port, pod };
    }
    if (type) throw new CliError(`Error from server (NotFound): pods "${name}" not found`, 1, true);
  }
  if (!type || ['svc', 'service', 'services'].includes(type)) {
    const svc = await trySvc();
    if (svc) {
      const sp = svc.spec.ports?.find((p) => o.port === undefined || p.port === o.port || p.nodePort === o.port) ?? svc.spec.ports?.[0];
      const proto = (sp?.protocol ?? 'TCP').toLowerCase() as Proto;
      if (o.fromHost) {
        if (!sp?.nodePort)
          throw new CliError(
            `service ${ns}/${name} has no NodePort: the host reaches Services through NodePorts (or kubelab service --url)`,
          );
        const node = nodes.find((n) => !/control-plane/.test(n.name)) ?? nodes[0];
        return {
          kind: 'svc',
          label: `NodePort ${sp.nodePort} of service ${ns}/${name} on node ${node.name}`,
          ip: node.ip,
          port: sp.nodePort,
          proto,
        };
      }
      if (!svc.spec.clusterIP || svc.spec.clusterIP === 'None')
        throw new CliError(`service ${ns}/${name} is headless: trace one of its pods`);
      return { kind: 'svc', label: `service ${ns}/${name}`, ip: svc.spec.clusterIP, port: sp?.port, proto };
    }
    if (type) throw new CliError(`Error from server (NotFound): services "${name}" not found`, 1, true);
  }
  const node = nodes.find((n) => n.name === name);
  if (node && (!type || type === 'node' || type === 'nodes')) return { kind: 'node', label: `node ${name}`, ip: node.ip, port: o.port };
  throw new CliError(`"${ref}" is no pod or service in namespace ${ns}, no node, and no IP`);
}

interface ProbeResult {
  ok: boolean;
  text: string;
}

function describeNc(out: string, code: number, proto: Proto): ProbeResult {
  const line = out.trim().split('\n').pop() ?? '';
  if (proto === 'tcp') {
    if (code === 0) return { ok: true, text: 'connected' };
    if (/refused/i.test(out)) return { ok: false, text: 'connection refused (an ICMP port-unreachable or a TCP reset came back)' };
    if (/timed out|in progress/i.test(out)) return { ok: false, text: 'timed out (no answer: dropped somewhere)' };
    return { ok: false, text: line || `failed (exit ${code})` };
  }
  if (proto === 'udp') {
    if (/refused/i.test(out)) return { ok: false, text: 'refused (ICMP port unreachable)' };
    return {
      ok: code === 0,
      text: out.trim() ? `answered: ${out.trim().split('\n')[0].slice(0, 60)}` : 'sent (no answer within 1 s; UDP has no handshake)',
    };
  }
  const ttl = /ttl=(\d+)/.exec(out)?.[1];
  return ttl
    ? { ok: true, text: `echo reply, TTL ${ttl}` }
    : { ok: false, text: /unreachable|prohibited/i.test(out) ? line : 'no echo reply' };
}

function probeCommand(proto: Proto, ip: string, port: number | undefined, sport: number): string[] {
  if (proto === 'icmp') return ['ping', '-c', '1', '-W', '2', ip];
  if (proto === 'tcp') return ['nc', '-z', '-v', '-w', '2', '-p', String(sport), ip, String(port)];
  return ['sh', '-c', `echo kubelab-trace | nc -u -w 1 -p ${sport} ${ip} ${port}`];
}

async function probeFromContainer(d: Docker, cluster: string, joins: string, cmd: string[], proto: Proto): Promise<ProbeResult> {
  const h = await createHelper(d, { cluster, joins, purpose: 'trace probe', cmd, capAdd: proto === 'icmp' ? ['NET_RAW'] : [] });
  try {
    const stream = await h.attach({ stream: true, stdout: true, stderr: true });
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise<void>((resolve) => stream.on('end', resolve));
    await h.start();
    const exit = (await h.wait()) as { StatusCode: number };
    await ended;
    return describeNc(demuxFrames(Buffer.concat(chunks)).map(String).join(''), exit.StatusCode, proto);
  } finally {
    await h.remove({ force: true }).catch(() => undefined);
  }
}

function probeFromHost(ip: string, port: number, sport: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port, localPort: sport, timeout: 2000 });
    s.once('connect', () => {
      s.destroy();
      resolve({ ok: true, text: 'connected' });
    });
    s.once('timeout', () => {
      s.destroy();
      resolve({ ok: false, text: 'timed out (no answer: dropped somewhere)' });
    });
    s.once('error', (err: NodeJS.ErrnoException) =>
      resolve({ ok: false, text: err.code === 'ECONNREFUSED' ? 'connection refused' : `failed: ${err.message}` }),
    );
  });
}

interface KernelTrace {
  stop(): Promise<void>;
  /** Node name -> the events of the probe's first packet there. */
  runs(): Map<string, TraceEvent[]>;
}

/**
 * A TRACE rule for the probe's packets in every node's raw table (PREROUTING, and OUTPUT on the node that
 * sends it), and `xtables-monitor --trace` in a helper joined to each node's namespace. Best effort: a node
 * where either fails just has no kernel trace.
 */
async function startKernelTrace(
  d: Docker,
  cluster: string,
  nodes: NodeInfo[],
  proto: string,
  src: string,
  sport: number | undefined,
  senderIp: string | undefined,
): Promise<KernelTrace> {
  const rule = traceRule(proto, src, sport);
  const placed: Array<{ node: NodeInfo; chain: string }> = [];
  const monitors: Array<{ node: NodeInfo; helper: Docker.Container; text: () => string }> = [];
  await Promise.all(
    nodes.map(async (n) => {
      try {
        // A trace interrupted before its clean-up left its TRACE rule behind: remove such rules first.
        await execIn(d, n.container, [
          'sh',
          '-c',
          `iptables-save -t raw | grep -- '${TRACE_COMMENT}' | sed 's/^-A /-D /' | while read -r r; do eval "iptables -t raw $r"; done`,
        ]);
        for (const chain of n.ip === senderIp ? ['PREROUTING', 'OUTPUT'] : ['PREROUTING']) {
          if ((await execIn(d, n.container, ['iptables', '-t', 'raw', '-I', chain, '1', ...rule])).code === 0)
            placed.push({ node: n, chain });
        }
        const helper = await createHelper(d, {
          cluster,
          joins: n.container,
          purpose: 'trace monitor',
          cmd: ['xtables-monitor', '--trace'],
          capAdd: ['NET_ADMIN'],
        });
        const stream = await helper.attach({ stream: true, stdout: true, stderr: true });
        const out = new PassThrough();
        let text = '';
        out.on('data', (c: Buffer) => (text += c.toString('utf8')));
        d.modem.demuxStream(stream, out, new PassThrough());
        await helper.start();
        monitors.push({ node: n, helper, text: () => text });
      } catch {
        // no kernel trace on this node
      }
    }),
  );
  // xtables-monitor prints nothing when it is ready; give it a moment to subscribe.
  await new Promise((r) => setTimeout(r, 400));
  const runs = new Map<string, TraceEvent[]>();
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 300));
      for (const m of monitors) runs.set(m.node.name, firstPacket(parseTrace(m.text()), src, sport));
      await Promise.all(monitors.map((m) => m.helper.remove({ force: true }).catch(() => undefined)));
      await Promise.all(
        placed.map((p) => execIn(d, p.node.container, ['iptables', '-t', 'raw', '-D', p.chain, ...rule]).catch(() => undefined)),
      );
    },
    runs: () => runs,
  };
}

export function registerTrace(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  program
    .command('trace')
    .description(
      "one packet's path hop by hop: each rule it meets (with the object that made it), NAT, routes, and the kernel's counters as evidence",
    )
    .argument('<src>', 'a pod (NAME or pod/NAME), a node, or "host"')
    .argument('<dst>', 'a pod, a Service (svc/NAME; from the host, its NodePort), a node, or an IP')
    .option('-n, --namespace <ns>', 'namespace of SRC and DST (default "default")')
    .option('--port <n>', "destination port (default: the Service's first port, the pod's first containerPort)", intOption(1, 65535))
    .option('--proto <p>', "tcp, udp or icmp (default: the Service port's protocol, else tcp)")
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--explain', 'only the path the rules and routes predict; send nothing')
    .addHelpText('after', '\nExit status 1 when the packet is not delivered (dropped, rejected or lost), as ping does.')
    .action(async (srcRef: string, dstRef: string, o: TraceOptions) => {
      if (o.output !== 'table' && o.output !== 'json') throw new CliError(`--output must be table or json, not "${o.output}"`);
      if (o.proto && !['tcp', 'udp', 'icmp'].includes(o.proto)) throw new CliError(`--proto must be tcp, udp or icmp, not "${o.proto}"`);
      const d = docker();
      const cluster = env.clusterName();
      let ns = namespaceOf(o);
      const report = await withClient(env, async (client): Promise<TraceReport> => {
        const nodeObjs = (await client.list(resolveResource('nodes')!, undefined)).items as Array<{
          metadata: { name?: string };
          status?: { addresses?: Array<{ type: string; address: string }> };
        }>;
        const nodes: NodeInfo[] = await Promise.all(
          nodeObjs.map(async (n) => ({
            name: n.metadata.name!,
            ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
            container: await nodeContainer(d, cluster, n.metadata.name!),
          })),
        );
        const src = await resolveEnd(client, srcRef, ns, nodes, { fromHost: false });
        if (src.kind === 'svc' || src.kind === 'ip') throw new CliError('SRC must be a pod, a node or "host"');
        // A DNS name: resolved as the source pod's resolver would, through the cluster DNS, from its node.
        let dnsLine: string | undefined;
        let dstTarget = dstRef;
        if (!dstRef.includes('/') && dstRef.includes('.') && !net.isIPv4(dstRef)) {
          const fromNode = nodes.find((n) => n.name === src.pod?.spec?.nodeName) ?? nodes[0];
          const searchNs = src.pod?.metadata.namespace ?? ns;
          const r: Resolution = { tried: [] };
          for (const name of tryOrder(dstRef, searchNs)) {
            const a = parseDig((await execIn(d, fromNode.container, ['dig', '+time=2', '+tries=1', '@10.96.0.10', name, 'A'])).out);
            r.tried.push({ name, ...a });
            if (a.addresses.length) {
              r.address = a.addresses[0];
              break;
            }
          }
          dnsLine = describeResolution(dstRef, r);
          if (!r.address) throw new CliError(`cannot resolve ${dstRef}: ${dnsLine}`);
          const svc = (await client.list<Service>(resolveResource('services')!, undefined)).items.find(
            (s) => s.spec.clusterIP === r.address,
          );
          dstTarget = svc ? `svc/${svc.metadata.name}` : r.address;
          if (svc) ns = svc.metadata.namespace ?? ns;
        }
        const dst = await resolveEnd(client, dstTarget, ns, nodes, { fromHost: src.kind === 'host', port: o.port });
        if (dst.kind === 'host') throw new CliError('DST cannot be the host: traces end in the cluster');
        const proto: Proto = (o.proto as Proto | undefined) ?? dst.proto ?? 'tcp';
        const port = proto === 'icmp' ? undefined : o.port && dst.kind !== 'svc' ? o.port : dst.port;
        if (proto !== 'icmp' && !port) throw new CliError(`no port to trace to ${dst.label}: give --port`);
        const pods: PodView[] = (await client.list<Pod>(resolveResource('pods')!, undefined)).items
          .filter((p) => p.status?.podIP)
          .map((p) => ({ namespace: p.metadata.namespace!, name: p.metadata.name!, ip: p.status!.podIP!, node: p.spec?.nodeName }));
        const views = await Promise.all(nodes.map((n) => gatherNode(d, n)));
        const world: World = { nodes: views, pods };
        // The host reaches the node network through the bridge's gateway: the nodes' default route.
        const hostIp = views[0]?.routes.find((r) => r.dst === 'default')?.via ?? '172.30.0.1';
        const source: Source =
          src.kind === 'pod'
            ? { kind: 'pod', namespace: src.pod!.metadata.namespace!, name: src.pod!.metadata.name! }
            : src.kind === 'host'
              ? { kind: 'host', ip: hostIp }
              : { kind: 'node', name: srcRef.replace(/^nodes?\//, '') };
        const srcIp = src.kind === 'pod' ? src.ip : src.kind === 'host' ? hostIp : src.ip;
        const sport = proto === 'icmp' ? undefined : 40000 + Math.floor(Math.random() * 20000);
        const packet: Packet = { src: srcIp, dst: dst.ip, proto, sport, dport: port, mark: 0, ctstate: 'NEW' };
        const dstText = `${dst.ip}${port ? `:${port}` : ''}`;
        const headline = `trace ${src.label} -> ${dst.label} (${dstText}/${proto})${sport ? `, source port ${sport}` : ''}`;
        const predicted = simulate(world, source, packet);
        if (o.explain) {
          return {
            headline: `${headline}: the path the rules and routes predict (nothing sent)`,
            dns: dnsLine,
            hops: predicted.hops,
            conclusion: conclusion(predicted, dstText),
            explainOnly: true,
          };
        }

        // The probe, between two counter snapshots, with the kernel tracing its packets on every node.
        const cmd = probeCommand(proto, dst.ip, port, sport ?? 0);
        const tracer = await startKernelTrace(d, cluster, nodes, proto, srcIp, sport, src.kind === 'node' ? src.ip : undefined);
        let result: ProbeResult;
        try {
          if (src.kind === 'pod')
            result = await probeFromContainer(
              d,
              cluster,
              await pauseContainer(d, cluster, src.pod!.metadata.namespace!, src.pod!.metadata.name!),
              cmd,
              proto,
            );
          else if (src.kind === 'node')
            result = await probeFromContainer(d, cluster, nodes.find((n) => n.ip === src.ip)!.container, cmd, proto);
          else if (proto === 'tcp') result = await probeFromHost(dst.ip, port!, sport!);
          else throw new CliError('from the host, trace sends TCP probes only');
        } finally {
          await tracer.stop();
        }
        const after = new Map<string, Rule[]>(
          await Promise.all(
            nodes.map(
              async (n) => [n.name, parseRuleset((await execIn(d, n.container, ['iptables-save', '-c'])).out).rules] as [string, Rule[]],
            ),
          ),
        );
        // The first node the packet enters keeps the connection's conntrack entry with its NAT.
        const entryNode = predicted.hops.find((h) => h.node && h.netns === 'node agent')?.node ?? predicted.hops.find((h) => h.node)?.node;
        const entry = nodes.find((n) => n.name === entryNode);
        let conntrackText: string | undefined;
        let endpoint: string | undefined;
        if (entry) {
          // Entries only: conntrack's summary goes to stderr, and Docker's exec stream interleaves the two (a
          // summary frame landing inside an entry's line read as protocol "conntrack").
          const ipOnly = (ip: string): string => {
            if (!/^[0-9a-fA-F.:]+$/.test(ip)) throw new CliError(`not an IP address: ${JSON.stringify(ip)}`);
            return ip;
          };
          const filter =
            proto === 'icmp'
              ? `-p icmp -s ${ipOnly(srcIp)} -d ${ipOnly(dst.ip)}`
              : `-p ${proto === 'udp' ? 'udp' : 'tcp'} --sport ${Number(sport)}`;
          const args = ['sh', '-c', `conntrack -L ${filter} 2>/dev/null`];
          const ct = (await execIn(d, entry.container, args)).out
            .split('\n')
            .map(parseConntrack)
            .find((e) => e && e.orig.src === srcIp);
          if (ct) {
            conntrackText = `on ${entry.name}: ${formatConntrack(ct)}`;
            endpoint = translatedDestination(ct);
          } else conntrackText = `on ${entry.name}: no entry (the first packet never left that node: dropped or rejected there)`;
        }
        const live = simulate(world, source, packet, { endpoint: endpoint?.includes(':') ? endpoint : undefined });
        for (const h of live.hops) {
          if (!h.rule || !h.node) continue;
          const before = views.find((v) => v.name === h.node)!.rules.rules;
          h.delta = counterDelta(before, after.get(h.node) ?? [], h.rule);
        }
        for (const [node, run] of tracer.runs()) {
          if (run.length === 0) continue;
          const seen = matchedRules(run);
          for (const h of live.hops.filter((x) => x.node === node)) {
            if (h.rule) h.traced = seen.has(`${h.rule.table}:${h.rule.chain}|${h.text}`);
            else if (h.where === 'route' && h.netns === 'node agent') {
              const ttl = ttlOut(run);
              if (ttl) h.text += `; left with TTL ${ttl}`;
            }
          }
        }
        const delivered = live.outcome.kind === 'delivered';
        let mismatch: string | undefined;
        if (delivered !== result.ok && !(proto === 'udp' && delivered))
          mismatch = `the rules predict ${delivered ? 'delivery' : live.outcome.kind}, but the probe ${result.text}`;
        const zero = live.hops.filter((h) => h.rule && h.delta === 0 && h.node === entryNode);
        if (!mismatch && zero.length && result.ok)
          mismatch = `${zero.length} rule(s) on the predicted path counted no packet (${zero.map((h) => h.ruleRef).join(', ')})`;
        return {
          headline,
          dns: dnsLine,
          probe: `${src.kind === 'host' ? `TCP connect from the host (${hostIp}:${sport})` : cmd.join(' ')}: ${result.text}`,
          hops: live.hops,
          conntrack: conntrackText,
          mismatch,
          conclusion: conclusion(live, dstText),
          explainOnly: false,
        };
      });
      env.io.out(o.output === 'json' ? JSON.stringify(traceJson(report), null, 2) : formatTrace(report));
      // As ping does: a script can test whether the packet got there.
      if (!/^DELIVERED/.test(report.conclusion)) throw new AlreadyReported(1);
    });
}
