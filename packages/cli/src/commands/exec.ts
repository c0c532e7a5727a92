// `kubelab exec POD [-c CONTAINER] [-i] [-t] -- CMD ARGS...` through Docker (see docker/pod-runtime.ts), with
// kubectl's container defaulting, TTY handling and exit status (`command terminated with exit code N`).
import type { Command } from 'commander';
import type { CliEnv } from '../command-kit';
import { withClient } from '../command-kit';
import { chooseContainer, execTarget } from '../docker/pod-containers';
import { DockerPodRuntime, type PodRuntime } from '../docker/pod-runtime';
import { CliError } from '../errors';
import { namespaceOf } from '../resource-args';
import { lookupError, resolvePod } from './pod-ref';
import { terminalSession } from './terminal';

interface ExecOptions {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
  namespace?: string;
}

export function registerExec(program: Command, env: CliEnv, runtime: () => PodRuntime = () => new DockerPodRuntime()): void {
  program
    .command('exec')
    .description('execute a command in a container')
    .argument('<pod>', 'POD or TYPE/NAME (deploy/web picks one of its pods)')
    .argument('[command...]', 'after --: the command and its arguments')
    .option('-c, --container <name>', 'container name (default: the first, or the default-container annotation)')
    .option('-i, --stdin', 'pass stdin to the container')
    .option('-t, --tty', 'stdin is a TTY')
    .option('-q, --quiet', 'only print output from the remote session')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action(async (podRef: string, command: string[], o: ExecOptions) => {
      if (command.length === 0) throw new CliError('you must specify at least one command for the container');
      const namespace = namespaceOf(o);
      const code = await withClient(env, async (client) => {
        const pod = await resolvePod(client, podRef, namespace, env.io);
        const rt = runtime();
        let containerId: string;
        try {
          const choice = chooseContainer(pod, o.container);
          if (choice.notice && !o.quiet) env.io.err(choice.notice);
          const instances = await rt.podContainers(env.clusterName(), namespace, pod.metadata.name!);
          containerId = execTarget(pod, instances, choice.name).id;
        } catch (err) {
          throw lookupError(err);
        }
        return terminalSession(o, env.io, (streams) => rt.exec({ containerId, command, ...streams }));
      });
      if (code !== 0) throw new CliError(`command terminated with exit code ${code}`, code, true);
    });
}
