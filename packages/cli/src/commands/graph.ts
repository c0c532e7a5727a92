// `kubelab graph [-o dot|json]`: the cluster map `kubelab ui` draws, printed once (issue 15 item 1): node
// network, nodes, pod networks, pods, Services with endpoints, Ingress routes, NetworkPolicies, and edges
// for the flows the nodes hold now (dropped ones with their deciding policy).
import type { Command } from 'commander';
import Docker from 'dockerode';
import { type CliEnv, withClient } from '../command-kit';
import { CliError } from '../errors';
import { buildGraph } from '../graph/build';
import { toDot } from '../graph/dot';
import { graphSnapshot } from '../graph/snapshot';

export function registerGraph(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  program
    .command('graph')
    .description('print the cluster map (what `kubelab ui` draws): Graphviz DOT or JSON')
    .option('-o, --output <format>', 'dot or json', 'dot')
    .action(async (o: { output: string }) => {
      if (o.output !== 'dot' && o.output !== 'json') throw new CliError(`--output must be dot or json, not "${o.output}"`);
      await withClient(env, async (client, cluster) => {
        const graph = buildGraph(await graphSnapshot(client, docker(), cluster.name, cluster.nodeSubnet));
        env.io.out(o.output === 'json' ? JSON.stringify(graph, null, 2) : toDot(graph).trimEnd());
      });
    });
}
