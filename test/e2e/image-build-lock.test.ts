// Issue 6: two `cluster up` runs at once on a machine without images both ran debootstrap and one failed.
// Builds now hold a machine-wide lock: two processes building the same (throwaway) image at once share one
// build; the second waits, saying for whom, then finds the image present.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli';
import { docker } from '../support/docker';

const tag = 'kltest-build-lock/throwaway:latest';
const dir = mkdtempSync(path.join(os.tmpdir(), 'kltest-build-lock-'));
const lockFile = path.join(dir, 'build.lock');

interface Builder {
  pid: number;
  /** Resolves once the process holds the lock. */
  holding: Promise<void>;
  done: Promise<{ code: number; out: string }>;
}

function buildOnce(): Builder {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/build-once.ts', tag, lockFile], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let held: () => void = () => {};
  const holding = new Promise<void>((resolve) => (held = resolve));
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('holding the lock')) held();
  });
  child.stderr.on('data', (d) => (out += d));
  const done = new Promise<{ code: number; out: string }>((resolve) =>
    child.on('close', (code) => {
      held();
      resolve({ code: code ?? -1, out });
    }),
  );
  return { pid: child.pid ?? 0, holding, done };
}

describe('image build lock', () => {
  afterAll(async () => {
    await docker
      .getImage(tag)
      .remove()
      .catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('two builds at once share one: the second waits for the first, then finds the image', async () => {
    await docker
      .getImage(tag)
      .remove()
      .catch(() => undefined);
    const first = buildOnce();
    await first.holding;
    // The first holds the lock and is building: a second build starting now must not build too.
    const second = buildOnce();
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.code, a.out).toBe(0);
    expect(b.code, b.out).toBe(0);
    expect(a.out.trim().split('\n')).toEqual(['holding the lock', 'built']);
    expect(b.out.trim().split('\n')).toEqual([`waiting for ${first.pid}`, 'holding the lock', 'present']);
  });
});
