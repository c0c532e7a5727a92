import { describe, expect, it } from 'vitest';
import { LineSplitter } from './lines';

describe('LineSplitter', () => {
  it('joins lines split across chunks, even inside a multi-byte character', () => {
    const bytes = new TextEncoder().encode('{"a":"é"}\n\n{"b":1}\n{"c"');
    const split = new LineSplitter();
    const cut = bytes.indexOf(0xa9); // second byte of "é"
    expect(split.push(bytes.slice(0, cut))).toEqual([]);
    expect(split.push(bytes.slice(cut))).toEqual(['{"a":"é"}', '{"b":1}']);
    expect(split.push(new TextEncoder().encode(':2}\n'))).toEqual(['{"c":2}']);
  });
});
