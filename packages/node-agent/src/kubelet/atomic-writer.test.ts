import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { swapCommand, topLevelNames, versionDirName, versionEntries } from './atomic-writer';
import type { ProjectedFile } from './volumes';

const file = (p: string, content: string, mode = 0o644): ProjectedFile => ({ path: p, content: Buffer.from(content), mode });

// What `docker putArchive` of versionEntries() leaves in the volume, written here by hand.
function writeVersion(dir: string, version: string, files: ProjectedFile[]): void {
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, version, f.path)), { recursive: true });
    writeFileSync(path.join(dir, version, f.path), f.content, { mode: f.mode });
  }
}

function swap(dir: string, version: string, files: ProjectedFile[]): void {
  const [cmd, ...args] = swapCommand(dir, version, topLevelNames(files));
  execFileSync(cmd, args);
}

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// kubernetes pkg/volume/util/atomic_writer.go: ..data swapped by rename, user paths as symlinks through it.
describe('atomic writer', () => {
  it('names version directories like the kubelet', () => {
    expect(versionDirName(new Date(Date.UTC(2026, 10, 30, 9, 5, 7)), 'abc')).toBe('..2026_11_30_09_05_07.abc');
  });

  it('carries each file mode (defaultMode or items[].mode) into the tar, directories 0755', () => {
    const entries = versionEntries('..v1', [file('run.sh', 'echo', 0o755), file('conf/app.ini', 'x', 0o400)]);
    expect(entries.map((e) => [e.path, e.type ?? 'file', e.mode])).toEqual([
      ['..v1', 'dir', 0o755],
      ['..v1/conf', 'dir', 0o755],
      ['..v1/run.sh', 'file', 0o755],
      ['..v1/conf/app.ini', 'file', 0o400],
    ]);
  });

  it('swaps ..data, links each visible name through it, and drops old versions and removed keys', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kubelab-aw-'));
    const v1 = [file('a.conf', 'one'), file('sub/b.conf', 'two')];
    writeVersion(dir, '..v1', v1);
    swap(dir, '..v1', v1);
    expect(readlinkSync(path.join(dir, '..data'))).toBe('..v1');
    expect(readlinkSync(path.join(dir, 'a.conf'))).toBe('..data/a.conf');
    expect(readFileSync(path.join(dir, 'sub/b.conf'), 'utf8')).toBe('two');

    const v2 = [file('a.conf', 'ONE')];
    writeVersion(dir, '..v2', v2);
    swap(dir, '..v2', v2);
    expect(readFileSync(path.join(dir, 'a.conf'), 'utf8')).toBe('ONE');
    expect(readdirSync(dir).sort()).toEqual(['..data', '..v2', 'a.conf']);
  });

  it('replaces files of an older plain layout, hidden ones included', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kubelab-aw-'));
    writeFileSync(path.join(dir, 'a.conf'), 'old');
    writeFileSync(path.join(dir, '.hidden'), 'old');
    const v1 = [file('a.conf', 'new')];
    writeVersion(dir, '..v1', v1);
    swap(dir, '..v1', v1);
    expect(lstatSync(path.join(dir, 'a.conf')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, 'a.conf'), 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual(['..data', '..v1', 'a.conf']);
  });
});
