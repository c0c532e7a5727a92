// kubectl's port-forward: SPDY/3.1 tunneled over a WebSocket (KEP-4006; kubectl 1.31+ asks for the
// subprotocol `SPDY/3.1+portforward.k8s.io`, whose binary messages carry the raw SPDY bytes). Per local
// connection kubectl opens two SPDY streams with headers streamType=error|data, port and requestID; the server
// connects to that port of the pod, copies bytes both ways on the data stream and writes what went wrong to
// the error stream (k8s.io/client-go/tools/portforward/portforward.go handleConnection, the kubelet's
// pkg/kubelet/cri/streaming/portforward/httpstream.go). The SPDY framing, header compression and flow control
// are spdy-transport's (the SPDY stack of node-spdy).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Pod } from '@kubelab/api';
import type { Logger } from 'pino';
import spdy, { type Connection } from 'spdy-transport';
import { forwardAddress, forwardError } from './pod-portforward';
import type { PodRuntime } from './pod-runtime';

export const SPDY_PORTFORWARD = 'SPDY/3.1+portforward.k8s.io';

export function isSpdyTunnel(offered: string[]): boolean {
  return offered.includes(SPDY_PORTFORWARD);
}

/** kubectl's SPDY dialer: `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io`. */
export function isSpdyUpgrade(req: IncomingMessage): boolean {
  const versions = String(req.headers['x-stream-protocol-version'] ?? '')
    .split(',')
    .map((v) => v.trim());
  return /^spdy\/3\.1$/i.test(String(req.headers.upgrade ?? '')) && versions.includes('portforward.k8s.io');
}

export const SPDY_SWITCHING =
  'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n';

export interface SpdyStream extends Duplex {
  id: number;
  headers: Record<string, string>;
  respond(status: number, headers: Record<string, string>, callback?: () => void): void;
  abort(code?: number, callback?: () => void): void;
}

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
}

/**
 * Go's spdystream sends SYN_STREAM without the HTTP pseudo-headers spdy-transport insists on (`:method`,
 * `:path`): supply them, so its parser takes the stream.
 */
function tolerateBareStreams(connection: Connection): void {
  const parser = connection._spdyState.parser;
  const parseKVs = parser.parseKVs.bind(parser);
  parser.parseKVs = (buffer: unknown, callback: (err: Error | null, headers?: Record<string, string>) => void) =>
    parseKVs(buffer, (err: Error | null, headers?: Record<string, string>) => {
      if (headers) {
        headers[':method'] ??= 'POST';
        headers[':path'] ??= '/';
      }
      callback(err, headers);
    });
}

interface WindowSide {
  update(size: number, callback?: () => void): void;
  getCurrent(): number;
  getMax(): number;
}

/**
 * Go's spdystream (moby/spdystream), kubectl's SPDY stack and the kubelet's, implements no flow control: it
 * never sends WINDOW_UPDATE, so a sender that honours SPDY/3.1 windows stalls after the first 64 KiB. Send
 * as spdystream does, without windows.
 */
export function ignoreSendWindows(stream: SpdyStream): void {
  const state = (stream as unknown as { _spdyState: { window: { send: WindowSide }; sessionWindow: { send: WindowSide } } })._spdyState;
  for (const side of [state.window.send, state.sessionWindow.send]) {
    side.update = (_size, callback) => {
      if (callback) process.nextTick(callback);
    };
    side.getCurrent = () => side.getMax();
  }
}

/** A SPDY/3.1 server connection on `tunnel` (a WebSocket's byte stream, or the upgraded socket itself). */
export function spdyServer(tunnel: Duplex, log: Logger): Connection {
  tunnel.on('error', () => undefined);
  const connection = spdy.connection.create(tunnel, { protocol: 'spdy', isServer: true, windowSize: 1 << 20 });
  tolerateBareStreams(connection);
  connection.start(3.1);
  connection.on('error', (err: Error) => log.debug({ err }, 'SPDY connection error'));
  return connection;
}

/** Serves kubectl's port-forward streams on `tunnel`. */
export function runSpdyPortForward(tunnel: Duplex, runtime: PodRuntime, pod: Pod, log: Logger): void {
  const connection = spdyServer(tunnel, log);
  const pairs = new Map<string, Pair>();

  connection.on('stream', (stream: SpdyStream) => {
    const type = stream.headers.streamtype;
    const port = Number(stream.headers.port);
    const id = stream.headers.requestid ?? String(stream.id);
    ignoreSendWindows(stream);
    stream.respond(200, {});
    stream.on('error', () => undefined);
    if ((type !== 'data' && type !== 'error') || !Number.isInteger(port) || port < 1 || port > 65535) {
      stream.end();
      return;
    }
    const pair = pairs.get(id) ?? {};
    pair[type] = stream;
    pairs.set(id, pair);
    if (pair.data && pair.error) {
      pairs.delete(id);
      forward(pair.data, pair.error, port);
    }
  });

  function forward(data: SpdyStream, error: SpdyStream, port: number): void {
    // kubectl closes its side of the error stream at once; only the server writes to it.
    error.resume();
    forwardAddress(pod);
    runtime.connect(pod, port).then(
      (socket) => {
        data.pipe(socket);
        socket.pipe(data);
        socket.on('error', (err) => {
          error.end(forwardError(pod, port, err));
          data.destroy();
        });
        socket.on('close', () => error.end());
        data.on('close', () => socket.destroy());
      },
      (err) => {
        error.end(forwardError(pod, port, err));
        data.end();
      },
    );
  }
}
