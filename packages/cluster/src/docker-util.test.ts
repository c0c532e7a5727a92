import { describe, expect, it } from 'vitest';
import { buildEventError, demuxLogs, dockerMessage, isStatus, parseBuildChunk } from './docker-util';

describe('docker wire formats', () => {
  it('splits build output into events, keeping partial lines', () => {
    const { events, rest } = parseBuildChunk('{"stream":"Step 1/2"}\n{"errorDetail":{"message":"boom"},"error":"boom"}\n{"str');
    expect(events).toHaveLength(2);
    expect(buildEventError(events[0])).toBeUndefined();
    expect(buildEventError(events[1])).toBe('boom');
    expect(rest).toBe('{"str');
    expect(parseBuildChunk('not json\n').events).toEqual([{ stream: 'not json' }]);
  });

  it('demultiplexes container logs', () => {
    const frame = (kind: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = kind;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    expect(demuxLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]))).toBe('out\nerr\n');
    expect(demuxLogs(Buffer.from('plain tty text\n'))).toBe('plain tty text\n');
  });

  it('reads dockerode errors', () => {
    const err = Object.assign(new Error('(HTTP code 404) no such container - No such container: x'), {
      statusCode: 404,
      json: { message: 'No such container: x' },
    });
    expect(isStatus(err, 404)).toBe(true);
    expect(isStatus(new Error('x'), 404)).toBe(false);
    expect(dockerMessage(err)).toBe('No such container: x');
    expect(dockerMessage(new Error('plain'))).toBe('plain');
  });
});
