// `kubelab logs POD [-c C] [-f] [--previous] [--tail=N] [--timestamps] [--since=5m] [--limit-bytes=N]` through
// the API server's pods/log, as kubectl reads it.
import type { Command } from 'commander';
import { intOption, parseDuration, withClient, type CliEnv } from '../command-kit';
import { namespaceOf } from '../resource-args';
import { ApiStreams } from '../streams/api-streams';
import { chooseContainer } from './container-choice';
import { lookupError, resolvePod } from './pod-ref';

interface LogsOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tail?: number;
  timestamps?: boolean;
  since?: string;
  limitBytes?: number;
  namespace?: string;
}

export function registerLogs(program: Command, env: CliEnv): void {
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
    .option('--limit-bytes <n>', 'maximum bytes of logs to return', intOption(1))
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action(async (podRef: string, containerArg: string | undefined, o: LogsOptions) => {
      const namespace = namespaceOf(o);
      // kubectl sends whole seconds, at least one.
      const sinceSeconds = o.since ? Math.max(1, Math.ceil(parseDuration(o.since) / 1000)) : undefined;
      await withClient(env, async (client) => {
        const pod = await resolvePod(client, podRef, namespace, env.io);
        let container: string;
        try {
          const choice = chooseContainer(pod, o.container ?? containerArg);
          if (choice.notice) env.io.err(choice.notice);
          container = choice.name;
        } catch (err) {
          throw lookupError(err);
        }
        await new ApiStreams(client).logs({
          namespace,
          pod: pod.metadata.name!,
          container,
          follow: !!o.follow,
          previous: !!o.previous,
          timestamps: !!o.timestamps,
          tailLines: o.tail !== undefined && o.tail >= 0 ? o.tail : undefined,
          sinceSeconds,
          limitBytes: o.limitBytes,
          out: process.stdout,
        });
      });
    });
}
