// The CLI's end of the API server's streaming sub-resources: pods/log over HTTP, exec and attach over a
// WebSocket with v5.channel.k8s.io (stdin EOF as a close signal, resize, exit status), and one
// port-forward WebSocket (the kubelet's channel framing, v4.channel.k8s.io) per forwarded connection. The
// same paths kubectl and the client libraries use, so the CLI has no second way into containers.
import { Duplex } from 'node:stream';
import { StatusError, type Status } from '@kubelab/api';
import { request, type KubeClient } from '@kubelab/client';
import WebSocket from 'ws';

export interface SessionStreams {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  tty: boolean;
  size?: () => { rows: number; columns: number };
  onResize?: (listener: () => void) => () => void;
}

export interface SessionRequest extends SessionStreams {
  namespace: string;
  pod: string;
  container: string;
  /** exec only. */
  command?: string[];
}

export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  limitBytes?: number;
  out: NodeJS.WritableStream;
}

/** Thrown when the server refused to upgrade: kubectl prints it as `error: unable to upgrade connection: ...`. */
export class UpgradeError extends Error {
  constructor(readonly status: StatusError) {
    super(`unable to upgrade connection: ${status.message}`);
    this.name = 'UpgradeError';
  }
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

function podPath(namespace: string, pod: string, sub: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/${sub}`;
}

function statusFrom(code: number, body: string): StatusError {
  try {
    const s = JSON.parse(body) as Status;
    if (s.kind === 'Status') return new StatusError((s.reason as never) ?? 'InternalError', s.message ?? body);
  } catch {
    // not a Status: fall through
  }
  return new StatusError(code === 404 ? 'NotFound' : code >= 500 ? 'InternalError' : 'BadRequest', body || `HTTP ${code}`);
}

function openSocket(client: KubeClient, url: string, protocols: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, {
      perMessageDeflate: false,
      headers: client.authHeaders(),
      ...(client.ca ? { ca: client.ca } : {}),
    });
    // The server may send its first frames (port-forward's port prefixes, early output) in the same packet as
    // the upgrade answer; ws would emit them before the caller's handlers exist. Hold events until the caller
    // has attached them (its code right after the await runs before the setImmediate).
    ws.once('open', () => {
      ws.pause();
      resolve(ws);
      setImmediate(() => ws.resume());
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => reject(new UpgradeError(statusFrom(res.statusCode ?? 0, body))));
    });
    ws.once('error', (err) => reject(new StatusError('ServiceUnavailable', `cannot reach the kubelab API at ${url}: ${err.message}`)));
  });
}

/** An exit code from the v4+ status message: 0 for Success, the ExitCode cause for NonZeroExitCode. */
export function exitCodeOf(message: string): { code?: number; error?: string } {
  let status: Status;
  try {
    status = JSON.parse(message) as Status;
  } catch {
    return { error: message };
  }
  if (status.status === 'Success') return { code: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (status.reason === 'NonZeroExitCode' && cause) return { code: Number(cause.message) };
  return { error: status.message ?? message };
}

export class ApiStreams {
  constructor(private readonly client: KubeClient) {}

  private get baseUrl(): string {
    return this.client.baseUrl;
  }

  private wsUrl(path: string, query: URLSearchParams): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}${path}?${query}`;
  }

  /** exec (with command) or attach; resolves with the exit code, or undefined when attach ended first. */
  async session(kind: 'exec' | 'attach', req: SessionRequest): Promise<number | undefined> {
    const q = new URLSearchParams({ container: req.container, stdout: 'true' });
    for (const c of req.command ?? []) q.append('command', c);
    if (req.stdin) q.set('stdin', 'true');
    if (req.tty) q.set('tty', 'true');
    else q.set('stderr', 'true');
    const ws = await openSocket(this.client, this.wsUrl(podPath(req.namespace, req.pod, kind), q), [
      'v5.channel.k8s.io',
      'v4.channel.k8s.io',
    ]);
    const v5 = ws.protocol === 'v5.channel.k8s.io';
    let result: { code?: number; error?: string } | undefined;
    const done = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      const payload = data.subarray(1);
      if (data[0] === STDOUT) req.stdout.write(payload);
      else if (data[0] === STDERR) req.stderr.write(payload);
      else if (data[0] === ERROR) result = exitCodeOf(payload.toString('utf8'));
    });
    const send = (channel: number, payload: Buffer | string): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(payload)]));
    };
    let stopResize: (() => void) | undefined;
    if (req.tty && req.size) {
      const sendSize = (): void => {
        const { rows, columns } = req.size!();
        send(RESIZE, JSON.stringify({ Width: columns, Height: rows }));
      };
      sendSize();
      stopResize = req.onResize?.(sendSize);
    }
    const onData = (chunk: Buffer | string): void => send(STDIN, Buffer.from(chunk));
    // Without v5 there is no way to close stdin alone: the session stays open until the process ends.
    const onEnd = (): void => (v5 ? send(CLOSE, Buffer.from([STDIN])) : undefined);
    req.stdin?.on('data', onData);
    req.stdin?.on('end', onEnd);
    try {
      await done;
    } finally {
      stopResize?.();
      req.stdin?.off('data', onData);
      req.stdin?.off('end', onEnd);
    }
    if (result?.error !== undefined) throw new StatusError('InternalError', result.error);
    if (result?.code !== undefined) return result.code;
    return kind === 'exec' ? 0 : undefined;
  }

  /** GET pods/{name}/log, copied to `out` as it arrives. */
  async logs(req: LogRequest): Promise<void> {
    const q = new URLSearchParams({ container: req.container });
    if (req.follow) q.set('follow', 'true');
    if (req.previous) q.set('previous', 'true');
    if (req.timestamps) q.set('timestamps', 'true');
    if (req.tailLines !== undefined) q.set('tailLines', String(req.tailLines));
    if (req.sinceSeconds !== undefined) q.set('sinceSeconds', String(req.sinceSeconds));
    if (req.limitBytes !== undefined) q.set('limitBytes', String(req.limitBytes));
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${this.baseUrl}${podPath(req.namespace, req.pod, 'log')}?${q}`, {
        method: 'GET',
        headers: this.client.authHeaders(),
        dispatcher: this.client.dispatcher,
      });
    } catch (err) {
      throw new StatusError('ServiceUnavailable', `cannot reach the kubelab API at ${this.baseUrl}: ${(err as Error).message}`);
    }
    if (res.statusCode !== 200) throw statusFrom(res.statusCode, await res.body.text());
    for await (const chunk of res.body) req.out.write(chunk as Buffer);
  }

  /**
   * One forwarded connection: a WebSocket to pods/{name}/portforward?ports=PORT as a byte stream (the
   * kubelet's framing: data on channel 0, errors on channel 1, each channel opening with the port).
   */
  async forward(namespace: string, pod: string, port: number, onError: (message: string) => void): Promise<Duplex> {
    const q = new URLSearchParams({ ports: String(port) });
    const ws = await openSocket(this.client, this.wsUrl(podPath(namespace, pod, 'portforward'), q), ['v4.channel.k8s.io']);
    const seen = new Set<number>();
    const conn = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        if (ws.readyState !== WebSocket.OPEN) return done();
        ws.send(Buffer.concat([Buffer.from([0]), chunk]), () => done());
      },
      // The channel framing has no half-close: the connection lasts until either side closes it.
      final(done) {
        done();
      },
      destroy(err, done) {
        ws.close(1000);
        done(err);
      },
    });
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      const channel = data[0];
      let payload = data.subarray(1);
      if (!seen.has(channel)) {
        seen.add(channel);
        payload = payload.subarray(2);
      }
      if (payload.length === 0) return;
      if (channel === 0) conn.push(payload);
      else if (channel === 1) onError(payload.toString('utf8'));
    });
    ws.on('close', () => conn.push(null));
    return conn;
  }
}
