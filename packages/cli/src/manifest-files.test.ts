import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifests } from './manifest-files';

const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers: [{name: c, image: x}]\n`;

describe('readManifests', () => {
  it('reads multi-document files, folders one level deep in name order, and stdin', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kubelab-cli-'));
    await writeFile(path.join(dir, 'b.yaml'), `${pod('b1')}---\n${pod('b2')}`);
    await writeFile(path.join(dir, 'a.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }));
    await writeFile(path.join(dir, 'notes.txt'), 'ignored');
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'sub', 'c.yml'), pod('c'));
    const flat = await readManifests([dir, '-'], { stdin: async () => pod('s') });
    expect(flat.items.map((i) => [path.basename(i.source), i.object.metadata.name])).toEqual([
      ['a.json', 'a'],
      ['b.yaml', 'b1'],
      ['b.yaml', 'b2'],
      ['STDIN', 's'],
    ]);
    const deep = await readManifests([dir], { recursive: true });
    expect(deep.items.map((i) => i.object.metadata.name)).toEqual(['a', 'b1', 'b2', 'c']);
  });

  it('reports a file that does not parse and keeps the others; a missing path is an error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kubelab-cli-'));
    await writeFile(path.join(dir, 'bad.yaml'), 'kind: [unclosed');
    await writeFile(path.join(dir, 'good.yaml'), pod('g'));
    const res = await readManifests([dir]);
    expect(res.items.map((i) => i.object.metadata.name)).toEqual(['g']);
    expect(res.errors[0]).toMatch(/^error: error parsing .*bad\.yaml: /);
    await expect(readManifests([path.join(dir, 'nope.yaml')])).rejects.toThrow(/the path ".*nope\.yaml" does not exist/);
  });
});
