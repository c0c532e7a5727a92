// `kubelab flows [-f] [--pod X] [--verdict FORWARDED|DROPPED] [--to-service S] [--protocol P] [-o
// compact|table|jsonl] [--since D]`, with Hubble's flag names: connections the nodes forwarded (each node's
// conntrack table, or its NEW events with -f) and packets NetworkPolicy dropped (each node's drop log),
// named by pod and Service, a drop with the policies that decided it.
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { type Pod, resolveResource, type Service } from '@kubelab/api';
import { parseDuration, withClient, type CliEnv } from '../command-kit';
import { CliError } from '../errors';
import {
  compactLine,
  type Flow,
  type FlowFilter,
  flowKey,
  flowOfConntrack,
  flowOfDrop,
  keep,
  type Names,
  TABLE_HEAD,
  tableRow,
} from '../flows/flows';
import { createHelper, execIn, nodeContainer } from '../inspect/node-docker';
import { tabwrite } from '../printers/tabwriter';

const DROP_LOG = '/var/log/kubelab/netpol-drops.jsonl';

interface FlowsOptions {
  follow?: boolean;
  pod?: string;
  namespace?: string;
  verdict?: string;
  toService?: string;
  protocol?: string;
  output?: string;
  since?: string;
}

function lines(onLine: (l: string) => void): PassThrough {
  const s = new PassThrough();
  let rest = '';
  s.on('data', (c: Buffer) => {
    const parts = (rest + c.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) onLine(l);
  });
  return s;
}

export function registerFlows(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  program
    .command('flows')
    .description(
      "connections the nodes forwarded and packets NetworkPolicy dropped, with pods, Services and the deciding policies (Hubble's flags)",
    )
    .option('-f, --follow', 'keep printing new flows')
    .option('--pod <name>', 'flows from or to this pod (NAME or NS/NAME)')
    .option('-n, --namespace <ns>', 'namespace of --pod and --to-service (default "default")')
    .option('--verdict <v>', 'FORWARDED or DROPPED')
    .option('--to-service <name>', 'flows addressed to this Service (NAME or NS/NAME)')
    .option('--protocol <p>', 'TCP, UDP or ICMP')
    .option('-o, --output <format>', 'compact, table or jsonl', 'compact')
    .option('--since <duration>', 'drops newer than this (e.g. 5m); forwarded flows are what conntrack holds now')
    .action(async (o: FlowsOptions) => {
      const verdict = o.verdict?.toUpperCase();
      if (verdict && verdict !== 'FORWARDED' && verdict !== 'DROPPED')
        throw new CliError(`--verdict must be FORWARDED or DROPPED, not "${o.verdict}"`);
      if (!['compact', 'table', 'jsonl'].includes(o.output ?? ''))
        throw new CliError(`--output must be compact, table or jsonl, not "${o.output}"`);
      const ns = o.namespace || 'default';
      const qualify = (n?: string) => (n ? (n.includes('/') ? n : `${ns}/${n}`) : undefined);
      const d = docker();
      const cluster = env.clusterName();
      await withClient(env, async (client) => {
        const pods = (await client.list<Pod>(resolveResource('pods')!, undefined)).items;
        const services = (await client.list<Service>(resolveResource('services')!, undefined)).items;
        const podIps = new Map(
          pods.filter((p) => p.status?.podIP).map((p) => [p.status!.podIP!, `${p.metadata.namespace}/${p.metadata.name}`]),
        );
        const svcIps = new Map(
          services
            .filter((s) => s.spec.clusterIP && s.spec.clusterIP !== 'None')
            .map((s) => [s.spec.clusterIP!, `${s.metadata.namespace}/${s.metadata.name}`]),
        );
        const podNodes = new Map(pods.filter((p) => p.status?.podIP).map((p) => [p.status!.podIP!, p.spec?.nodeName]));
        const names: Names = { podByIp: (ip) => podIps.get(ip), serviceByClusterIp: (ip) => svcIps.get(ip) };
        const nodes = await Promise.all(
          (await client.list(resolveResource('nodes')!, undefined)).items.map(async (n) => ({
            name: n.metadata.name!,
            id: await nodeContainer(d, cluster, n.metadata.name!),
          })),
        );
        const nodeAddresses = new Set<string>();
        for (const n of nodes)
          for (const m of (await execIn(d, n.id, ['ip', '-4', '-o', 'addr'])).out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g))
            nodeAddresses.add(m[1]);
        const filter: FlowFilter = {
          pod: qualify(o.pod),
          verdict: verdict as FlowFilter['verdict'],
          toService: qualify(o.toService),
          protocol: o.protocol,
          since: o.since ? Date.now() - parseDuration(o.since) : undefined,
          nodeAddresses,
          nodeOfPod: (ip) => podNodes.get(ip),
        };
        const seen = new Set<string>();
        const rows: string[][] = [];
        const emit = (f: Flow | undefined): void => {
          if (!f || !keep(f, filter)) return;
          const key = flowKey(f);
          if (seen.has(key)) return;
          seen.add(key);
          if (o.output === 'jsonl') env.io.out(JSON.stringify(f));
          else if (o.output === 'table' && !o.follow) rows.push(tableRow(f));
          else env.io.out(o.output === 'table' ? tableRow(f).join('  ') : compactLine(f));
        };
        if (!o.follow) {
          const found: Flow[] = [];
          await Promise.all(
            nodes.map(async (n) => {
              const [ct, drops] = await Promise.all([
                execIn(d, n.id, ['conntrack', '-L']),
                execIn(d, n.id, ['sh', '-c', `tail -n 2000 ${DROP_LOG} 2>/dev/null || true`]),
              ]);
              for (const l of ct.out.split('\n')) {
                const f = flowOfConntrack(l, n.name, names);
                if (f) found.push(f);
              }
              for (const l of drops.out.split('\n')) {
                const f = flowOfDrop(l, names);
                if (f) found.push(f);
              }
            }),
          );
          // Drops in time order first is not Hubble's habit: everything by time, conntrack's timeless entries last.
          found.sort((a, b) => (a.time ?? Number.MAX_SAFE_INTEGER) - (b.time ?? Number.MAX_SAFE_INTEGER));
          for (const f of found) emit(f);
          if (o.output === 'table')
            env.io.out(tabwrite([TABLE_HEAD, ...rows].map((r) => r.join('\t')).join('\n'), { padding: 2 }).replace(/ +$/gm, ''));
          return;
        }
        // Follow: conntrack NEW events from a helper in each node's namespace, and each drop log's new lines.
        const helpers: Docker.Container[] = [];
        const tails: Array<{ id: string; pid?: string }> = [];
        let stop!: () => void;
        const stopped = new Promise<void>((resolve) => (stop = resolve));
        process.once('SIGINT', () => stop());
        process.once('SIGTERM', () => stop());
        try {
          for (const n of nodes) {
            const h = await createHelper(d, {
              cluster,
              joins: n.id,
              purpose: `flows ${n.name}`,
              cmd: ['conntrack', '-E', '-e', 'NEW', '-o', 'timestamp'],
              capAdd: ['NET_ADMIN'],
            });
            helpers.push(h);
            const stream = await h.attach({ stream: true, stdout: true, stderr: true });
            d.modem.demuxStream(
              stream,
              lines((l) => emit(flowOfConntrack(l, n.name, names))),
              new PassThrough(),
            );
            await h.start();
            const exec = await d.getContainer(n.id).exec({
              Cmd: ['sh', '-c', `echo PID $$; exec tail -n 0 -F ${DROP_LOG} 2>/dev/null`],
              AttachStdout: true,
              AttachStderr: true,
            });
            const tail = { id: n.id } as { id: string; pid?: string };
            tails.push(tail);
            const out = await exec.start({ hijack: true, stdin: false });
            d.modem.demuxStream(
              out,
              lines((l) => {
                const pid = /^PID (\d+)$/.exec(l);
                if (pid) tail.pid = pid[1];
                else emit(flowOfDrop(l, names));
              }),
              new PassThrough(),
            );
          }
          await stopped;
        } finally {
          await Promise.all(helpers.map((h) => h.remove({ force: true }).catch(() => undefined)));
          await Promise.all(tails.filter((t) => t.pid).map((t) => execIn(d, t.id, ['kill', t.pid!]).catch(() => undefined)));
        }
      });
    });
}
