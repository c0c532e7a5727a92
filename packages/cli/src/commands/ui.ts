// `kubelab ui [--port 8001] [--replay BUNDLE]`: the live cluster map in a local web page (issue 15 item 1),
// on 127.0.0.1 only, its script bundled (no CDN), updated from API watches and the nodes' flows within a
// second; with --replay, the map a `kubelab record` bundle holds, no cluster needed.
import type { Command } from 'commander';
import Docker from 'dockerode';
import { connect } from '../context';
import type { CliEnv } from '../command-kit';
import { intOption } from '../command-kit';
import { CliError } from '../errors';
import { readBundle } from '../record/bundle';
import { uiAssetsDir } from '../ui/assets';
import type { GraphSource } from '../ui/graph-source';
import { LiveGraph } from '../ui/live-graph';
import { ReplayGraph } from '../ui/replay-graph';
import { startUiServer } from '../ui/server';
import { untilStopped } from '../ui/until-stopped';

export function registerUi(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  program
    .command('ui')
    .description('serve the live cluster map on http://127.0.0.1:PORT (nodes, pods, Services, Ingresses, policies, flows)')
    .option('--port <port>', 'local port (0 picks a free one)', intOption(0, 65535), 8001)
    .option('--replay <bundle>', 'show a `kubelab record` bundle instead of the cluster')
    .action(async (o: { port: number; replay?: string }) => {
      const assetsDir = uiAssetsDir();
      let source: GraphSource;
      let closeClient = async (): Promise<void> => undefined;
      if (o.replay) source = new ReplayGraph(await readBundle(o.replay));
      else {
        const { client, cluster } = await connect(env.clusterName());
        closeClient = () => client.close();
        source = await LiveGraph.start({
          client,
          docker: docker(),
          cluster: cluster.name,
          nodeSubnet: cluster.nodeSubnet,
          onError: (err) => env.io.err(`kubelab ui: ${err instanceof Error ? err.message : String(err)}`),
        });
      }
      const { server, url } = await startUiServer({
        source,
        port: o.port,
        assetsDir,
        mode: o.replay ? `replay of ${o.replay}` : 'live',
      }).catch((err: NodeJS.ErrnoException) => {
        throw new CliError(err.code === 'EADDRINUSE' ? `port ${o.port} on 127.0.0.1 is in use: pick another with --port` : err.message);
      });
      env.io.out(`Serving the cluster map of "${source.current().cluster}" at ${url} (Ctrl-C to stop)`);
      await untilStopped();
      server.closeAllConnections();
      server.close();
      await source.close();
      await closeClient();
    });
}
