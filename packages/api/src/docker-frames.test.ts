import { describe, expect, it } from 'vitest';
import { demuxFrames } from './docker-frames';

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
});
