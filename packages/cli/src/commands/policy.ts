// `kubelab policy explain SRC DST --port N [--proto P]`: which NetworkPolicies select each end and which rule
// of which policy decides. `kubelab policy whatif -f new.yaml [--replay 10m] [--flows FILE]`: the recorded
// connections judged by today's policies and by the set after applying new.yaml, and the ones whose verdict
// changes. `kubelab policy flows [-o json]`: the recorded connections (to save a set for a later whatif).
// Verdicts come from the node agents' own policy model (@kubelab/node-agent/policy-verdict).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { isIPv4, resolveResource, type Namespace, type NetworkPolicy, type Pod } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { PolicyJudge, type PolicySet } from '@kubelab/node-agent/policy-verdict';
import { collect, intOption, parseDuration, withClient, type CliEnv } from '../command-kit';
import { CliError } from '../errors';
import { execIn } from '../inspect/node-docker';
import { readManifests } from '../manifest-files';
import { type Flow, flowsFromDrops, parseConntrack, parseFlowFile, uniqueFlows } from '../policy/flows';
import { decidedBy, explainLines, proposedSet, whatIf, whatIfTable } from '../policy/report';
import { renderTable } from '../printers/table';
import { namespaceOf } from '../resource-args';
import { DROP_LOG_FILE, type DropRecord, nodeContainers } from './netpol';
import { resolvePod } from './pod-ref';

export async function policySet(client: KubeClient): Promise<PolicySet> {
  const [policies, namespaces, pods] = await Promise.all([
    client.list<NetworkPolicy>(resolveResource('networkpolicies')!),
    client.list<Namespace>(resolveResource('namespaces')!),
    client.list<Pod>(resolveResource('pods')!),
  ]);
  return { policies: policies.items, namespaces: namespaces.items, pods: pods.items };
}

/** An IP, `NS/POD`, `pod/NAME`, `deploy/NAME` or `NAME` (in `namespace`) -> its IP and pod name. */
export async function endOf(client: KubeClient, ref: string, namespace: string, env: CliEnv): Promise<{ ip: string; pod?: string }> {
  if (isIPv4(ref)) return { ip: ref };
  const slash = ref.indexOf('/');
  let pod: Pod;
  if (slash > 0 && !resolveResource(ref.slice(0, slash)))
    pod = await client.get<Pod>(resolveResource('pods')!, ref.slice(slash + 1), ref.slice(0, slash));
  else pod = await resolvePod(client, ref, namespace, env.io);
  const ip = pod.status?.podIP;
  const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
  if (!ip) throw new CliError(`pod ${name} has no IP yet`);
  return { ip, pod: name };
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
function protocolOf(p: string | undefined): Flow['protocol'] {
  const up = (p ?? 'TCP').toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(up)) throw new CliError(`--proto must be one of TCP, UDP, SCTP`);
  return up as Flow['protocol'];
}

function parseDrops(text: string): DropRecord[] {
  const drops: DropRecord[] = [];
  for (const l of text.split('\n'))
    if (l.startsWith('{'))
      try {
        drops.push(JSON.parse(l) as DropRecord);
      } catch {
        // a line cut by rotation
      }
  return drops;
}

const readDropLog = (docker: Docker, id: string) => execIn(docker, id, ['sh', '-c', `cat ${DROP_LOG_FILE}.1 ${DROP_LOG_FILE} 2>/dev/null`]);

/** Every node's NetworkPolicy drop log (the current file and the rotated one). */
export async function dropRecords(docker: Docker, cluster: string): Promise<DropRecord[]> {
  const nodes = await nodeContainers(docker, cluster);
  return (await Promise.all(nodes.map(async (n) => parseDrops((await readDropLog(docker, n.id)).out)))).flat();
}

/** What the nodes carried: their conntrack entries and the drop log since `sinceMs`. */
export async function recordedFlows(docker: Docker, cluster: string, sinceMs?: number): Promise<Flow[]> {
  const nodes = await nodeContainers(docker, cluster);
  const per = await Promise.all(
    nodes.map(async (n) => {
      const ct = await execIn(docker, n.id, ['conntrack', '-L']);
      const log = await readDropLog(docker, n.id);
      return [...parseConntrack(ct.out, n.node), ...flowsFromDrops(parseDrops(log.out), sinceMs)];
    }),
  );
  return per.flat();
}

/** Names the pod ends of flows recorded by IP. */
function named(flows: Flow[], judge: PolicyJudge): Flow[] {
  const nameOf = (ip: string) => {
    const p = judge.podAt(ip);
    return p ? `${p.metadata.namespace}/${p.metadata.name}` : undefined;
  };
  return flows.map((f) => ({ ...f, src: f.src ?? nameOf(f.srcIP), dst: f.dst ?? nameOf(f.dstIP) }));
}

async function gatherFlows(
  env: CliEnv,
  docker: () => Docker,
  set: PolicySet,
  o: { replay?: string; flows?: string[]; recorded?: boolean },
): Promise<Flow[]> {
  const judge = new PolicyJudge(set);
  const all: Flow[] = [];
  for (const file of o.flows ?? []) all.push(...parseFlowFile(readFileSync(file, 'utf8')));
  if (o.recorded !== false && (!o.flows?.length || o.replay)) {
    const since = o.replay ? Date.now() - parseDuration(o.replay) : undefined;
    all.push(...(await recordedFlows(docker(), env.clusterName(), since)));
  }
  return named(
    uniqueFlows(all, (ip) => judge.podAt(ip) !== undefined),
    judge,
  );
}

export function registerPolicy(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  const policy = program.command('policy').description('NetworkPolicy: explain a verdict, or what a change would do');
  policy
    .command('explain')
    .description('which NetworkPolicies select each end of a connection, and which rule decides')
    .argument('<src>', 'source: POD, NS/POD, deploy/NAME or an IP')
    .argument('<dst>', "destination: POD, NS/POD, deploy/NAME or an IP (a pod's IP and port, after Service DNAT)")
    .requiredOption('--port <n>', 'destination port', intOption(1, 65535))
    .option('--proto <p>', 'TCP, UDP or SCTP (default TCP)')
    .option('-n, --namespace <ns>', 'namespace of the pods (default "default")')
    .action(async (src: string, dst: string, o: { port: number; proto?: string; namespace?: string }) => {
      await withClient(env, async (client) => {
        const set = await policySet(client);
        const [s, d] = await Promise.all([endOf(client, src, namespaceOf(o), env), endOf(client, dst, namespaceOf(o), env)]);
        const flow: Flow = {
          srcIP: s.ip,
          dstIP: d.ip,
          src: s.pod,
          dst: d.pod,
          protocol: protocolOf(o.proto),
          port: o.port,
          seen: 'explain',
        };
        for (const l of explainLines(set, flow)) env.io.out(l);
      });
    });
  policy
    .command('whatif')
    .description("judge recorded connections by today's policies and by the set after applying -f; list the ones that change")
    .requiredOption('-f, --filename <file>', 'NetworkPolicy manifests to apply (repeatable)', collect)
    .option('--delete <ns/name>', 'also take this policy away (repeatable)', collect)
    .option('--replay <d>', 'drop-log entries from this long ago on, e.g. 10m (conntrack entries are always current)')
    .option('--flows <file>', 'a recorded set from `kubelab policy flows -o json` (repeatable; then no live set unless --replay)', collect)
    .action(async (o: { filename: string[]; delete?: string[]; replay?: string; flows?: string[] }) => {
      await withClient(env, async (client) => {
        const proposed: NetworkPolicy[] = [];
        for (const file of o.filename) {
          const read = await readManifests([file]);
          if (read.errors.length) throw new CliError(read.errors.join('\n'));
          for (const item of read.items) {
            if (item.object.kind !== 'NetworkPolicy')
              throw new CliError(`${file}: only NetworkPolicy objects can be judged (found ${item.object.kind})`);
            proposed.push(item.object as NetworkPolicy);
          }
        }
        const before = await policySet(client);
        const after = proposedSet(before, proposed, o.delete);
        const flows = await gatherFlows(env, docker, before, o);
        const { judged, changed } = whatIf(before, after, flows);
        env.io.err(`${judged} recorded connection(s) judged; ${changed.length} change verdict.`);
        if (changed.length) env.io.out(renderTable(whatIfTable(changed)));
      });
    });
  policy
    .command('flows')
    .description("the recorded connections (nodes' conntrack and NetworkPolicy drop logs) with today's verdicts")
    .option('--replay <d>', 'drop-log entries from this long ago on, e.g. 10m')
    .option('-o, --output <format>', '"json": one flow per line, for whatif --flows')
    .action(async (o: { replay?: string; output?: string }) => {
      await withClient(env, async (client) => {
        const set = await policySet(client);
        const judge = new PolicyJudge(set);
        const flows = await gatherFlows(env, docker, set, o);
        if (o.output === 'json') {
          for (const f of flows) env.io.out(JSON.stringify(f));
          return;
        }
        if (o.output) throw new CliError(`unsupported output format "${o.output}" (use json)`);
        const rows = flows.map((f) => {
          const v = judge.judge(f);
          return [f.src ?? f.srcIP, f.dst ?? f.dstIP, `${f.port}/${f.protocol}`, v.allowed ? 'allowed' : 'denied', decidedBy(v), f.seen];
        });
        env.io.out(renderTable([['SOURCE', 'DESTINATION', 'PORT', 'VERDICT', 'BECAUSE', 'SEEN'], ...rows]));
      });
    });
}
