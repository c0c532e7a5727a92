import { describe, expect, it } from 'vitest';
import { demuxFrames, demuxText } from './docker-frames';

const frame = (stream: number, text: string): Buffer => Buffer.concat([Buffer.from([stream, 0, 0, 0]), sizeOf(text), Buffer.from(text)]);
function sizeOf(text: string): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(Buffer.byteLength(text));
  return b;
}

describe('demuxFrames', () => {
  it('splits stdout and stderr frames into their payloads', () => {
    expect(demuxFrames(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')])).map(String)).toEqual(['out\n', 'err\n']);
  });

  it('passes a stream that is not multiplexed through whole', () => {
    expect(demuxFrames(Buffer.from('plain text output')).map(String)).toEqual(['plain text output']);
  });

  it('strict: bytes that are not a frame after frames make the whole buffer plain text; a truncated tail is dropped', () => {
    const framed = Buffer.concat([frame(1, 'out\n'), Buffer.from('junk that is no frame')]);
    expect(demuxText(framed)).toBe(framed.toString());
    expect(demuxText(Buffer.concat([frame(1, 'a'), Buffer.from([1, 0, 0])]))).toBe('a');
  });

  it('lenient (exec probes): frames up to the first non-frame bytes, then the rest as it is', () => {
    expect(demuxText(Buffer.concat([frame(1, 'out\n'), Buffer.from('junk that is no frame')]), { lenient: true })).toBe(
      'out\njunk that is no frame',
    );
    expect(demuxText(Buffer.concat([frame(1, 'a'), Buffer.from([1, 0, 0])]), { lenient: true })).toBe('a\u0001\u0000\u0000');
    expect(demuxText(Buffer.from('tty'), { lenient: true })).toBe('tty');
    expect(demuxText(Buffer.alloc(0), { lenient: true })).toBe('');
  });
});
