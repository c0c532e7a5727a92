// What every verb needs: where output goes, which cluster to talk to, and kubectl's output conventions
// (results on stdout; warnings, errors and "No resources found" on stderr).
import type { ClusterInfo } from '@kubelab/cluster';
import type { KubeClient } from '@kubelab/client';
import { InvalidArgumentError } from 'commander';
import { connect } from './context';
import { CliError } from './errors';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const stdio: Io = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

export interface CliEnv {
  io: Io;
  /** The cluster name from --cluster / KUBELAB_CLUSTER / default. */
  clusterName(): string;
}

export async function withClient<T>(env: CliEnv, fn: (client: KubeClient, cluster: ClusterInfo) => Promise<T>): Promise<T> {
  const { client, cluster } = await connect(env.clusterName());
  try {
    return await fn(client, cluster);
  } finally {
    await client.close();
  }
}

/** Runs `fn` with a client connected on first use, so client-side dry runs work without a cluster. */
export async function lazyClient<T>(env: CliEnv, fn: (client: () => Promise<KubeClient>) => Promise<T>): Promise<T> {
  let held: KubeClient | undefined;
  try {
    return await fn(async () => (held ??= (await connect(env.clusterName())).client));
  } finally {
    await held?.close();
  }
}

/** kubectl prints each server warning as it arrives, prefixed `Warning: `. */
export function printWarnings(io: Io, warnings: string[]): void {
  for (const w of warnings) io.err(`Warning: ${w}`);
}

/** Errors were already printed (kubectl keeps going past per-object failures); just exit 1. */
export class AlreadyReported extends CliError {
  constructor(exitCode = 1) {
    super('', exitCode, true);
    this.name = 'AlreadyReported';
  }
}

/** Commander parser for repeatable flags (`--env A=1 --env B=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function intOption(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`);
    return n;
  };
}

/**
 * Go durations as kubectl flags take them (`30s`, `5m`, `1h30m`, `500ms`); a bare number means seconds.
 * Returns milliseconds.
 */
export function parseDuration(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * units[m[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || text.length === 0) throw new InvalidArgumentError(`invalid duration "${text}" (use e.g. 30s, 5m, 1h)`);
  return total;
}
