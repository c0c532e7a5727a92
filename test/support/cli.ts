// Runs the CLI exactly as a user types it: `kubelab ARGS...` through the built launcher.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { okStdout, type RunResult, runToEnd } from './run';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const launcher = path.join(repoRoot, 'packages', 'cli', 'bin', 'kubelab.mjs');

export type CliResult = RunResult;

/**
 * The kubeconfig the CLI writes to: the run's file from global-setup.ts; a file of this process when a test
 * runs without it, so `cluster up` never merges a test cluster into the user's ~/.kube/config.
 */
export function testKubeconfig(): string {
  if (!process.env.KUBECONFIG) {
    process.env.KUBECONFIG = path.join(mkdtempSync(path.join(os.tmpdir(), 'kubelab-test-kubeconfig-')), 'config');
  }
  return process.env.KUBECONFIG;
}

export function kubelab(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return runToEnd('kubelab', process.execPath, [launcher, ...args], args, {
    cwd: repoRoot,
    env: { ...process.env, KUBECONFIG: testKubeconfig(), ...opts.env },
    input: opts.input,
    timeoutMs: opts.timeoutMs ?? 180_000,
  });
}

/** Like kubelab() but fails the test with the command's output when it exits non-zero. */
export async function kubelabOk(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  return okStdout('kubelab', args, await kubelab(args, opts));
}
