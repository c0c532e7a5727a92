// exec and attach for kubectl before 1.30 (and client-go SPDY executors): SPDY/3.1 straight on the upgraded
// connection, `X-Stream-Protocol-Version` v4/v3/v2.channel.k8s.io, one SPDY stream per standard stream
// (header streamType: error, stdin, stdout, stderr, resize), as the kubelet's remotecommand server expects
// them (pkg/kubelet/cri/streaming/remotecommand/httpstream.go): the streams the query asked for, then the
// session; the exit status is written to the error stream (a metav1.Status from v4 on).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { exitMessage, errorMessage } from './channel-protocol';
import type { ExecOptions } from './pod-exec';
import type { PodRuntime } from './pod-runtime';
import { ignoreSendWindows, spdyServer, type SpdyStream } from './portforward-spdy';

const SUPPORTED = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** The remotecommand version of a SPDY upgrade (the first the client offers that is served), if it is one. */
export function spdyExecProtocol(req: IncomingMessage): string | undefined {
  if (!/^spdy\/3\.1$/i.test(String(req.headers.upgrade ?? ''))) return undefined;
  const offered = String(req.headers['x-stream-protocol-version'] ?? '')
    .split(',')
    .map((v) => v.trim());
  return offered.find((v) => SUPPORTED.includes(v));
}

function versionOf(protocol: string): number {
  return protocol === 'channel.k8s.io' ? 1 : Number(protocol[1]);
}

export function runSpdySession(
  socket: Duplex,
  protocol: string,
  runtime: PodRuntime,
  kind: 'exec' | 'attach',
  containerId: string,
  opts: ExecOptions,
  log: Logger,
): void {
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  const version = versionOf(protocol);
  const connection = spdyServer(socket, log);
  const expected = new Set(['error', ...(opts.stdin ? ['stdin'] : []), ...(opts.stdout ? ['stdout'] : [])]);
  if (opts.stderr && !opts.tty) expected.add('stderr');
  if (opts.tty && version >= 3) expected.add('resize');
  const streams = new Map<string, SpdyStream>();
  let started = false;
  connection.on('stream', (stream: SpdyStream) => {
    ignoreSendWindows(stream);
    stream.respond(200, {});
    stream.on('error', () => undefined);
    streams.set(stream.headers.streamtype, stream);
    if (!started && [...expected].every((t) => streams.has(t))) {
      started = true;
      void run();
    }
  });

  async function run(): Promise<void> {
    let size: { rows: number; columns: number } | undefined;
    const listeners = new Set<() => void>();
    const resize = streams.get('resize');
    if (resize) {
      let buffered = '';
      resize.on('data', (d: Buffer) => {
        buffered += d.toString('utf8');
        // json.Encoder: one object per line.
        for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
          const line = buffered.slice(0, i);
          buffered = buffered.slice(i + 1);
          try {
            const o = JSON.parse(line) as { Width?: number; Height?: number };
            if (Number.isInteger(o.Width) && Number.isInteger(o.Height)) {
              size = { rows: o.Height!, columns: o.Width! };
              for (const l of listeners) l();
            }
          } catch {
            // ignored, as the kubelet logs and skips a malformed resize
          }
        }
      });
    }
    const error = streams.get('error')!;
    error.resume();
    const abort = new AbortController();
    socket.on('close', () => abort.abort());
    const req = {
      containerId,
      stdin: streams.get('stdin'),
      stdout: streams.get('stdout'),
      stderr: streams.get('stderr'),
      tty: opts.tty,
      size: () => size,
      onResize: (l: () => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      signal: abort.signal,
    };
    try {
      const code = kind === 'exec' ? await runtime.exec({ ...req, command: opts.command }) : await runtime.attach(req);
      const message = code === undefined ? undefined : exitMessage(version, code, opts.command);
      if (message !== undefined) error.write(message);
    } catch (err) {
      error.write(errorMessage(version, (err as Error).message));
    }
    for (const s of streams.values()) s.end();
    // Let the last frames go out before the connection closes.
    setTimeout(() => socket.end(), 100).unref();
  }
}
