// `kubelab flows [-f] [--pod X] [--verdict FORWARDED|DROPPED] [--to-service S] [--protocol P] [-o
// compact|table|jsonl] [--since D]`, with Hubble's flag names: connections the nodes forwarded (each node's
// conntrack table, or its NEW events with -f) and packets NetworkPolicy dropped (each node's drop log),
// named by pod and Service, a drop with the policies that decided it.
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { parseDuration, withClient, type CliEnv } from '../command-kit';
import { CliError } from '../errors';
import { compactLine, type Flow, type FlowFilter, flowKey, flowOfConntrack, flowOfDrop, keep, TABLE_HEAD, tableRow } from '../flows/flows';
import { DROP_LOG, flowContext, readFlows } from '../flows/collect';
import { attachBound, createHelper, execIn, sweepStaleHelpers } from '../inspect/node-docker';
import { tabwrite } from '../printers/tabwriter';
import { lineSink } from '../streams/line-sink';

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
        const { names, nodes, base } = await flowContext(client, d, cluster);
        const filter: FlowFilter = {
          pod: qualify(o.pod),
          verdict: verdict as FlowFilter['verdict'],
          toService: qualify(o.toService),
          protocol: o.protocol,
          since: o.since ? Date.now() - parseDuration(o.since) : undefined,
          ...base,
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
          for (const f of await readFlows(d, nodes, names)) emit(f);
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
        await sweepStaleHelpers(d, cluster);
        try {
          for (const n of nodes) {
            const h = await createHelper(d, {
              cluster,
              joins: n.id,
              purpose: `flows ${n.name}`,
              cmd: ['conntrack', '-E', '-e', 'NEW', '-o', 'timestamp'],
              capAdd: ['NET_ADMIN'],
              // Gone with the CLI even when it is killed (Ctrl-C is the normal way out of -f).
              bound: true,
            });
            helpers.push(h);
            const { stream } = await attachBound(h);
            d.modem.demuxStream(
              stream,
              lineSink((l) => emit(flowOfConntrack(l, n.name, names))),
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
              lineSink((l) => {
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
