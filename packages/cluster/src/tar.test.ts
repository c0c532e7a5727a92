import { describe, expect, it } from 'vitest';
import { createTar } from './tar';

/** Reads back what createTar wrote: enough of ustar to check names, modes, sizes, checksums and content. */
function readTar(buf: Buffer): Array<{ name: string; mode: number; content: string }> {
  const out = [];
  let i = 0;
  while (i < buf.length) {
    const h = buf.subarray(i, i + 512);
    if (h.every((b) => b === 0)) break;
    const str = (o: number, l: number) =>
      h
        .subarray(o, o + l)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const sum = h.reduce((acc, b, k) => acc + (k >= 148 && k < 156 ? 32 : b), 0);
    expect(parseInt(str(148, 8), 8)).toBe(sum);
    expect(str(257, 6)).toBe('ustar');
    const size = parseInt(str(124, 12), 8);
    const prefix = str(345, 155);
    const name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    out.push({ name, mode: parseInt(str(100, 8), 8), content: buf.subarray(i + 512, i + 512 + size).toString('utf8') });
    i += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('createTar', () => {
  it('writes files that read back, padded to 512-byte blocks with a two-block end', () => {
    const long = `${'d'.repeat(90)}/${'e'.repeat(30)}/file.txt`;
    const tar = createTar([
      { name: 'Dockerfile', content: 'FROM x\n' },
      { name: 'image/a.mjs', content: Buffer.from('x'.repeat(700)), mode: 0o755 },
      { name: long, content: '' },
    ]);
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(-1024).every((b) => b === 0)).toBe(true);
    expect(readTar(tar)).toEqual([
      { name: 'Dockerfile', mode: 0o644, content: 'FROM x\n' },
      { name: 'image/a.mjs', mode: 0o755, content: 'x'.repeat(700) },
      { name: long, mode: 0o644, content: '' },
    ]);
  });

  it('is deterministic and rejects paths it cannot encode', () => {
    expect(createTar([{ name: 'a', content: 'b' }]).equals(createTar([{ name: 'a', content: 'b' }]))).toBe(true);
    expect(() => createTar([{ name: 'x'.repeat(101), content: '' }])).toThrow(/too long/);
  });
});
