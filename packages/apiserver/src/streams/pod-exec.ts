// pods/{name}/exec and pods/{name}/attach over a WebSocket (remotecommand's channel protocols, see
// channel-protocol.ts): the query names the container, the command (exec) and which of stdin, stdout, stderr
// and tty to use; the session ends with the exit status on the error channel and a normal close.
import { PassThrough, Writable } from 'node:stream';
import { StatusError, type Pod } from '@kubelab/api';
import type WebSocket from 'ws';
import { queryBool } from '../rest/query-params';
import { CHANNEL, decodeFrame, encodeFrame, errorMessage, exitMessage, type Protocol } from './channel-protocol';
import { execTarget, requestedContainer } from './pod-containers';
import type { PodRuntime } from './pod-runtime';

export interface ExecOptions {
  container?: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** core/v1 PodExecOptions (PodAttachOptions without `command`) from the query, checked as kube-apiserver does. */
export function parseExecOptions(params: URLSearchParams, kind: 'exec' | 'attach'): ExecOptions {
  const o: ExecOptions = {
    container: params.get('container') || undefined,
    command: params.getAll('command'),
    stdin: queryBool(params.getAll('stdin')),
    stdout: queryBool(params.getAll('stdout')),
    stderr: queryBool(params.getAll('stderr')),
    tty: queryBool(params.getAll('tty')),
  };
  if (!o.stdin && !o.stdout && !o.stderr) throw new StatusError('BadRequest', 'you must specify at least 1 of stdin, stdout, stderr');
  if (kind === 'exec' && o.command.length === 0) throw new StatusError('BadRequest', 'you must specify at least 1 command');
  // A terminal has one output stream: the kubelet drops stderr when tty is set.
  if (o.tty) o.stderr = false;
  return o;
}

/** The Docker container the session runs in: validated and found before the WebSocket is accepted. */
export async function sessionTarget(runtime: PodRuntime, pod: Pod, opts: ExecOptions): Promise<string> {
  const container = requestedContainer(pod, opts.container);
  const instances = await runtime.podContainers(pod.metadata.namespace ?? 'default', pod.metadata.name!);
  return execTarget(pod, instances, container).id;
}

/** Runs one exec or attach session on an accepted WebSocket. */
export async function runSession(
  ws: WebSocket,
  protocol: Protocol,
  runtime: PodRuntime,
  kind: 'exec' | 'attach',
  containerId: string,
  opts: ExecOptions,
): Promise<void> {
  const abort = new AbortController();
  const send = (channel: number, data: Buffer | string): Promise<void> =>
    new Promise((resolve) => {
      if (ws.readyState !== ws.OPEN) return resolve();
      ws.send(encodeFrame(channel, data, protocol.base64), () => resolve());
    });
  const output = (channel: number): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        void send(channel, chunk).then(() => done());
      },
    });
  const stdin = opts.stdin ? new PassThrough() : undefined;
  let size: { rows: number; columns: number } | undefined;
  const resizeListeners = new Set<() => void>();
  let sized: () => void = () => undefined;
  const firstSize = new Promise<void>((resolve) => {
    sized = resolve;
  });

  ws.on('message', (message: Buffer, isBinary: boolean) => {
    const frame = decodeFrame(isBinary ? message : message.toString('utf8'), protocol.base64);
    if (!frame) return;
    if (frame.channel === CHANNEL.stdin) stdin?.write(frame.data);
    else if (frame.channel === CHANNEL.resize && protocol.version >= 3) {
      try {
        const o = JSON.parse(frame.data.toString('utf8')) as { Width?: number; Height?: number };
        if (Number.isInteger(o.Width) && Number.isInteger(o.Height)) {
          size = { rows: o.Height!, columns: o.Width! };
          sized();
          for (const l of resizeListeners) l();
        }
      } catch {
        // a malformed resize is ignored, as the kubelet's handleResizing logs and skips it
      }
    } else if (frame.channel === CHANNEL.close && protocol.version >= 5 && frame.data[0] === CHANNEL.stdin) stdin?.end();
  });
  ws.on('close', () => {
    stdin?.end();
    abort.abort();
  });

  const streams = {
    containerId,
    stdin,
    stdout: opts.stdout ? output(CHANNEL.stdout) : undefined,
    stderr: opts.stderr ? output(CHANNEL.stderr) : undefined,
    tty: opts.tty,
    size: () => size,
    onResize: (l: () => void) => {
      resizeListeners.add(l);
      return () => resizeListeners.delete(l);
    },
    signal: abort.signal,
  };
  // kubectl sends the terminal size right after connecting: wait a moment for it so the process starts with
  // it applied at once (Docker 20.10's exec API takes no initial console size), not with 0x0.
  if (opts.tty && protocol.version >= 3) await Promise.race([firstSize, new Promise((r) => setTimeout(r, 500))]);
  try {
    const code = kind === 'exec' ? await runtime.exec({ ...streams, command: opts.command }) : await runtime.attach(streams);
    // Attach that ended while the process runs (the client detached) reports nothing, as the kubelet.
    const message = code === undefined ? undefined : exitMessage(protocol.version, code, opts.command);
    if (message !== undefined) await send(CHANNEL.error, message);
  } catch (err) {
    await send(CHANNEL.error, errorMessage(protocol.version, (err as Error).message));
  }
  if (ws.readyState === ws.OPEN) ws.close(1000);
}
