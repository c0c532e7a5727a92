// `kubelab run NAME --image=IMG [--port=P] [--env=K=V]... [--labels=k=v,...] [--restart=Always|OnFailure|Never]
// [--command] [-- CMD ARGS...]`: one Pod labelled run=NAME, reported as `pod/NAME created`.
import type { Command } from 'commander';
import { resolveResource, StatusError, type Pod } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { AlreadyReported, collect, intOption, lazyClient, parseDuration, printWarnings, withClient, type CliEnv } from '../command-kit';
import { ApiStreams } from '../streams/api-streams';
import { CliError } from '../errors';
import { pollUntil, PollTimeout } from '../poll';
import { namespaceOf } from '../resource-args';
import { attachToPod } from './attach';
import { createObject, type CreateFlags } from './create';
import { buildRunPod, type RunSpec } from './object-builders';

/** The flags that shape the Pod are RunSpec's; the rest steer attaching and clean-up. */
interface RunFlags extends CreateFlags, Partial<Omit<RunSpec, 'name' | 'words'>> {
  attach?: boolean;
  rm?: boolean;
  quiet?: boolean;
  podRunningTimeout: string;
}

/** kubectl run -i/-t/--attach: create, wait for the pod to leave Pending, attach; --rm deletes it afterwards. */
async function runAttached(client: KubeClient, env: CliEnv, pod: Pod, o: RunFlags): Promise<number | undefined> {
  const pods = resolveResource('pods')!;
  const ns = namespaceOf(o);
  const name = pod.metadata.name!;
  printWarnings(env.io, (await client.create(pods, pod, ns)).warnings);
  let current: Pod = pod;
  try {
    await pollUntil(
      async () => {
        current = await client.get<Pod>(pods, name, ns);
        return current.status?.phase !== undefined && current.status.phase !== 'Pending';
      },
      { intervalMs: 500, timeoutMs: parseDuration(o.podRunningTimeout), waitingFor: `pod ${ns}/${name} to be running` },
    );
  } catch (err) {
    if (err instanceof PollTimeout) throw new CliError('timed out waiting for the condition');
    throw err;
  }
  let code: number | undefined;
  if (current.status?.phase === 'Running') code = await attachToPod(env, client, current, { ...o, container: name });
  else {
    // Already finished: kubectl shows what it printed instead of attaching.
    const logs = { namespace: ns, pod: name, container: name, follow: false, previous: false, timestamps: false, out: process.stdout };
    await new ApiStreams(client).logs(logs);
    code = current.status?.phase === 'Failed' ? 1 : 0;
  }
  if (o.rm) {
    await client.delete(pods, name, ns).catch((err: unknown) => {
      if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
    });
    env.io.out(`pod "${name}" deleted`);
  } else if (current.status?.phase === 'Running' && (o.restart ?? 'Always') === 'Always') {
    env.io.err(`Session ended, resume using 'kubelab attach ${name} -c ${name} -i -t' command when the pod is running`);
  }
  return code;
}

export function registerRun(program: Command, env: CliEnv): void {
  program
    .command('run')
    .description('create and run a particular image in a pod')
    .argument('<name>', 'pod name')
    .argument('[words...]', 'after --: args for the image entrypoint, or with --command the command itself')
    .option('--image <image>', 'the container image')
    .option('--port <port>', 'the port the container exposes', intOption(0, 65535))
    .option('--env <key=value>', 'environment variable; repeatable', collect)
    .option('-l, --labels <labels>', 'comma-separated labels (replace the default run=NAME)')
    .option('--annotations <key=value>', 'annotation; repeatable', collect)
    .option('--restart <policy>', 'restart policy: Always, OnFailure or Never', 'Always')
    .option('--image-pull-policy <policy>', 'Always, IfNotPresent or Never')
    .option('--command', 'use the words after -- as the command instead of args')
    .option('-i, --stdin', 'keep stdin open on the container and attach to it')
    .option('-t, --tty', 'allocate a TTY for the container')
    .option('--attach', 'attach to the container (default with -i)')
    .option('--rm', 'delete the pod after the attached session ends')
    .option('-q, --quiet', 'only print output from the attached session')
    .option('--pod-running-timeout <duration>', 'how long to wait for the pod to start before attaching', '1m')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('--dry-run [strategy]', 'only "client": print the object that would be sent')
    .option('-o, --output <format>', 'print the object (yaml, json, name) instead of the "created" line')
    .option('--save-config', 'store the configuration in the last-applied annotation')
    .action(async (name: string, words: string[], o: RunFlags) => {
      if (!o.image) throw new CliError('required flag(s) "image" not set');
      if (o.command && words.length === 0) throw new CliError('--command requires a command after --');
      const pod = buildRunPod({
        name,
        image: o.image,
        port: o.port,
        env: o.env,
        labels: o.labels,
        annotations: o.annotations,
        restart: o.restart,
        imagePullPolicy: o.imagePullPolicy,
        command: o.command,
        words,
        stdin: o.stdin,
        tty: o.tty,
      });
      if (o.tty && !o.stdin) throw new CliError('-i/--stdin is required for containers with -t/--tty=true');
      const attach = o.attach ?? !!o.stdin;
      if (o.rm && !attach) throw new CliError('--rm should only be used for attached containers');
      if (!attach) return lazyClient(env, (c) => createObject(c, pod, o, env.io));
      if (o.dryRun && o.dryRun !== 'none')
        throw new CliError("--dry-run can't be used with attached containers options (--attach, --stdin, or --tty)");
      const code = await withClient(env, (client) => runAttached(client, env, pod, o));
      if (code) throw new AlreadyReported(code);
    });
}
