import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { KubeObject } from '@kubelab/api';
import { SnapshotFile } from './persistence';
import type { Snapshot } from './store';

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

  it('close waits for a background write under way, then leaves the latest snapshot and writes no more', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kubelab-persist-'));
    const objects = Array.from({ length: 20_000 }, (_, i) => ({
      resource: '/configmaps',
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm${i}`, namespace: 'default' },
        data: { k: 'v'.repeat(50) },
      } as KubeObject,
    }));
    let rv = 1;
    const file = new SnapshotFile(dir, () => ({ resourceVersion: rv, objects }), 0);
    file.schedule();
    // The background write of rv 1 starts (encoded in slices, written asynchronously), then rv 2 is the last.
    await new Promise((r) => setTimeout(r, 5));
    rv = 2;
    await file.close();
    file.schedule();
    await new Promise((r) => setTimeout(r, 200));
    expect(JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')).resourceVersion).toBe(2);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every object it can serialize, and reports one it cannot instead of giving up on all', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kubelab-persist-'));
    const cyclic = { metadata: { name: 'bad', namespace: 'default' } } as KubeObject & { self?: unknown };
    cyclic.self = cyclic;
    const good = (name: string) => ({ resource: '/configmaps', object: { metadata: { name, namespace: 'default' } } as KubeObject });
    const snap: Snapshot = { resourceVersion: 7, objects: [good('a'), { resource: '/configmaps', object: cyclic }, good('b')] };
    const logged: unknown[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const file = new SnapshotFile(dir, () => snap, 10, log);
    file.flush();
    file.flush();
    const written = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as Snapshot;
    expect(written.resourceVersion).toBe(7);
    expect(written.objects.map((o) => o.object.metadata.name)).toEqual(['a', 'b']);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ name: 'bad', msg: 'object cannot be serialized; left out of the state file' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the same text JSON.stringify would, reusing each unchanged object', () => {
    const entries = [1, 2, 3].map((i) => ({
      resource: '/pods',
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}` }, spec: { n: i } } as KubeObject,
    }));
    const file = new SnapshotFile('/nonexistent', () => ({ resourceVersion: 3, objects: entries }));
    const snap = { resourceVersion: 3, objects: entries };
    expect(file.encode(snap)).toBe(JSON.stringify(snap));
    expect(file.encode(snap)).toBe(JSON.stringify(snap));
  });
});
