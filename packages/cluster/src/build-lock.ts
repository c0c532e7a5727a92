// A machine-wide lock around image builds: two `cluster up`, `images build` or test runs started at once
// on a machine without images would otherwise both run debootstrap, and one of them fails (issue 6). The
// lock is a file created with O_CREAT|O_EXCL that records its holder; a waiter polls until it is gone, and
// a lock whose holder process no longer exists (killed with the build) is broken instead of waited for.
import { linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** Unique per acquisition, so breaking a stale lock can tell it apart from a fresh one. */
  token: string;
  /** What the holder is doing, for the waiter's message. */
  purpose: string;
  /** Epoch milliseconds. */
  since: number;
}

export interface LockOptions {
  /** What the holder does ("image build (kubelab cluster up)"), shown to waiters. */
  purpose?: string;
  /** Give up after this long (default 20 min: a debootstrap build is capped at 15). */
  timeoutMs?: number;
  pollMs?: number;
  /** Called once when the lock is busy, before waiting. */
  onWait?: (holder: LockHolder | undefined) => void;
  /** Whether a process exists; injected by tests. */
  isAlive?: (pid: number) => boolean;
  now?: () => number;
  pid?: number;
}

export const DEFAULT_BUILD_LOCK = path.join(os.tmpdir(), 'kubelab-image-build.lock');

/** Where image builds lock: KUBELAB_BUILD_LOCK, else <tmpdir>/kubelab-image-build.lock. */
export function buildLockPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBELAB_BUILD_LOCK || DEFAULT_BUILD_LOCK;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && typeof h.token === 'string' ? h : undefined;
  } catch {
    // missing, or being written right now (created empty, then filled)
    return undefined;
  }
}

export class BuildLock {
  private constructor(
    readonly file: string,
    readonly holder: LockHolder,
    /** How long acquire waited for another holder, in ms (0 when the lock was free). */
    readonly waitedMs: number,
    /** The holder waited for, when there was one. */
    readonly waitedFor: LockHolder | undefined,
  ) {}

  /** Takes the lock, waiting for a live holder and breaking a dead one's. */
  static async acquire(file: string, opts: LockOptions = {}): Promise<BuildLock> {
    const now = opts.now ?? Date.now;
    const isAlive = opts.isAlive ?? processAlive;
    const started = now();
    const deadline = started + (opts.timeoutMs ?? 20 * 60_000);
    const me: LockHolder = {
      pid: opts.pid ?? process.pid,
      hostname: os.hostname(),
      token: randomBytes(8).toString('hex'),
      purpose: opts.purpose ?? 'image build',
      since: started,
    };
    let waitedFor: LockHolder | undefined;
    let told = false;
    let unreadable = 0;
    for (;;) {
      if (tryCreate(file, me)) {
        me.since = now();
        return new BuildLock(file, me, waitedFor ? now() - started : 0, waitedFor);
      }
      const holder = readHolder(file);
      if (holder && holder.hostname === me.hostname && !isAlive(holder.pid)) {
        breakStale(file, holder);
        continue;
      }
      // A file that stays unreadable for ~2 s was left by a holder killed between create and write.
      unreadable = holder ? 0 : unreadable + 1;
      if (unreadable * (opts.pollMs ?? 200) > 2000) {
        breakStale(file, undefined);
        unreadable = 0;
        continue;
      }
      waitedFor ??= holder;
      if (!told) {
        told = true;
        opts.onWait?.(holder);
      }
      if (now() >= deadline) {
        const who = holder ? `pid ${holder.pid} (${holder.purpose}, since ${new Date(holder.since).toISOString()})` : 'another process';
        throw new Error(
          `gave up after ${Math.round((now() - started) / 1000)} s waiting for ${who} to release ${file}; ` +
            'if no kubelab image build is running, remove that file',
        );
      }
      await sleep(opts.pollMs ?? 200);
    }
  }

  /** Releases the lock if it is still ours (a waiter may have broken it as stale). Never throws. */
  release(): void {
    if (readHolder(this.file)?.token !== this.holder.token) return;
    try {
      unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}

/** Runs fn holding the lock at `file`. */
export async function withLock<T>(file: string, opts: LockOptions, fn: (lock: BuildLock) => Promise<T>): Promise<T> {
  const lock = await BuildLock.acquire(file, opts);
  try {
    return await fn(lock);
  } finally {
    lock.release();
  }
}

function tryCreate(file: string, me: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`cannot create lock file ${file}: ${(err as Error).message}`);
  }
  try {
    writeSync(fd, JSON.stringify(me));
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a dead holder's lock. Two waiters may decide so at once; the loser could then remove the lock the
 * winner just took. So the file is first moved aside atomically (only one mover gets it), and if what was
 * moved is not the stale lock it is linked back (link fails rather than overwrite a newer lock).
 */
function breakStale(file: string, stale: LockHolder | undefined): void {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else moved or released it
  }
  const moved = readHolder(aside);
  if (moved && moved.token !== stale?.token) {
    try {
      linkSync(aside, file);
    } catch {
      // a newer lock exists already; the one we moved lost its file, its holder's release is a no-op
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // gone
  }
}
