// kubelab: the command line. kubectl's habits for verbs, flags and output; cluster lifecycle besides.
import v8 from 'node:v8';
import { Command, Help } from 'commander';
import { clusterFlag, commandWord, routeGetKubeconfig } from './argv';
import { stdio, type CliEnv } from './command-kit';
import { commandTable } from './command-table';
import { clusterName, defaultClusterName, findClusterEarly, setImpersonation } from './context';
import { CliError, describeFinalError } from './errors';
import { journalCommands } from './record/journal';

// undici parses HTTP with a WebAssembly llhttp, which V8 recompiles with TurboFan on background threads; Node
// waits for those at exit, 100-250 ms after the command's work was done. Liftoff's code does for a CLI.
v8.setFlagsFromString('--liftoff-only');

const program = new Command('kubelab')
  .description('A Kubernetes networking lab on plain Docker')
  .option('--cluster <name>', `cluster to talk to (env KUBELAB_CLUSTER, default "${defaultClusterName}")`)
  .option('--as <user>', 'act as this user (impersonation; kubectl --as): system:serviceaccount:NAMESPACE:NAME for a ServiceAccount')
  .option('--as-group <group>', 'act as a member of this group (impersonation; repeatable)', (v: string, prev: string[] = []) => [
    ...prev,
    v,
  ])
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str) });

/** Commands that never ask the cluster's API anything (`help` without a command included). */
const offline = new Set(['cluster', 'images', 'get-kubeconfig', 'replay', 'help']);

const globals = (): { cluster?: string; as?: string; asGroup?: string[] } => program.opts();
// --as / --as-group hold for every request the command makes, as kubectl's do.
program.hook('preAction', () => setImpersonation(globals().as, globals().asGroup));

const env: CliEnv = { io: stdio, clusterName: () => clusterName(globals().cluster) };
// While `kubelab record` runs, trace, capture and lab check journal themselves into its bundle: the hook
// must be on the program whichever command's module is loaded (record/journal.ts is light: fs and path).
journalCommands(program, env);
const argv = routeGetKubeconfig(process.argv);
const word = commandWord(argv.slice(2));
// Most commands talk to a cluster: Docker is asked where it is while the command's code loads.
if (word && !offline.has(word)) findClusterEarly(clusterName(clusterFlag(argv.slice(2))));
await registerCommands(word);

program.parseAsync(argv).catch((err: unknown) => {
  const text = describeFinalError(err);
  // Commands that already printed their per-object errors (kubectl keeps going) exit without a message.
  if (text) process.stderr.write(`${text}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
});

/**
 * Registers the module of the command that runs; every other command is a stub with its name and
 * description from the table, enough for `kubelab --help` and commander's "unknown command" suggestions.
 */
async function registerCommands(word: string | undefined): Promise<void> {
  const terms = new Map<Command, string>();
  for (const group of commandTable) {
    if (group.commands.some((c) => c.name === word)) {
      (await group.load())(program, env);
      continue;
    }
    for (const c of group.commands) {
      const stub = program
        .command(c.name, { hidden: c.hidden })
        .description(c.description)
        .allowUnknownOption()
        .allowExcessArguments()
        .action(() => {
          throw new CliError(`internal error: command "${c.name}" was not loaded`);
        });
      terms.set(stub, c.term);
    }
  }
  program.configureHelp({
    subcommandTerm(this: Help, cmd: Command) {
      return terms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
}
