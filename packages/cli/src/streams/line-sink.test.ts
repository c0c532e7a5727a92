import { describe, expect, it } from 'vitest';
import { lineSink } from './line-sink';

const feed = async (flush: boolean, chunks: string[]): Promise<string[]> => {
  const got: string[] = [];
  const s = lineSink((l) => got.push(l), { flush });
  for (const c of chunks) s.write(Buffer.from(c));
  s.end();
  await new Promise((r) => s.on('end', r));
  return got;
};

describe('lineSink', () => {
  it('hands out whole lines across chunk boundaries', async () => {
    expect(await feed(false, ['a\nb', 'c\n', '\nd'])).toEqual(['a', 'bc', '']);
  });

  it('hands out an unterminated last line at the end only with flush', async () => {
    expect(await feed(true, ['a\nb', 'c'])).toEqual(['a', 'bc']);
  });
});
