// `kubelab dns trace [--pod X] [-f] [--since D]`: every lookup pods made, with each search-path expansion the
// resolver tried, its RCODE, latency and answers, and which DNS pod answered. It reads the DNS pods' query
// log (CoreDNS's `log` plugin lines, answers appended) through the API's pods/log, as `kubelab logs` does.
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { type Pod, resolveResource } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { parseDuration, withClient, type CliEnv } from '../command-kit';
import { formatLookup } from '../dns/format';
import { type Lookup, LookupGrouper, type ServedQuery } from '../dns/lookups';
import { parseQueryLine } from '../dns/query-log';
import { CliError } from '../errors';
import { namespaceOf } from '../resource-args';
import { ApiStreams } from '../streams/api-streams';

/** How long a query waits for earlier ones from the other DNS pod's log stream (follow mode). */
const REORDER_MS = 1000;

interface DnsTraceOptions {
  pod?: string;
  namespace?: string;
  follow?: boolean;
  since?: string;
}

/** Pod IP -> "ns/name", refreshed at most every few seconds when an unknown IP shows up. */
class PodDirectory {
  private byIp = new Map<string, Pod>();
  private loadedAt = 0;
  constructor(private readonly client: KubeClient) {}

  async load(): Promise<void> {
    const pods = (await this.client.list<Pod>(resolveResource('pods')!, undefined)).items;
    this.byIp = new Map(pods.filter((p) => p.status?.podIP).map((p) => [p.status!.podIP!, p]));
    this.loadedAt = Date.now();
  }

  async know(ip: string): Promise<void> {
    if (!this.byIp.has(ip) && Date.now() - this.loadedAt > 3000) await this.load();
  }

  pod(ip: string): Pod | undefined {
    return this.byIp.get(ip);
  }

  name(ip: string): string {
    const p = this.byIp.get(ip);
    return p ? `${p.metadata.namespace}/${p.metadata.name} (${ip})` : ip;
  }
}

function lineSink(onLine: (line: string) => void): Writable {
  let rest = '';
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) onLine(l);
      done();
    },
    final(done) {
      if (rest) onLine(rest);
      done();
    },
  });
}

export function registerDnsTrace(program: Command, env: CliEnv): void {
  const dns = program.command('dns').description("look at the cluster DNS's work");
  dns
    .command('trace')
    .description('lookups pods made: each search-path expansion tried, its RCODE, latency, answer and the DNS pod that answered')
    .option('--pod <name>', 'only lookups made by this pod')
    .option('-n, --namespace <ns>', 'namespace of --pod (default "default")')
    .option('-f, --follow', 'keep printing lookups as they happen')
    .option('--since <duration>', 'how far back to read the query log (default 5m)', '5m')
    .action(async (o: DnsTraceOptions) => {
      await withClient(env, async (client) => {
        const dir = new PodDirectory(client);
        await dir.load();
        let onlyIp: string | undefined;
        if (o.pod) {
          const pod = await client.get<Pod>(resolveResource('pods')!, o.pod, namespaceOf(o));
          onlyIp = pod.status?.podIP;
          if (!onlyIp) throw new CliError(`pod ${namespaceOf(o)}/${o.pod} has no IP yet`);
        }
        const servers = (
          await client.list<Pod>(resolveResource('pods')!, 'kube-system', { labelSelector: 'k8s-app=kube-dns' })
        ).items.filter((p) => p.status?.phase === 'Running');
        if (servers.length === 0) throw new CliError('no running DNS pods (kube-system, k8s-app=kube-dns)');
        const grouper = new LookupGrouper({ namespaceOf: (ip) => dir.pod(ip)?.metadata.namespace });
        const print = (ls: Lookup[]): void => {
          for (const l of ls) env.io.out(`${formatLookup(l, (ip) => dir.name(ip))}\n`);
        };
        const sinceSeconds = Math.max(1, Math.ceil(parseDuration(o.since ?? '5m') / 1000));
        const streams = new ApiStreams(client);
        const collected: ServedQuery[] = [];
        const take = (server: string, line: string): void => {
          const q = parseQueryLine(line);
          if (!q || (onlyIp && q.clientIp !== onlyIp)) return;
          collected.push({ ...q, server, at: q.time ?? Date.now() });
        };
        // The DNS pods' logs arrive as separate streams, so queries are grouped in time order: each is held
        // back a moment (REORDER_MS) for a slower stream to deliver what came before it.
        let draining = Promise.resolve();
        const drain = (cutoff: number): Promise<void> =>
          (draining = draining.then(async () => {
            collected.sort((a, b) => a.at - b.at);
            const ready = collected.splice(
              0,
              collected.findIndex((q) => q.at > cutoff) === -1 ? collected.length : collected.findIndex((q) => q.at > cutoff),
            );
            for (const q of ready) {
              await dir.know(q.clientIp);
              print(grouper.add(q));
            }
            print(grouper.expire(cutoff));
          }));
        const timer = o.follow ? setInterval(() => void drain(Date.now() - REORDER_MS), 500) : undefined;
        try {
          await Promise.all(
            servers.map((s) =>
              streams.logs({
                namespace: 'kube-system',
                pod: s.metadata.name!,
                container: s.spec?.containers?.[0]?.name ?? 'dns',
                follow: !!o.follow,
                previous: false,
                timestamps: false,
                sinceSeconds,
                out: lineSink((l) => take(s.metadata.name!, l)),
              }),
            ),
          );
        } finally {
          if (timer) clearInterval(timer);
        }
        await drain(Number.MAX_SAFE_INTEGER);
        print(grouper.flush());
      });
    });
}
