// `kubelab exec POD [-c CONTAINER] [-i] [-t] -- CMD ARGS...` through the API server's pods/exec (WebSocket,
// v5.channel.k8s.io, as kubectl), with kubectl's container defaulting, TTY handling and exit status
// (`command terminated with exit code N`).
import type { Command } from 'commander';
import type { Pod } from '@kubelab/api';
import type { CliEnv } from '../command-kit';
import { withClient } from '../command-kit';
import { CliError } from '../errors';
import { namespaceOf } from '../resource-args';
import { ApiStreams, UpgradeError } from '../streams/api-streams';
import { chooseContainer } from './container-choice';
import { lookupError, resolvePod } from './pod-ref';
import { terminalSession } from './terminal';

interface ExecOptions {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
  namespace?: string;
}

/** kubectl checks the phase itself before it asks for a stream. */
export function assertNotCompleted(pod: Pod): void {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed')
    throw new CliError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
}

/** An upgrade the server refused, in kubectl's words (`error: unable to upgrade connection: ...`). */
export function streamError(err: unknown): unknown {
  return err instanceof UpgradeError ? new CliError(err.message) : err;
}

export function registerExec(program: Command, env: CliEnv): void {
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
        let container: string;
        try {
          const choice = chooseContainer(pod, o.container);
          if (choice.notice && !o.quiet) env.io.err(choice.notice);
          container = choice.name;
        } catch (err) {
          throw lookupError(err);
        }
        assertNotCompleted(pod);
        const api = new ApiStreams(client);
        return terminalSession(o, env.io, (streams) =>
          api.session('exec', { namespace, pod: pod.metadata.name!, container, command, ...streams }).catch((err) => {
            throw streamError(err);
          }),
        );
      });
      if (code) throw new CliError(`command terminated with exit code ${code}`, code, true);
    });
}
