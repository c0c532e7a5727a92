// Reading argv before commander does: the `get kubeconfig` route, and which command will run (main.ts loads
// only that one's module).

/** `get kubeconfig ...` as the hidden `get-kubeconfig ...`, after the global options (`--cluster NAME`) only. */
export function routeGetKubeconfig(argv: string[]): string[] {
  let i = 2;
  while (argv[i]?.startsWith('--cluster')) i += argv[i].includes('=') ? 1 : 2;
  if (argv[i] !== 'get' || argv[i + 1] !== 'kubeconfig') return argv;
  return [...argv.slice(0, i), 'get-kubeconfig', ...argv.slice(i + 2)];
}

/** Program options that take a value (`--cluster NAME`, `--as USER`, `--as-group GROUP`). */
const valued = new Set(['--cluster', '--as', '--as-group']);

/**
 * The command commander will run: the first operand after the program's own options (for `help CMD`, CMD).
 * Undefined when there is none or an option the program does not know comes first (commander refuses it).
 */
export function commandWord(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return args[i + 1];
    if (valued.has(a)) i++;
    else if (a === '-h' || a === '--help' || [...valued].some((o) => a.startsWith(`${o}=`))) continue;
    else if (a.startsWith('-')) return undefined;
    else return a === 'help' ? (args[i + 1] ?? a) : a;
  }
  return undefined;
}

/** The value of the program's --cluster option, if given before the command. */
export function clusterFlag(args: string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (a === '--cluster') found = args[++i];
    else if (a.startsWith('--cluster=')) found = a.slice('--cluster='.length);
    else if (valued.has(a)) i++;
    else if (a === '-h' || a === '--help' || [...valued].some((o) => a.startsWith(`${o}=`))) continue;
    else break;
  }
  return found;
}
