// `kubelab netem set|show|reset` and `kubelab partition A B` / `kubelab heal [A B]`: network faults on
// purpose, for a workshop (issue 15 item 2). A target is a pod, a node, or a pair `A--B` (only the traffic
// between the two, each way). See netem/faults.ts for where things run and what is recorded.
import type { Command } from 'commander';
import Docker from 'dockerode';
import { resolveResource, type Node, type Pod } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { withClient, type CliEnv, type Io } from '../command-kit';
import { CliError } from '../errors';
import {
  annotate,
  applyNetem,
  applyPartition,
  endpointByRef,
  NETEM_ANNOTATION,
  netemHelpers,
  netemOf,
  PARTITION_ANNOTATION,
  partitionPeer,
  partitionsOf,
  removeHelpers,
  resolveEndpoint,
  type Endpoint,
  type RecordedEntry,
} from '../netem/faults';
import { specFromFlags, specText, type NetemFlags } from '../netem/netem-spec';
import { namespaceOf } from '../resource-args';
import { renderTable } from '../printers/table';

/** `A--B` -> ["A", "B"]; anything else -> [target]. */
export function splitPair(target: string): [string] | [string, string] {
  const i = target.indexOf('--');
  if (i < 0) return [target];
  const a = target.slice(0, i);
  const b = target.slice(i + 2);
  if (!a || !b) throw new CliError(`invalid pair "${target}": use A--B`);
  return [a, b];
}

async function setEntries(docker: Docker, cluster: string, client: KubeClient, e: Endpoint, entries: RecordedEntry[]): Promise<void> {
  const mechanism = await applyNetem(docker, cluster, e, entries);
  await annotate(
    client,
    e,
    NETEM_ANNOTATION,
    entries.map((x) => ({ ...x, mechanism })),
  );
}

/** Everything recorded: pods and nodes that carry a netem or partition annotation. */
async function recorded(client: KubeClient): Promise<Endpoint[]> {
  const [pods, nodes] = await Promise.all([client.list<Pod>(resolveResource('pods')!), client.list<Node>(resolveResource('nodes')!)]);
  const out: Endpoint[] = [];
  for (const o of [...nodes.items, ...pods.items]) {
    const a = o.metadata.annotations ?? {};
    if (!a[NETEM_ANNOTATION] && !a[PARTITION_ANNOTATION]) continue;
    const ref = o.kind === 'Node' || !o.metadata.namespace ? `node ${o.metadata.name}` : `pod ${o.metadata.namespace}/${o.metadata.name}`;
    const e = await endpointByRef(client, ref);
    if (e) out.push(e);
  }
  return out;
}

async function resetEndpoint(docker: Docker, cluster: string, client: KubeClient, e: Endpoint, onlyPeer?: Endpoint): Promise<void> {
  const entries = netemOf(e.object);
  const keep = onlyPeer ? entries.filter((x) => x.peerRef !== onlyPeer.ref) : [];
  const peers = new Set(entries.filter((x) => x.peerRef && !keep.includes(x)).map((x) => x.peerRef!));
  await setEntries(docker, cluster, client, e, keep);
  // The other half of each pair.
  for (const ref of peers) {
    const p = await endpointByRef(client, ref);
    if (p)
      await setEntries(
        docker,
        cluster,
        client,
        p,
        netemOf(p.object).filter((x) => x.peerRef !== e.ref),
      );
  }
}

export function printFaults(io: Io, endpoints: Endpoint[], helpers: Docker.ContainerInfo[]): void {
  const rows: string[][] = [];
  const seen = new Set<string>();
  for (const e of endpoints) {
    const helper = helpers.find((h) => h.Labels['kubelab.helper.purpose'] === `netem ${e.ref}`);
    for (const x of netemOf(e.object))
      rows.push([
        e.ref,
        x.peer ?? '*',
        specText(x.spec),
        helper?.State === 'running' ? 'yes' : 'no (helper gone)',
        x.mechanism === 'tc' ? 'tc netem' : x.mechanism ? `emulated (tc: ${x.mechanism.replace(/^emulated: ?/, '')})` : '?',
      ]);
    for (const p of partitionsOf(e.object)) {
      const key = [e.ref, p.ref].sort().join(' -- ');
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push([e.ref, p.ref, 'partitioned (all traffic dropped)', 'yes', 'iptables']);
    }
  }
  if (rows.length === 0) {
    io.err('No network faults set.');
    return;
  }
  io.out(renderTable([['TARGET', 'TO', 'IMPAIRMENT', 'ACTIVE', 'MECHANISM'], ...rows]));
}

export function registerNetem(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  const netem = program.command('netem').description('impair a pod, a node or a pair A--B on purpose: delay, jitter, loss, rate');
  netem
    .command('set')
    .description('impair the egress of a pod or a node (its network namespace), or both ways between A--B')
    .argument('<target>', 'POD, NODE, or A--B (each a pod, deploy/NAME or node)')
    .option('-n, --namespace <ns>', 'namespace of the pods (default "default")')
    .option('--delay <time>', 'added delay, e.g. 100ms')
    .option('--jitter <time>', 'delay varies by up to this much either way, e.g. 10ms')
    .option('--distribution <name>', 'how the jitter is spread: uniform (default), normal, pareto, paretonormal')
    .option('--loss <percent>', 'packets dropped, e.g. 5%')
    .option('--rate <rate>', 'bandwidth, e.g. 1mbit, 500kbit')
    .option('--corrupt <percent>', 'packets with one bit flipped')
    .option('--duplicate <percent>', 'packets sent twice')
    .option('--reorder <percent>', 'packets sent at once, ahead of the delayed ones (needs --delay)')
    .option('--gap <n>', 'with --reorder: only every n-th packet may be sent ahead (default 1: any)')
    .action(async (target: string, o: NetemFlags & { namespace?: string }) => {
      const spec = specFromFlags(o);
      const d = docker();
      const cluster = env.clusterName();
      await withClient(env, async (client) => {
        const refs = splitPair(target);
        const ends = await Promise.all(refs.map((r) => resolveEndpoint(client, r, namespaceOf(o), env.io)));
        if (ends.length === 1) {
          const e = ends[0];
          const entries = [...netemOf(e.object).filter((x) => x.peerIP), { spec }];
          await setEntries(d, cluster, client, e, entries);
          env.io.out(`${e.ref}: ${specText(spec)}`);
          return;
        }
        const [a, b] = ends;
        if (a.ref === b.ref) throw new CliError('A--B needs two different ends');
        for (const [x, y] of [
          [a, b],
          [b, a],
        ]) {
          const entries = [...netemOf(x.object).filter((z) => z.peerRef !== y.ref), { peer: y.ref, peerRef: y.ref, peerIP: y.ip, spec }];
          await setEntries(d, cluster, client, x, entries);
        }
        env.io.out(`${a.ref} <-> ${b.ref}: ${specText(spec)} (each way)`);
      });
    });
  netem
    .command('show')
    .description('the faults set now: netem impairments and partitions')
    .action(async () => {
      const d = docker();
      await withClient(env, async (client) => printFaults(env.io, await recorded(client), await netemHelpers(d, env.clusterName())));
    });
  netem
    .command('reset')
    .description('remove the impairments of a target (POD, NODE, A--B), or all of them')
    .argument('[target]', 'POD, NODE or A--B (default: every target)')
    .option('-n, --namespace <ns>', 'namespace of the pods (default "default")')
    .action(async (target: string | undefined, o: { namespace?: string }) => {
      const d = docker();
      const cluster = env.clusterName();
      await withClient(env, async (client) => {
        if (!target) {
          for (const e of await recorded(client)) if (netemOf(e.object).length) await resetEndpoint(d, cluster, client, e);
          // Helpers of pods that are gone (their loop ended with the namespace) or of lost records.
          await removeHelpers(d, await netemHelpers(d, cluster));
          env.io.out('netem reset: every impairment removed');
          return;
        }
        const ends = await Promise.all(splitPair(target).map((r) => resolveEndpoint(client, r, namespaceOf(o), env.io)));
        if (ends.length === 2) {
          await resetEndpoint(d, cluster, client, ends[0], ends[1]);
          await resetEndpoint(d, cluster, client, ends[1], ends[0]);
        } else await resetEndpoint(d, cluster, client, ends[0]);
        env.io.out(`netem reset: ${ends.map((e) => e.ref).join(' <-> ')}`);
      });
    });

  const setPartition = async (a: Endpoint, b: Endpoint, on: boolean, client: KubeClient, d: Docker, cluster: string) => {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      const peers = partitionsOf(x.object).filter((p) => p.ref !== y.ref);
      if (on) peers.push(partitionPeer(y));
      await applyPartition(d, cluster, x, peers);
      await annotate(client, x, PARTITION_ANNOTATION, peers);
    }
  };
  program
    .command('partition')
    .description('cut A and B off from each other: every packet between them dropped, both ways, open connections too')
    .argument('<a>', 'a pod (or deploy/NAME) or a node')
    .argument('<b>', 'a pod (or deploy/NAME) or a node')
    .option('-n, --namespace <ns>', 'namespace of the pods (default "default")')
    .action(async (ra: string, rb: string, o: { namespace?: string }) => {
      const d = docker();
      await withClient(env, async (client) => {
        const [a, b] = await Promise.all([ra, rb].map((r) => resolveEndpoint(client, r, namespaceOf(o), env.io)));
        if (a.ref === b.ref) throw new CliError('partition needs two different ends');
        await setPartition(a, b, true, client, d, env.clusterName());
        env.io.out(`partitioned: ${a.ref} -/- ${b.ref}`);
      });
    });
  program
    .command('heal')
    .description('undo `partition A B` (no arguments: every partition)')
    .argument('[a]', 'a pod or a node')
    .argument('[b]', 'a pod or a node')
    .option('-n, --namespace <ns>', 'namespace of the pods (default "default")')
    .action(async (ra: string | undefined, rb: string | undefined, o: { namespace?: string }) => {
      const d = docker();
      const cluster = env.clusterName();
      await withClient(env, async (client) => {
        if (ra && rb) {
          const [a, b] = await Promise.all([ra, rb].map((r) => resolveEndpoint(client, r, namespaceOf(o), env.io)));
          await setPartition(a, b, false, client, d, cluster);
          env.io.out(`healed: ${a.ref} <-> ${b.ref}`);
          return;
        }
        if (ra) throw new CliError('heal takes two ends, or none for every partition');
        for (const e of await recorded(client))
          if (partitionsOf(e.object).length) {
            await applyPartition(d, cluster, e, []);
            await annotate(client, e, PARTITION_ANNOTATION, []);
          }
        env.io.out('healed: every partition');
      });
    });
}
