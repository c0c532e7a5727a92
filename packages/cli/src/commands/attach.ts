// `kubelab attach POD [-c C] [-i] [-t]`, and the attach half of `run -i/-t [--rm]`: connects the terminal to a
// container's main process through Docker, as exec does (see docker/pod-runtime.ts).
import type { Command } from 'commander';
import type { Pod } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { AlreadyReported, withClient, type CliEnv } from '../command-kit';
import { chooseContainer, execTarget } from '../docker/pod-containers';
import { DockerPodRuntime, type PodRuntime } from '../docker/pod-runtime';
import { namespaceOf } from '../resource-args';
import { lookupError, resolvePod } from './pod-ref';
import { terminalSession, type TerminalFlags } from './terminal';

export interface AttachFlags extends TerminalFlags {
  container?: string;
}

/** Resolves with the process's exit code, or undefined when the session ended while it still runs. */
export async function attachToPod(env: CliEnv, rt: PodRuntime, pod: Pod, flags: AttachFlags): Promise<number | undefined> {
  let containerId: string;
  try {
    const choice = chooseContainer(pod, flags.container);
    if (choice.notice && !flags.quiet) env.io.err(choice.notice);
    const instances = await rt.podContainers(env.clusterName(), pod.metadata.namespace ?? 'default', pod.metadata.name!);
    containerId = execTarget(pod, instances, choice.name).id;
  } catch (err) {
    throw lookupError(err);
  }
  // Output written before the attach is not replayed, so an interactive prompt may already have gone by.
  if (flags.tty && flags.stdin && process.stdin.isTTY && !flags.quiet) env.io.err("If you don't see a command prompt, try pressing enter.");
  return terminalSession(flags, env.io, (streams) => rt.attach({ containerId, ...streams }));
}

export function registerAttach(program: Command, env: CliEnv, runtime: () => PodRuntime = () => new DockerPodRuntime()): void {
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
        return attachToPod(env, runtime(), pod, o);
      });
      if (code) throw new AlreadyReported(code);
    });
}
