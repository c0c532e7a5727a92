// The real kubectl binaries on this machine: `kubectl.1.NN` side by side in the folder that
// `readlink -f $(command -v kubectl)` names (the newest first), run against a kubelab cluster's context.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { okStdout, type RunResult, runToEnd } from './run';

export interface Kubectl {
  version: string;
  bin: string;
}

/** The versioned kubectl binaries found, newest first; [] when no kubectl is installed. */
export function installedKubectls(): Kubectl[] {
  let found: string;
  try {
    found = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  } catch {
    return [];
  }
  if (!found) return [];
  const dir = path.dirname(realpathSync(found));
  const versioned = readdirSync(dir)
    .map((f) => /^kubectl\.(1\.\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: m[1], bin: path.join(dir, m[0]) }))
    .sort((a, b) => Number(b.version.split('.')[1]) - Number(a.version.split('.')[1]));
  if (versioned.length) return versioned;
  return existsSync(found) ? [{ version: 'default', bin: found }] : [];
}

export type KubectlResult = RunResult;

/** Runs `kubectl --context CONTEXT ARGS...` to the end (KUBECONFIG from the test run). */
export function kubectl(
  k: Kubectl,
  context: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  return runToEnd('kubectl', k.bin, ['--context', context, ...args], args, { input: opts.input, timeoutMs: opts.timeoutMs ?? 120_000 });
}

export async function kubectlOk(
  k: Kubectl,
  context: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  return okStdout('kubectl', args, await kubectl(k, context, args, opts));
}

/** A long-running kubectl (logs -f, port-forward, get -w): its output so far, and a way to wait for some. */
export interface Running {
  child: ChildProcess;
  output(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

export function kubectlStart(k: Kubectl, context: string, args: string[]): Running {
  const child = spawn(k.bin, ['--context', context, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    child,
    output: () => out,
    async waitFor(re, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (Date.now() > until || child.exitCode !== null) throw new Error(`kubectl ${args.join(' ')}: no ${re} in its output:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}
