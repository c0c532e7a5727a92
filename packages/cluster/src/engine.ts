// Makes sure a Docker engine answers before anything else talks to it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { docker } from './docker';
import { findRepoRoot } from './repo';

async function pings(): Promise<boolean> {
  try {
    await docker().ping();
    return true;
  } catch {
    return false;
  }
}

/**
 * Cheap when the engine runs (one ping). Otherwise runs scripts/docker-engine.sh, which installs/starts
 * dockerd and sets the egress guard; its stderr goes into the error when that does not help.
 */
export async function ensureEngine(): Promise<void> {
  if (await pings()) return;
  const script = path.join(findRepoRoot(), 'scripts', 'docker-engine.sh');
  const result = await new Promise<{ code: number | null; stderr: string; error?: Error }>((resolve) => {
    execFile('bash', [script], { maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr: String(stderr), error: error ?? undefined });
    });
  });
  if (result.code === 0 && (await pings())) return;
  const detail = result.stderr.trim() || result.error?.message || 'no output';
  throw new Error(
    `no Docker engine answers, and ${script} ${result.code === 0 ? 'ran but the engine still does not answer' : `failed (exit ${result.code})`}:\n${detail}`,
  );
}
