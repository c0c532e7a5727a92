import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SnapshotFile } from './persistence';

describe('SnapshotFile', () => {
  it('survives a failed write and writes once the volume is usable again', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'kubelab-persist-'));
    const dir = path.join(parent, 'state');
    // A file where the state directory should be: every write fails until it is removed.
    writeFileSync(dir, 'in the way');
    let rv = 1;
    const file = new SnapshotFile(dir, () => ({ resourceVersion: rv, objects: [] }), 10);
    file.schedule();
    await new Promise((r) => setTimeout(r, 100));
    rmSync(dir);
    rv = 2;
    await new Promise((r) => setTimeout(r, 1300));
    expect(JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')).resourceVersion).toBe(2);
    rmSync(parent, { recursive: true, force: true });
  });
});
