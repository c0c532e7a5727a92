import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  EXEC_PROTOCOLS,
  exitMessage,
  negotiate,
  parseResize,
  PORTFORWARD_PROTOCOLS,
  portPrefix,
  protocolOf,
} from './channel-protocol';

describe('channel protocol negotiation', () => {
  it('picks the first protocol the client offered that the server speaks (kubectl offers v5 first)', () => {
    expect(negotiate(['v5.channel.k8s.io', 'v4.channel.k8s.io'], EXEC_PROTOCOLS)).toEqual({
      name: 'v5.channel.k8s.io',
      version: 5,
      base64: false,
    });
    expect(negotiate(['v9.channel.k8s.io', 'base64.v4.channel.k8s.io'], EXEC_PROTOCOLS)).toEqual({
      name: 'base64.v4.channel.k8s.io',
      version: 4,
      base64: true,
    });
    expect(negotiate(['channel.k8s.io'], EXEC_PROTOCOLS)?.version).toBe(1);
    expect(negotiate([], EXEC_PROTOCOLS)).toEqual({ name: '', version: 1, base64: false });
    expect(negotiate(['chat'], EXEC_PROTOCOLS)).toBeUndefined();
    expect(negotiate(['portforward.k8s.io'], PORTFORWARD_PROTOCOLS)?.name).toBe('portforward.k8s.io');
    expect(protocolOf('base64.v5.channel.k8s.io')).toBeUndefined();
  });
});

describe('channel framing', () => {
  it('prefixes binary frames with the channel byte and reads them back', () => {
    const f = encodeFrame(1, Buffer.from('hi'), false) as Buffer;
    expect([...f]).toEqual([1, 104, 105]);
    expect(decodeFrame(f, false)).toEqual({ channel: 1, data: Buffer.from('hi') });
    expect(decodeFrame(Buffer.from([255, 0]), false)).toEqual({ channel: 255, data: Buffer.from([0]) });
    expect(decodeFrame(Buffer.alloc(0), false)).toBeUndefined();
  });

  it('writes base64 frames as text: the channel digit, then base64', () => {
    expect(encodeFrame(2, 'err', true)).toBe(`2${Buffer.from('err').toString('base64')}`);
    expect(decodeFrame(`0${Buffer.from('ls\n').toString('base64')}`, true)).toEqual({ channel: 0, data: Buffer.from('ls\n') });
  });

  it('reads resize messages and refuses malformed ones', () => {
    expect(parseResize(Buffer.from('{"Width":120,"Height":40}'))).toEqual({ width: 120, height: 40 });
    expect(parseResize(Buffer.from('{"Width":"x"}'))).toBeUndefined();
    expect(parseResize(Buffer.from('nope'))).toBeUndefined();
  });

  it('puts the port first on each port-forward channel, little-endian', () => {
    expect([...portPrefix(8080)]).toEqual([0x90, 0x1f]);
  });
});

describe('exit status on the error channel', () => {
  it('v4+: a Success Status, or NonZeroExitCode with the code as an ExitCode cause', () => {
    expect(JSON.parse(exitMessage(5, 0, ['true'])!)).toEqual({ metadata: {}, status: 'Success' });
    const failed = JSON.parse(exitMessage(4, 3, ['sh', '-c', 'exit 3'])!);
    expect(failed).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('v1-v3: plain text on failure, nothing on success', () => {
    expect(exitMessage(3, 0, ['true'])).toBeUndefined();
    expect(exitMessage(2, 1, ['false'])).toContain('exit code 1');
  });
});
