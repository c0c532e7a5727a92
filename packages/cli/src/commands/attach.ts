// `kubelab attach POD [-c C] [-i] [-t]`, and the attach half of `run -i/-t [--rm]`: connects the terminal to a
// container's main process through the API server's pods/attach, as exec does.
import type { Command } from 'commander';
import type { Pod } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { AlreadyReported, withClient, type CliEnv } from '../command-kit';
import { namespaceOf } from '../resource-args';
import { ApiStreams } from '../streams/api-streams';
import { chooseContainer } from './container-choice';
import { streamError } from './exec';
import { lookupError, resolvePod } from './pod-ref';
import { terminalSession, type TerminalFlags } from './terminal';

export interface AttachFlags extends TerminalFlags {
  container?: string;
}

/** Resolves with the process's exit code, or undefined when the session ended while it still runs. */
export async function attachToPod(env: CliEnv, client: KubeClient, pod: Pod, flags: AttachFlags): Promise<number | undefined> {
  let container: string;
  try {
    const choice = chooseContainer(pod, flags.container);
    if (choice.notice && !flags.quiet) env.io.err(choice.notice);
    container = choice.name;
  } catch (err) {
    throw lookupError(err);
  }
  // Output written before the attach is not replayed, so an interactive prompt may already have gone by.
  if (flags.tty && flags.stdin && process.stdin.isTTY && !flags.quiet) env.io.err("If you don't see a command prompt, try pressing enter.");
  const api = new ApiStreams(client);
  const namespace = pod.metadata.namespace ?? 'default';
  return terminalSession(flags, env.io, (streams) =>
    api.session('attach', { namespace, pod: pod.metadata.name!, container, ...streams }).catch((err) => {
      throw streamError(err);
    }),
  );
}

export function registerAttach(program: Command, env: CliEnv): void {
  program
    .command('attach')
    .description('attach to a process that is already running inside an existing container')
    .argument('<pod>', 'POD or TYPE/NAME (deploy/web picks one of its pods)')
    .option('-c, --container <name>', 'container name (default: the first)')
    .option('-i, --stdin', 'pass stdin to the container')
    .option('-t, --tty', 'stdin is a TTY')
    .option('-q, --quiet', 'only print output from the remote session')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action(async (podRef: string, o: AttachFlags & { namespace?: string }) => {
      const code = await withClient(env, async (client: KubeClient) => {
        const pod = await resolvePod(client, podRef, namespaceOf(o), env.io);
        return attachToPod(env, client, pod, o);
      });
      if (code) throw new AlreadyReported(code);
    });
}
