import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildLock, buildLockPath, readHolder, withLock, type LockHolder } from './build-lock';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kubelab-lock-test-'));
  file = path.join(dir, 'build.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fast = { pollMs: 5 };

describe('BuildLock', () => {
  it('records its holder and removes the file on release', async () => {
    const lock = await BuildLock.acquire(file, { ...fast, purpose: 'image build (test)' });
    expect(readHolder(file)).toMatchObject({ pid: process.pid, purpose: 'image build (test)', hostname: os.hostname() });
    expect(lock.waitedMs).toBe(0);
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('lets a second holder in only after the first released, telling it once who it waits for', async () => {
    const order: string[] = [];
    const waits: Array<LockHolder | undefined> = [];
    const first = await BuildLock.acquire(file, { ...fast, purpose: 'first' });
    const second = BuildLock.acquire(file, { ...fast, purpose: 'second', onWait: (h) => waits.push(h) }).then((l) => {
      order.push('second acquired');
      return l;
    });
    await new Promise((r) => setTimeout(r, 50));
    order.push('first releases');
    first.release();
    const lock = await second;
    expect(order).toEqual(['first releases', 'second acquired']);
    expect(waits).toHaveLength(1);
    expect(waits[0]?.purpose).toBe('first');
    expect(lock.waitedFor?.token).toBe(first.holder.token);
    expect(readHolder(file)?.purpose).toBe('second');
    lock.release();
  });

  it('serializes concurrent withLock sections', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 4 }, () =>
        withLock(file, fast, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 10));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(existsSync(file)).toBe(false);
  });

  it('breaks the lock of a holder whose process is gone, without waiting', async () => {
    const dead: LockHolder = { pid: 999_999, hostname: os.hostname(), token: 'dead', purpose: 'killed build', since: 0 };
    writeFileSync(file, JSON.stringify(dead));
    let waited = false;
    const lock = await BuildLock.acquire(file, { ...fast, isAlive: (pid) => pid !== 999_999, onWait: () => (waited = true) });
    expect(waited).toBe(false);
    expect(readHolder(file)?.token).toBe(lock.holder.token);
    lock.release();
  });

  it('waits for a live holder on this machine and gives up naming it and the file', async () => {
    const live: LockHolder = { pid: 4242, hostname: os.hostname(), token: 'live', purpose: 'image build (kubelab cluster up)', since: 0 };
    writeFileSync(file, JSON.stringify(live));
    await expect(BuildLock.acquire(file, { ...fast, timeoutMs: 30, isAlive: () => true })).rejects.toThrow(
      `waiting for pid 4242 (image build (kubelab cluster up), since 1970-01-01T00:00:00.000Z) to release ${file}`,
    );
    expect(readHolder(file)?.token).toBe('live');
  });

  it('never breaks a lock held on another host (the pid says nothing there)', async () => {
    writeFileSync(file, JSON.stringify({ pid: 1, hostname: 'elsewhere', token: 'x', purpose: 'p', since: 0 }));
    await expect(BuildLock.acquire(file, { ...fast, timeoutMs: 20, isAlive: () => false })).rejects.toThrow(/gave up/);
  });

  it('release leaves a lock that is no longer its own alone', async () => {
    const lock = await BuildLock.acquire(file, fast);
    const other: LockHolder = { ...lock.holder, token: 'someone-else' };
    writeFileSync(file, JSON.stringify(other));
    lock.release();
    expect(readHolder(file)?.token).toBe('someone-else');
  });

  it('breaks a lock file that stays empty (holder killed between create and write)', async () => {
    writeFileSync(file, '');
    const lock = await BuildLock.acquire(file, { pollMs: 500, timeoutMs: 10_000 });
    expect(readHolder(file)?.token).toBe(lock.holder.token);
    lock.release();
  });
});

describe('buildLockPath', () => {
  it('honours KUBELAB_BUILD_LOCK and defaults under the OS temp dir', () => {
    expect(buildLockPath({ KUBELAB_BUILD_LOCK: '/x/y.lock' })).toBe('/x/y.lock');
    expect(buildLockPath({})).toBe(path.join(os.tmpdir(), 'kubelab-image-build.lock'));
  });
});
