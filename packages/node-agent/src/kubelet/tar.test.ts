import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesToEntries, tar } from './tar';

describe('tar', () => {
  it('writes an archive the system tar extracts, with parent directories and long paths', () => {
    const long = `${'d'.repeat(80)}/${'e'.repeat(60)}/file.txt`;
    const archive = tar(
      filesToEntries([
        { path: 'app.conf', content: Buffer.from('a=1\n') },
        { path: 'nested/dir/key', content: Buffer.from('secret') },
        { path: long, content: Buffer.alloc(1000, 120) },
      ]),
    );
    expect(archive.length % 512).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'kubelab-tar-'));
    try {
      writeFileSync(path.join(dir, 'x.tar'), archive);
      execFileSync('tar', ['-xf', 'x.tar'], { cwd: dir });
      expect(readFileSync(path.join(dir, 'app.conf'), 'utf8')).toBe('a=1\n');
      expect(readFileSync(path.join(dir, 'nested/dir/key'), 'utf8')).toBe('secret');
      expect(readFileSync(path.join(dir, long)).length).toBe(1000);
      expect(statSync(path.join(dir, 'app.conf')).mode & 0o777).toBe(0o644);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists parents before files', () => {
    expect(filesToEntries([{ path: 'a/b/c', content: Buffer.from('') }]).map((e) => e.path)).toEqual(['a', 'a/b', 'a/b/c']);
  });
});
