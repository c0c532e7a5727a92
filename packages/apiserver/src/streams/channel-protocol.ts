// The WebSocket channel protocols of exec, attach and port-forward, as k8s.io/apimachinery's wsstream and
// the kubelet speak them (staging/src/k8s.io/apimachinery/pkg/util/httpstream/wsstream/conn.go,
// k8s.io/client-go/tools/remotecommand/websocket.go). Pure: framing, negotiation and the status messages are
// tested here without a socket.
//
// Every binary message is one channel byte followed by the payload; the base64 variants send text messages
// whose first character is the channel digit and whose rest is base64. Versions:
//   channel.k8s.io, v2: stdin 0, stdout 1, stderr 2, error 3 (plain text), no resize;
//   v3: adds resize on channel 4 ({"Width":W,"Height":H});
//   v4: the error channel carries a metav1.Status, with the exit code of a failed command in its causes;
//   v5: a client closes one stream with [255, channel] (stdin EOF) while keeping the connection open.
import type { Status } from '@kubelab/api';

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export const V5 = 'v5.channel.k8s.io';
export const V4 = 'v4.channel.k8s.io';
export const V3 = 'v3.channel.k8s.io';
export const V2 = 'v2.channel.k8s.io';
export const V1 = 'channel.k8s.io';
export const BASE64_V1 = 'base64.channel.k8s.io';

/** remotecommand's protocols, newest first (the order kubectl offers them in). */
export const EXEC_PROTOCOLS = [V5, V4, `base64.${V4}`, V3, `base64.${V3}`, V2, `base64.${V2}`, V1, BASE64_V1] as const;

/** The kubelet's websocket port-forward protocols (pkg/kubelet/cri/streaming/portforward/websocket.go). */
export const PORTFORWARD_PROTOCOLS = ['portforward.k8s.io', V4, `base64.${V4}`, V1, BASE64_V1] as const;

export interface Protocol {
  name: string;
  /** 1..5 */
  version: number;
  base64: boolean;
}

/** Reads a protocol name; undefined for one this server does not speak. */
export function protocolOf(name: string): Protocol | undefined {
  const base64 = name.startsWith('base64.');
  const bare = base64 ? name.slice('base64.'.length) : name;
  const version = bare === V1 ? 1 : /^v([2-5])\.channel\.k8s\.io$/.exec(bare)?.[1];
  if (version === undefined) return bare === 'portforward.k8s.io' && !base64 ? { name, version: 4, base64: false } : undefined;
  if (base64 && Number(version) === 5) return undefined; // v5 has no base64 variant
  return { name, version: Number(version), base64 };
}

/**
 * The protocol to answer with: the first the client offered that the server supports, as wsstream's
 * handshake picks it. A client that offers none (old clients) gets plain binary channel.k8s.io framing.
 */
export function negotiate(offered: Iterable<string>, supported: readonly string[]): Protocol | undefined {
  const list = [...offered];
  if (list.length === 0) return { name: '', version: 1, base64: false };
  for (const p of list) if (supported.includes(p)) return protocolOf(p);
  return undefined;
}

export function encodeFrame(channel: number, data: Buffer | string, base64: boolean): Buffer | string {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  if (base64) return String.fromCharCode(48 + channel) + payload.toString('base64');
  return Buffer.concat([Buffer.from([channel]), payload]);
}

export function decodeFrame(message: Buffer | string, base64: boolean): { channel: number; data: Buffer } | undefined {
  if (typeof message === 'string' || base64) {
    const text = typeof message === 'string' ? message : message.toString('latin1');
    if (text.length === 0) return undefined;
    return { channel: text.charCodeAt(0) - 48, data: Buffer.from(text.slice(1), 'base64') };
  }
  if (message.length === 0) return undefined;
  return { channel: message[0], data: message.subarray(1) };
}

/** A resize message ({"Width":80,"Height":24}, remotecommand.TerminalSize); undefined when malformed. */
export function parseResize(data: Buffer): { width: number; height: number } | undefined {
  try {
    const o = JSON.parse(data.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const width = Number(o.Width);
    const height = Number(o.Height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) return undefined;
    return { width, height };
  } catch {
    return undefined;
  }
}

/**
 * What ends an exec or attach session on the error channel: v4+ a Status (Success, or Failure with reason
 * NonZeroExitCode and the code as an ExitCode cause, which kubectl turns into "command terminated with exit
 * code N"); v1-v3 the error text, nothing on success.
 */
export function exitMessage(version: number, exitCode: number, command: string[]): string | undefined {
  const text = `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`;
  if (version < 4) return exitCode === 0 ? undefined : text;
  if (exitCode === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: text,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  } as Status;
  return JSON.stringify(status);
}

/** An internal error of a session (container gone mid-way) on the error channel. */
export function errorMessage(version: number, message: string): string {
  if (version < 4) return message;
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 });
}

/** The first message of each port-forward channel: its port, little-endian (the kubelet's websocket handler). */
export function portPrefix(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port, 0);
  return b;
}
