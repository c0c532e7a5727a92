// `kubelab capture POD|NODE [--pf FILTER] [--both-sides] [-w FILE] [-c N] [--duration D]`: tcpdump in the
// pod's (or node's) network namespace, streamed to the host as text lines or written as pcapng. tcpdump
// runs in a throwaway helper container that joins the namespace, never in the pod's own containers: without
// promiscuous mode (-p) a packet socket needs only NET_RAW (NET_ADMIN is for setting promiscuous mode). The
// helper is bound to the CLI (it stops when the CLI's attach stream closes, killed or not, and Docker
// removes it); a capture first sweeps helpers a dead CLI left, and `cluster down` removes any leftover.
// --both-sides adds the node agent's namespace: every pod packet crosses its agent (DESIGN.md §3), so the
// agent's interfaces show it before DNAT (arriving from the pod) and after (leaving towards the endpoint).
import { createWriteStream } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { resolveResource, type Pod } from '@kubelab/api';
import { intOption, parseDuration, withClient, type CliEnv } from '../command-kit';
import { PcapngMerger } from '../capture/pcap';
import { CliError } from '../errors';
import { attachBound, createHelper, nodeContainer, pauseContainer, sweepStaleHelpers } from '../inspect/node-docker';
import { namespaceOf } from '../resource-args';
import { lineSink } from '../streams/line-sink';
import { resolvePod } from './pod-ref';

interface CaptureOptions {
  namespace?: string;
  pf?: string;
  bothSides?: boolean;
  write?: string;
  count?: number;
  duration?: string;
}

/** What tcpdump -p needs in the namespace: a packet socket, and giving up root afterwards. */
export const CAPTURE_CAPS = ['NET_RAW', 'SETUID', 'SETGID'];

export interface CapturePoint {
  /** Short label printed before each text line and used as the pcapng interface name. */
  name: string;
  description: string;
  /** Container whose network namespace is captured. */
  joins: string;
  /** Narrows the user's filter at this point (the node side keeps only the pod's own packets). */
  only?: string;
}

/** The filter of one capture point: its own restriction and the user's, both required. */
export function pointFilter(user: string | undefined, only: string | undefined): string | undefined {
  if (user && only) return `(${only}) and (${user})`;
  return user || only;
}

/**
 * tcpdump's arguments: all interfaces, no promiscuous mode (the namespace's own packets are all it needs, and
 * NET_ADMIN stays dropped), numeric, then the filter (it drops to its own user once the socket is open).
 */
export function tcpdumpArgs(o: { pcap: boolean; count?: number; filter?: string }): string[] {
  return [
    'tcpdump',
    '-i',
    'any',
    '-p',
    '-n',
    ...(o.pcap ? ['-U', '-w', '-'] : ['-l']),
    ...(o.count ? ['-c', String(o.count)] : []),
    ...(o.filter ? [o.filter] : []),
  ];
}

const lines = (onLine: (line: string) => void): Writable => lineSink(onLine, { flush: true });

export async function runCapture(
  docker: Docker,
  cluster: string,
  points: CapturePoint[],
  o: { filter?: string; count?: number; durationMs?: number; out: 'text' | Writable },
  io: CliEnv['io'],
): Promise<void> {
  const pcap = o.out !== 'text';
  const merger = pcap ? new PcapngMerger((b) => (o.out as Writable).write(b)) : undefined;
  const helpers: Docker.Container[] = [];
  const stops: Array<() => void> = [];
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // Closing a bound helper's stdin sends tcpdump SIGTERM: it flushes its last packets and prints its counts.
    for (const s of stops) s();
  };
  const timer = o.durationMs ? setTimeout(stop, o.durationMs) : undefined;
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await sweepStaleHelpers(docker, cluster);
  try {
    const runs = points.map(async (p) => {
      const h = await createHelper(docker, {
        cluster,
        joins: p.joins,
        purpose: `capture ${p.name}`,
        cmd: tcpdumpArgs({ pcap, count: o.count, filter: pointFilter(o.filter, p.only) }),
        // SETUID/SETGID: tcpdump gives up root for its `tcpdump` user once the capture socket is open.
        capAdd: CAPTURE_CAPS,
        bound: true,
      });
      helpers.push(h);
      const { stream, stop: stopOne } = await attachBound(h);
      stops.push(stopOne);
      const prefix = points.length > 1 ? `[${p.name}] ` : '';
      const stdout = pcap
        ? new PassThrough().on('data', (c: Buffer) => merger!.push(p.name, p.description, c))
        : lines((l) => io.out(prefix + l));
      const stderr = lines((l) => io.err(prefix + l));
      docker.modem.demuxStream(stream, stdout, stderr);
      const ended = new Promise<void>((resolve) => stream.on('end', resolve));
      // Set up before start: an AutoRemove helper that exits at once is gone before a later wait could ask.
      const exited = h.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
      await h.start();
      if (stopping) stopOne();
      const exit = await exited;
      await ended;
      stdout.end();
      stderr.end();
      if (exit.StatusCode !== 0 && !stopping) throw new CliError(`tcpdump in ${p.name} exited with ${exit.StatusCode}`);
    });
    const results = await Promise.allSettled(runs);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await Promise.all(helpers.map((h) => h.remove({ force: true }).catch(() => undefined)));
  }
}

export function registerCapture(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  program
    .command('capture')
    .description("tcpdump in a pod's or a node's network namespace, as text or a pcapng file")
    .argument('<target>', 'POD (or deploy/NAME), or a node name')
    .option('-n, --namespace <ns>', 'namespace of the pod (default "default")')
    .option('--pf <filter>', "tcpdump filter expression, e.g. 'port 53' or 'host 10.96.0.10'")
    .option('--both-sides', "also capture on the pod's node agent: packets before and after DNAT")
    .option('-w, --write <file>', 'write pcapng to FILE ("-" for stdout) instead of printing text')
    .option('-c, --count <n>', 'stop after N packets (on each side)', intOption(1))
    .option('--duration <d>', 'stop after this long, e.g. 10s')
    .action(async (target: string, o: CaptureOptions) => {
      const d = docker();
      const cluster = env.clusterName();
      const points = await withClient(env, async (client): Promise<CapturePoint[]> => {
        const nodes = resolveResource('nodes')!;
        const isNode =
          !target.includes('/') &&
          (await client.get(nodes, target).then(
            () => true,
            () => false,
          ));
        if (isNode) {
          if (o.bothSides) throw new CliError('--both-sides needs a pod: a node capture already is the node side');
          return [{ name: `node ${target}`, description: `node ${target}`, joins: await nodeContainer(d, cluster, target) }];
        }
        const pod: Pod = await resolvePod(client, target, namespaceOf(o), env.io);
        const ns = pod.metadata.namespace ?? namespaceOf(o);
        const name = pod.metadata.name!;
        const list: CapturePoint[] = [
          {
            name: `pod ${ns}/${name}`,
            description: `network namespace of pod ${ns}/${name}`,
            joins: await pauseContainer(d, cluster, ns, name),
          },
        ];
        if (o.bothSides) {
          const node = pod.spec?.nodeName;
          if (!node) throw new CliError(`pod ${ns}/${name} is not scheduled to a node yet`);
          list.push({
            name: `node ${node}`,
            description: `node agent ${node}: the pod's packets before and after DNAT`,
            joins: await nodeContainer(d, cluster, node),
            // The pod's packets keep its IP as source or destination on both sides of the DNAT (no SNAT for pod
            // traffic); the kubelet's probes to other pods stay out.
            only: pod.status?.podIP ? `host ${pod.status.podIP}` : undefined,
          });
        }
        return list;
      });
      const durationMs = o.duration ? parseDuration(o.duration) : undefined;
      let out: 'text' | Writable = 'text';
      let file: Writable | undefined;
      if (o.write === '-') out = process.stdout;
      else if (o.write) out = file = createWriteStream(o.write);
      try {
        await runCapture(d, cluster, points, { filter: o.pf, count: o.count, durationMs, out }, env.io);
      } finally {
        if (file) await new Promise<void>((resolve) => file.end(resolve));
      }
    });
}
