// `kubelab logs POD [-c C] [-f] [--previous] [--tail=N] [--timestamps] [--since=5m]` through Docker (see
// docker/pod-runtime.ts); --previous reads the container instance the kubelet would report as lastState.
import type { Command } from 'commander';
import { intOption, parseDuration, withClient, type CliEnv } from '../command-kit';
import { chooseContainer, logsTarget } from '../docker/pod-containers';
import { DockerPodRuntime, type PodRuntime } from '../docker/pod-runtime';
import { namespaceOf } from '../resource-args';
import { lookupError, resolvePod } from './pod-ref';

interface LogsOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tail?: number;
  timestamps?: boolean;
  since?: string;
  namespace?: string;
}

export function registerLogs(program: Command, env: CliEnv, runtime: () => PodRuntime = () => new DockerPodRuntime()): void {
  program
    .command('logs')
    .description('print the logs for a container in a pod')
    .argument('<pod>', 'POD or TYPE/NAME (deploy/web picks one of its pods)')
    .argument('[container]', 'container name (same as -c)')
    .option('-c, --container <name>', 'container name (default: the first)')
    .option('-f, --follow', 'stream the logs')
    .option('-p, --previous', 'the logs of the previous instance of the container, if it exists')
    .option('--tail <n>', 'lines of recent log to show; -1 shows all', intOption(-1), -1)
    .option('--timestamps', 'prefix each line with its RFC 3339 timestamp')
    .option('--since <duration>', 'only logs newer than this, e.g. 5s, 2m, 3h')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action(async (podRef: string, containerArg: string | undefined, o: LogsOptions) => {
      const namespace = namespaceOf(o);
      const since = o.since ? Math.floor((Date.now() - parseDuration(o.since)) / 1000) : undefined;
      await withClient(env, async (client) => {
        const pod = await resolvePod(client, podRef, namespace, env.io);
        const rt = runtime();
        let containerId: string;
        try {
          const choice = chooseContainer(pod, o.container ?? containerArg);
          if (choice.notice) env.io.err(choice.notice);
          const instances = await rt.podContainers(env.clusterName(), namespace, pod.metadata.name!);
          containerId = logsTarget(pod, instances, choice.name, !!o.previous).id;
        } catch (err) {
          throw lookupError(err);
        }
        await rt.logs({
          containerId,
          follow: !!o.follow,
          tail: o.tail !== undefined && o.tail >= 0 ? o.tail : undefined,
          timestamps: !!o.timestamps,
          since,
          out: process.stdout,
        });
      });
    });
}
