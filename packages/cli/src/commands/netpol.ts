// `kubelab netpol drops [-f] [-n NS] [--node NODE] [--tail N]`: the connections NetworkPolicy dropped, read
// from each node's drop log (the node agent writes one JSON line per dropped packet it got through NFLOG;
// format in the README), oldest first, live with -f. And the per-policy connection counts `describe
// networkpolicy` shows: the rule counters (`iptables-save -c`) of every node, by the policy named in the
// rules' comments. Both read the node containers through Docker exec, as `node iptables` does.
import type { Command } from 'commander';
import Docker from 'dockerode';
import { DOCKER_LABEL, demuxFrames, type NetworkPolicy } from '@kubelab/api';
import type { CliEnv } from '../command-kit';
import { CliError } from '../errors';
import { execIn } from '../inspect/node-docker';
import type { PolicyCounts } from '../printers/describe/networkpolicy';

export const DROP_LOG_FILE = '/var/log/kubelab/netpol-drops.jsonl';

/** One line of a node's drop log (packages/node-agent/src/network/drop-log.ts DropRecord). */
export interface DropRecord {
  time: string;
  node: string;
  direction: 'ingress' | 'egress';
  pod: string;
  policies: string[];
  protocol: string;
  src: { ip: string; port?: number; pod?: string };
  dst: { ip: string; port?: number; pod?: string };
}

/** The running node containers of a cluster (not pods), by node name. */
export async function nodeContainers(docker: Docker, cluster: string): Promise<{ node: string; id: string }[]> {
  const list = await docker.listContainers({ filters: { label: [`${DOCKER_LABEL.cluster}=${cluster}`, DOCKER_LABEL.node] } });
  return list
    .filter((c) => !c.Labels?.[DOCKER_LABEL.pod])
    .map((c) => ({ node: c.Labels[DOCKER_LABEL.node], id: c.Id }))
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

/** A command's output in a node container, whatever its exit code. */
async function execText(docker: Docker, id: string, cmd: string[]): Promise<string> {
  return (await execIn(docker, id, cmd)).out;
}

/** Sums the `netpol NS/NAME allowed|dropped ...` rule counters of one iptables-save -c text. */
export function countPolicy(save: string, policy: string): { allowed: number; dropped: number } {
  const out = { allowed: 0, dropped: 0 };
  const tag = `netpol ${policy} `;
  for (const line of save.split('\n')) {
    const m = /^\[(\d+):\d+\] -A \S+ .*--comment "([^"]*)"/.exec(line);
    if (!m?.[2].startsWith(tag)) continue;
    const verdict = m[2].slice(tag.length).split(' ')[0];
    if (verdict === 'allowed') out.allowed += Number(m[1]);
    else if (verdict === 'dropped') out.dropped += Number(m[1]);
  }
  return out;
}

/** A policy's allowed / dropped connections over every node of the cluster. */
export async function networkPolicyCounts(cluster: string, np: NetworkPolicy, docker = new Docker()): Promise<PolicyCounts | undefined> {
  const nodes = await nodeContainers(docker, cluster).catch(() => []);
  if (nodes.length === 0) return undefined;
  const policy = `${np.metadata.namespace}/${np.metadata.name}`;
  const counts = await Promise.all(
    nodes.map((n) => execText(docker, n.id, ['iptables-save', '-c', '-t', 'filter']).then((t) => countPolicy(t, policy))),
  );
  return { allowed: counts.reduce((s, c) => s + c.allowed, 0), dropped: counts.reduce((s, c) => s + c.dropped, 0), nodes: nodes.length };
}

const ns = (key: string | undefined): string | undefined => key?.slice(0, key.indexOf('/'));

function end(e: DropRecord['src']): string {
  return e.pod ? `${e.pod} (${e.ip})` : e.ip;
}

/** One drop as a row: TIME NODE SOURCE DESTINATION PORT DENIED-BY. */
export function dropRow(r: DropRecord): string[] {
  const t = new Date(r.time);
  const time = Number.isFinite(t.getTime()) ? t.toISOString().slice(11, 23) : r.time;
  const port = r.dst.port !== undefined ? `${r.dst.port}/${r.protocol}` : r.protocol;
  const policies = r.policies.map((p) => p.slice(p.indexOf('/') + 1)).join(',');
  return [time, r.node, end(r.src), end(r.dst), port, `${r.direction} of ${r.pod} [${policies}]`];
}

const HEADER = ['TIME', 'NODE', 'SOURCE', 'DESTINATION', 'PORT', 'DENIED BY (isolation of, [policies])'];
const WIDTHS = [14, 18, 32, 32, 10];

function formatRow(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join('  ');
}

export function parseDropLines(text: string): DropRecord[] {
  const out: DropRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as DropRecord);
    } catch {
      // a line cut by rotation
    }
  }
  return out;
}

export function matchesNamespace(r: DropRecord, namespace: string | undefined): boolean {
  return !namespace || [r.pod, r.src.pod, r.dst.pod].some((k) => ns(k) === namespace);
}

interface DropsOptions {
  follow?: boolean;
  namespace?: string;
  node?: string;
  tail: number;
}

export function registerNetpol(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  const netpol = program.command('netpol').description('NetworkPolicy enforcement: what the nodes dropped');
  netpol
    .command('drops')
    .description('print the connections NetworkPolicy dropped, from every node, oldest first (live with -f)')
    .option('-f, --follow', 'keep printing drops as they happen')
    .option('-n, --namespace <ns>', 'only drops with either end, or the isolated pod, in this namespace (default: all)')
    .option('--node <node>', 'only this node')
    .option('--tail <n>', 'drops per node to start with', (v) => Number(v), 50)
    .action(async (o: DropsOptions) => {
      const d = docker();
      const nodes = (await nodeContainers(d, env.clusterName())).filter((n) => !o.node || n.node === o.node);
      if (nodes.length === 0)
        throw new CliError(`no running node containers in cluster "${env.clusterName()}"${o.node ? ` named ${o.node}` : ''}`);
      const tail = String(Math.max(0, Math.floor(o.tail)));
      const texts = await Promise.all(
        nodes.map((n) => execText(d, n.id, ['sh', '-c', `cat ${DROP_LOG_FILE}.1 ${DROP_LOG_FILE} 2>/dev/null | tail -n ${tail}`])),
      );
      const first = texts
        .flatMap(parseDropLines)
        .filter((r) => matchesNamespace(r, o.namespace))
        .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
      const widths = first.length ? HEADER.map((h, i) => Math.max(h.length, ...first.map((r) => dropRow(r)[i].length))) : WIDTHS;
      if (first.length === 0 && !o.follow) {
        env.io.err('No drops logged.');
        return;
      }
      env.io.out(formatRow(HEADER, widths));
      for (const r of first) env.io.out(formatRow(dropRow(r), widths));
      if (!o.follow) return;
      // Live: `tail -F` in every node (follows the rotation), lines printed as they come.
      await Promise.all(
        nodes.map(async (n) => {
          const exec = await d
            .getContainer(n.id)
            .exec({ Cmd: ['tail', '-n', '0', '-F', DROP_LOG_FILE], AttachStdout: true, AttachStderr: false });
          const stream = await exec.start({ hijack: true, stdin: false });
          let partial = '';
          stream.on('data', (c: Buffer) => {
            const text = partial + demuxFrames(c).map(String).join('');
            const cut = text.lastIndexOf('\n');
            partial = text.slice(cut + 1);
            for (const r of parseDropLines(text.slice(0, cut + 1)))
              if (matchesNamespace(r, o.namespace)) env.io.out(formatRow(dropRow(r), widths));
          });
          await new Promise<void>((resolve) => stream.on('end', resolve));
        }),
      );
    });
}
