// `kubelab top pods|nodes`: CPU and memory from the API server's metrics.k8s.io (fed by Docker's stats),
// printed as `kubectl top` prints them; the real kubectl top reads the same API.
import type { Command } from 'commander';
import type { KubeClient } from '@kubelab/client';
import { withClient, type CliEnv } from '../command-kit';
import { CliError } from '../errors';
import { namespaceOf } from '../resource-args';
import { formatTopNodes, formatTopPods, type NodeMetrics, type PodMetrics } from './top-format';

const BASE = '/apis/metrics.k8s.io/v1beta1';

interface TopPodOptions {
  namespace?: string;
  allNamespaces?: boolean;
  containers?: boolean;
  selector?: string;
}

function query(selector?: string): string {
  return selector ? `?labelSelector=${encodeURIComponent(selector)}` : '';
}

export async function podMetrics(
  client: KubeClient,
  namespace: string | undefined,
  name?: string,
  selector?: string,
): Promise<PodMetrics[]> {
  const base = namespace ? `${BASE}/namespaces/${encodeURIComponent(namespace)}/pods` : `${BASE}/pods`;
  if (name) return [(await client.raw<PodMetrics>('GET', `${base}/${encodeURIComponent(name)}`)).object];
  return (await client.raw<{ items: PodMetrics[] }>('GET', base + query(selector))).object.items ?? [];
}

export function registerTop(program: Command, env: CliEnv): void {
  const top = program.command('top').description('display resource (CPU/memory) usage of pods or nodes');
  top
    .command('pods')
    .alias('pod')
    .alias('po')
    .description('CPU and memory of pods, from metrics.k8s.io')
    .argument('[name]', 'one pod')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('-A, --all-namespaces', 'pods of every namespace')
    .option('--containers', 'one line per container')
    .option('-l, --selector <selector>', 'label selector')
    .action(async (name: string | undefined, o: TopPodOptions) => {
      const namespace = o.allNamespaces ? undefined : namespaceOf(o);
      await withClient(env, async (client) => {
        const items = await podMetrics(client, namespace, name, o.selector);
        if (items.length === 0) {
          env.io.err(namespace ? `No resources found in ${namespace} namespace.` : 'No resources found');
          return;
        }
        items.sort(
          (a, b) =>
            (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name),
        );
        env.io.out(formatTopPods(items, { allNamespaces: !!o.allNamespaces, containers: !!o.containers }));
      });
    });
  top
    .command('nodes')
    .alias('node')
    .alias('no')
    .description('CPU and memory of nodes (their node container and every pod on them), with % of allocatable')
    .argument('[name]', 'one node')
    .option('-l, --selector <selector>', 'label selector')
    .action(async (name: string | undefined, o: { selector?: string }) => {
      await withClient(env, async (client) => {
        const metrics = name
          ? [(await client.raw<NodeMetrics>('GET', `${BASE}/nodes/${encodeURIComponent(name)}`)).object]
          : ((await client.raw<{ items: NodeMetrics[] }>('GET', `${BASE}/nodes${query(o.selector)}`)).object.items ?? []);
        type NodeObj = { metadata: { name: string }; status?: { allocatable?: { cpu?: string; memory?: string } } };
        const nodes = name
          ? [(await client.raw<NodeObj>('GET', `/api/v1/nodes/${encodeURIComponent(name)}`)).object]
          : (await client.raw<{ items: NodeObj[] }>('GET', `/api/v1/nodes${query(o.selector)}`)).object.items;
        if (nodes.length === 0) throw new CliError('No resources found', 1, true);
        env.io.out(
          formatTopNodes(
            metrics,
            nodes.map((n) => ({ name: n.metadata.name, allocatable: n.status?.allocatable })),
          ),
        );
      });
    });
}
