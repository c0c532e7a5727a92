// `kubelab trace SRC DST [--port N] [--proto tcp|udp|icmp] [--live] [--dropped-only] [-o table|json]
// [--explain]`: the path one packet takes, hop by hop, read from the nodes' own rules and routes (the model),
// and checked by the kernel: each rule's packet counter before and after (iptables-save -c), the kernel's
// own trace of the packet (nftrace: the rules it matched, its TTL and interfaces at each), and its conntrack
// entry (which endpoint the DNAT picked). The packet is a probe the trace sends, or with --live the next
// real one from SRC to DST. SRC: a pod, a node or `host`; DST: a pod, a Service (svc/NAME; from the host its
// NodePort), an Ingress URL (routed by the router's own route table), a Service's URL (its DNS name resolved
// as the source's resolver does; the probe is the URL's request), a DNS name, a node or an IP.
import net from 'node:net';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { type Node, type Pod, resolveResource } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { AlreadyReported, intOption, withClient, type CliEnv } from '../command-kit';
import { CliError } from '../errors';
import { nodeContainer, sweepStaleHelpers } from '../inspect/node-docker';
import { namespaceOf } from '../resource-args';
import { faultNotes, faultRecords } from '../trace/faults';
import { parseTraceUrl, urlPort, withAnswer } from '../trace/ingress-url';
import { formatTrace, type TraceReport, traceJson } from '../trace/format';
import type { PodView, World } from '../trace/model';
import { conclusion, droppedRows, type Source, simulate, type TracePath } from '../trace/simulate';
import { ingressHops, planIngress, routerChoice, routerLeg } from './trace-ingress';
import { gatherNode, type NodeInfo, snapshotRules, startKernelTrace } from './trace-kernel';
import { disagreement, type Leg, legEvidence, legRules, type Round, sendProbe, waitForLive } from './trace-legs';
import { curlProbe, type HttpProbe, type Proto, type ProbeResult, probeJoins, probeSourcePort } from './trace-probe';
import { resolveDnsName, resolveEnd, type ResolvedEnd } from './trace-resolve';

interface TraceOptions {
  namespace?: string;
  port?: number;
  proto?: string;
  output?: string;
  explain?: boolean;
  live?: boolean;
  droppedOnly?: boolean;
  count?: number;
}

/** The report as --dropped-only shows it: the rows that decided the drop (none when it was delivered). */
function onlyDropped(r: TraceReport, path: TracePath): TraceReport {
  const rows = droppedRows(path);
  return { ...r, hops: rows, numbers: rows.map((h) => r.hops.indexOf(h) + 1) };
}

export function registerTrace(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  program
    .command('trace')
    .description(
      "one packet's path hop by hop: each rule it meets (with the object that made it), NAT, routes, and the kernel's counters and trace as evidence",
    )
    .argument('<src>', 'a pod (NAME or pod/NAME), a node, or "host"')
    .argument(
      '<dst>',
      "a pod, a Service (svc/NAME; from the host, its NodePort), an Ingress URL (http://app.localhost:8080/path), a Service's URL (http://web.default/path: its DNS name, then a real request), a DNS name, a node, or an IP",
    )
    .option('-n, --namespace <ns>', 'namespace of SRC and DST (default "default")')
    .option('--port <n>', "destination port (default: the Service's first port, the pod's first containerPort)", intOption(1, 65535))
    .option('--proto <p>', "tcp, udp or icmp (default: the Service port's protocol, else tcp)")
    .option('--live', 'send nothing: watch the next real packet from SRC to DST (a new connection) and trace it; Ctrl-C stops')
    .option('--dropped-only', 'print only packets that were dropped or rejected, with the rule and policy that did it')
    .option('-c, --count <n>', 'with --live: trace N packets (with --dropped-only: N dropped ones), default 1', intOption(1))
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--explain', 'only the path the rules and routes predict; send nothing')
    .addHelpText('after', '\nExit status 1 when the packet is not delivered (dropped, rejected or lost), as ping does.')
    .action(async (srcRef: string, dstRef: string, o: TraceOptions) => {
      if (o.output !== 'table' && o.output !== 'json') throw new CliError(`--output must be table or json, not "${o.output}"`);
      if (o.proto && !['tcp', 'udp', 'icmp'].includes(o.proto)) throw new CliError(`--proto must be tcp, udp or icmp, not "${o.proto}"`);
      if (o.live && o.explain) throw new CliError('--live and --explain exclude each other: --explain sends and watches nothing');
      if (o.count && !o.live) throw new CliError('--count goes with --live');
      const d = docker();
      const cluster = env.clusterName();
      const emit = (r: TraceReport): void => env.io.out(o.output === 'json' ? JSON.stringify(traceJson(r), null, 2) : formatTrace(r));
      const allDelivered = await withClient(env, (client) => runTrace(client, d, cluster, srcRef, dstRef, o, emit, (l) => env.io.err(l)));
      // As ping does: a script can test whether the packet got there.
      if (!allDelivered) throw new AlreadyReported(1);
    });
}

async function runTrace(
  client: KubeClient,
  d: Docker,
  cluster: string,
  srcRef: string,
  dstRef: string,
  o: TraceOptions,
  emit: (r: TraceReport) => void,
  note: (line: string) => void,
): Promise<boolean> {
  const nodeObjs = (await client.list<Node>(resolveResource('nodes')!, undefined)).items;
  const nodes: NodeInfo[] = await Promise.all(
    nodeObjs.map(async (n) => ({
      name: n.metadata.name!,
      ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
      container: await nodeContainer(d, cluster, n.metadata.name!),
    })),
  );
  let ns = namespaceOf(o);
  const src = await resolveEnd(client, srcRef, ns, nodes, { fromHost: false });
  if (src.kind === 'svc' || src.kind === 'ip') throw new CliError('SRC must be a pod, a node or "host"');
  const podObjs = (await client.list<Pod>(resolveResource('pods')!, undefined)).items;
  const faults = faultRecords(nodeObjs, podObjs);
  const pods: PodView[] = podObjs
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
  const srcIp = src.kind === 'host' ? hostIp : src.ip;

  // An Ingress URL: two legs, SRC -> the router pod, the router -> the endpoint it picks.
  const ingress = await planIngress(client, d, cluster, dstRef, { src, srcIp, nodes, world, fromHost: src.kind === 'host' });
  // Any other URL names a Service by its DNS name (http://web/, http://web.default.svc.cluster.local/): the
  // name resolved as the source's resolver does, the Service's NAT, and a real request as the probe.
  const svcUrl = ingress ? undefined : parseTraceUrl(dstRef);
  if (svcUrl && src.kind === 'host')
    throw new CliError(
      `${dstRef}: no Ingress rule names host ${svcUrl.host}, and the host does not resolve cluster DNS names: trace svc/NAME (its NodePort) or an Ingress URL`,
    );
  if (svcUrl && o.port) throw new CliError(`--port goes with a name, not a URL: the URL names its port (${urlPort(svcUrl)})`);
  let dnsLine: string | undefined;
  let dst: ResolvedEnd;
  if (ingress) dst = ingress.entry;
  else {
    let dstTarget = dstRef;
    const dnsName = svcUrl
      ? net.isIPv4(svcUrl.host)
        ? undefined
        : svcUrl.host
      : !dstRef.includes('/') && dstRef.includes('.') && !net.isIPv4(dstRef)
        ? dstRef
        : undefined;
    if (svcUrl && !dnsName) dstTarget = svcUrl.host;
    if (dnsName) {
      const r = await resolveDnsName(
        client,
        d,
        dnsName,
        nodes.find((n) => n.name === src.pod?.spec?.nodeName) ?? nodes[0],
        src.pod?.metadata.namespace ?? ns,
      ).catch((err: unknown) => {
        if (svcUrl && err instanceof CliError) throw new CliError(`${err.message} (and no Ingress rule names host ${svcUrl.host})`);
        throw err;
      });
      dnsLine = r.line;
      dstTarget = r.target;
      ns = r.namespace ?? ns;
    }
    dst = await resolveEnd(client, dstTarget, ns, nodes, { fromHost: src.kind === 'host', port: svcUrl ? urlPort(svcUrl) : o.port });
    if (svcUrl && dst.port !== urlPort(svcUrl))
      throw new CliError(`${dst.label} has no port ${urlPort(svcUrl)}: nothing answers ${dstRef} (its first port is ${dst.port})`);
  }
  if (dst.kind === 'host') throw new CliError('DST cannot be the host: traces end in the cluster');
  const proto: Proto = ingress || svcUrl ? 'tcp' : ((o.proto as Proto | undefined) ?? dst.proto ?? 'tcp');
  const port = proto === 'icmp' ? undefined : o.port && dst.kind !== 'svc' && !ingress ? o.port : dst.port;
  if (proto !== 'icmp' && !port) throw new CliError(`no port to trace to ${dst.label}: give --port`);
  // Live packets and a proxied connection are found by what the kernel saw; a probe's own port is known.
  const discover = !!o.live || !!ingress?.viaProxy;
  const sport = proto === 'icmp' || discover ? undefined : await probeSourcePort(src.kind === 'host');
  const leg: Leg = { source, srcIp, packet: { src: srcIp, dst: dst.ip, proto, sport, dport: port, mark: 0, ctstate: 'NEW' } };
  const dstText = `${dst.ip}${port ? `:${port}` : ''}`;
  const dstLabel = ingress ? ingress.label : svcUrl ? `URL ${dstRef} (${dst.label})` : dst.label;
  const headline = `trace ${src.label} -> ${dstLabel} (${dstText}/${proto})${sport ? `, source port ${sport}` : ''}`;

  if (o.explain) {
    const predicted = simulate(world, source, { ...leg.packet, sport: sport ?? 0 });
    const report: TraceReport = {
      headline: `${headline}: the path the rules and routes predict (nothing sent)`,
      dns: dnsLine,
      ingress: ingress?.text,
      hops: predicted.hops,
      conclusion: conclusion(predicted, dstText),
      explainOnly: true,
    };
    if (ingress) {
      // The router's pick is its own (round robin): the path to its first endpoint stands for all.
      const o1 = predicted.outcome;
      const router = o1.kind === 'delivered' ? ingress.routers.find((r) => `${r.namespace}/${r.name}` === o1.to) : undefined;
      const first = ingress.decision.answer ? undefined : ingress.decision.upstream?.endpoints[0];
      const second =
        router && first
          ? {
              res: { path: simulate(world, routerLeg(router, first).source, { ...routerLeg(router, first).packet, sport: 0 }) },
              picked: first,
              predicted: true,
            }
          : undefined;
      Object.assign(report, ingressHops(world, ingress, { path: predicted, runs: new Map() }, second, dstText));
    }
    report.faults = faultNotes(report.hops, faults);
    emit(o.droppedOnly ? onlyDropped(report, predicted) : report);
    return /^DELIVERED/.test(report.conclusion);
  }

  await sweepStaleHelpers(d, cluster);
  const senderIp = src.kind === 'node' ? src.ip : undefined;
  const rules = [...legRules(world, leg), ...(ingress?.routerRules ?? [])];
  const kernel = await startKernelTrace(d, cluster, nodes, rules, senderIp);
  let before = new Map(views.map((v) => [v.name, v.rules.rules] as const));
  let allDelivered = true;
  try {
    const wanted = o.live ? (o.count ?? 1) : 1;
    let shown = 0;
    let interrupted = false;
    const onSignal = (): void => {
      interrupted = true;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const seenIds = new Set<string>();
    let announced = false;
    let liveSince: number | undefined;
    try {
      while (shown < wanted && !interrupted) {
        let probe: ProbeResult | undefined;
        let probeText: string;
        if (o.live) {
          if (!announced)
            note(
              `watching for new ${proto.toUpperCase()} packets from ${src.label} to ${dstText}${o.droppedOnly ? ' that are dropped' : ''} (Ctrl-C to stop)`,
            );
          announced = true;
          const got = await waitForLive(kernel, world, leg, seenIds, () => interrupted);
          if (!got) break;
          // The router logs the request after it answered; its clock is this machine's (a container).
          liveSince = Date.now() - 5000;
          probeText = `the next new ${proto.toUpperCase()} packet from ${src.label} to ${dstText} (source port ${got.sport ?? '-'}), as the kernel traced it`;
          leg.packet.sport = got.sport;
        } else if (ingress) {
          ({ probe, text: probeText } = await ingress.probe(sport));
        } else if (svcUrl) {
          // The URL's own request, to the Service's address with the URL's Host: any HTTP answer is the pod's.
          const http: HttpProbe = {
            scheme: svcUrl.scheme,
            ip: dst.ip,
            port: port!,
            hostHeader: svcUrl.hostHeader,
            host: svcUrl.host,
            target: svcUrl.target,
            requestId: `kubelab-trace-${Date.now().toString(36)}`,
          };
          ({ probe, text: probeText } = await curlProbe(d, cluster, await probeJoins(d, cluster, src, nodes), http, sport!, {
            anyStatus: true,
          }));
        } else {
          ({ probe, text: probeText } = await sendProbe(d, cluster, src, nodes, proto, dst.ip, port, sport, hostIp));
        }
        await new Promise((r) => setTimeout(r, 300)); // the rest of the path's trace lines, from the other nodes
        const after = await snapshotRules(d, nodes);
        const round: Round = { before, after, kernel };
        const res = await legEvidence(d, nodes, world, leg, round);
        if (o.live) leg.packet.sport = undefined;
        before = after;
        const entryNode = res.path.hops.find((h) => h.node && h.netns === 'node agent')?.node;
        let report: TraceReport = {
          headline: o.live
            ? `trace ${src.label} -> ${dstLabel} (${dstText}/${proto})${res.sport ? `, source port ${res.sport}` : ''}`
            : headline,
          dns: dnsLine,
          probe: probeText,
          live: !!o.live,
          hops: res.path.hops,
          conntrack: res.conntrack,
          // An Ingress probe's answer is the router's: compared with the whole path below.
          mismatch: ingress ? undefined : disagreement(res, probe, entryNode, proto),
          conclusion: conclusion(res.path, dstText),
          explainOnly: false,
        };
        let finalPath = res.path;
        if (ingress) {
          const leg2 = await routerChoice(ingress, res, probe, kernel.text, liveSince);
          const second = leg2 ? await legEvidence(d, nodes, world, leg2.leg, round) : undefined;
          Object.assign(
            report,
            ingressHops(world, ingress, res, second && leg2 ? { res: second, picked: leg2.picked } : undefined, dstText),
          );
          if (second) finalPath = second.path;
          if (second?.conntrack)
            report.conntrack = `${report.conntrack ?? '-'}\nthe router's connection ${second.conntrack.replace(/\n/g, "\nthe router's connection ")}`;
          const reached = /^DELIVERED/.test(report.conclusion) || !!ingress.decision.answer;
          if (probe && reached !== probe.ok && !(ingress.decision.answer && !probe.ok))
            report.mismatch = `the rules and the route table predict ${reached ? 'an answer' : 'no answer'}, but the probe got ${probe.text}`;
        }
        report.faults = faultNotes(report.hops, faults);
        // The probe is the evidence: the rules may predict delivery while something they do not model (a
        // partition, netem loss, a server that is not listening) stops it. UDP without an answer proves nothing.
        if (!ingress && probe && !probe.ok && proto !== 'udp' && /^DELIVERED/.test(report.conclusion))
          report.conclusion = `NOT DELIVERED: the probe's result was ${probe.text} (the rules predict ${report.conclusion})`;
        if (svcUrl && probe?.ok) report.conclusion = withAnswer(report.conclusion, probe.text);
        const delivered = /^DELIVERED/.test(report.conclusion);
        if (o.droppedOnly) {
          if (delivered) {
            // Not a drop: --live keeps watching; a probe says so in one line.
            if (!o.live)
              emit({
                ...report,
                hops: [],
                faults: undefined,
                conntrack: undefined,
                mismatch: undefined,
                conclusion: `${report.conclusion} (nothing dropped)`,
              });
            if (!o.live) shown++;
            continue;
          }
          report = onlyDropped(report, finalPath);
        }
        allDelivered &&= delivered;
        emit(report);
        shown++;
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    await kernel.stop();
  }
  return allDelivered;
}
