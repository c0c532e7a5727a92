// Runs the CLI exactly as a user types it: `kubelab ARGS...` through the built launcher.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const launcher = path.join(repoRoot, 'packages', 'cli', 'bin', 'kubelab.mjs');

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

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
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...args], {
      cwd: repoRoot,
      env: { ...process.env, KUBECONFIG: testKubeconfig(), ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubelab ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? -1 });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Like kubelab() but fails the test with the command's output when it exits non-zero. */
export async function kubelabOk(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  const r = await kubelab(args, opts);
  if (r.code !== 0) throw new Error(`kubelab ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}
