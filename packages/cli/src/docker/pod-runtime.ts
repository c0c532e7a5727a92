// The container runtime `exec` and `logs` talk to. kubelab's API server does not proxy exec/logs, so the CLI
// reaches the pods' containers the way the kubelet would: through the Docker engine on this host (DOCKER_HOST
// honoured by docker-modem). An interface, so the commands can be tested against a fake.
import Docker from 'dockerode';
import { fromLabels, podFilters, type ContainerInstance } from './pod-containers';

export interface ExecRequest {
  containerId: string;
  command: string[];
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  tty: boolean;
  /** Current terminal size, and a way to hear about changes, when tty. */
  size?: () => { rows: number; columns: number };
  onResize?: (listener: () => void) => () => void;
}

export interface LogsRequest {
  containerId: string;
  follow: boolean;
  tail?: number;
  timestamps: boolean;
  /** Unix seconds. */
  since?: number;
  /** kubectl logs prints both of the container's streams on its stdout. */
  out: NodeJS.WritableStream;
}

/** Attaching connects to the container's main process; `command` is not used. */
export type AttachRequest = Omit<ExecRequest, 'command'>;

export interface PodRuntime {
  podContainers(cluster: string, namespace: string, pod: string): Promise<ContainerInstance[]>;
  /** Resolves with the command's exit code. */
  exec(req: ExecRequest): Promise<number>;
  /** Resolves when the session ends: with the exit code once the process ended, undefined while it still runs. */
  attach(req: AttachRequest): Promise<number | undefined>;
  logs(req: LogsRequest): Promise<void>;
}

/** Splits Docker's multiplexed frames ([stream, 0, 0, 0, size BE32] + payload) into their payloads. */
export function demuxFrames(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    if (buf[i] > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0) return [buf]; // not multiplexed
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  if (out.length === 0 && buf.length > 0) return [buf];
  return out;
}

export class DockerPodRuntime implements PodRuntime {
  constructor(private readonly docker: Docker = new Docker()) {}

  async podContainers(cluster: string, namespace: string, pod: string): Promise<ContainerInstance[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: podFilters(cluster, namespace, pod) } });
    return list.map((c) => fromLabels(c.Id, c.State, c.Labels ?? {}));
  }

  async exec(req: ExecRequest): Promise<number> {
    const exec = await this.docker.getContainer(req.containerId).exec({
      Cmd: req.command,
      AttachStdin: !!req.stdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: req.tty,
    });
    const stream = await exec.start({ hijack: true, stdin: !!req.stdin, Tty: req.tty });
    await this.session(stream, req, (size) => exec.resize(size));
    const info = await exec.inspect();
    return info.ExitCode ?? 0;
  }

  async attach(req: AttachRequest): Promise<number | undefined> {
    const container = this.docker.getContainer(req.containerId);
    const stream = (await container.attach({
      stream: true,
      stdin: !!req.stdin,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as NodeJS.ReadWriteStream;
    await this.session(stream, req, (size) => container.resize(size));
    // The stream can close a moment before the engine records the exit; give it a second to catch up.
    for (let i = 0; i < 10; i++) {
      const state = (await container.inspect()).State;
      if (!state?.Running) return state?.ExitCode ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  }

  /**
   * Wires a hijacked exec/attach stream to the terminal until it ends: raw TTY output or demultiplexed
   * stdout/stderr, stdin piped in (its end half-closes the socket, delivering EOF like kubectl's stdin
   * stream), and terminal resizes forwarded.
   */
  private async session(
    stream: NodeJS.ReadWriteStream,
    req: AttachRequest,
    resize: (size: { h: number; w: number }) => Promise<unknown>,
  ): Promise<void> {
    let stopResize: (() => void) | undefined;
    if (req.tty && req.size) {
      const sendSize = (): void => {
        const { rows, columns } = req.size!();
        resize({ h: rows, w: columns }).catch(() => undefined); // the process may already be gone
      };
      sendSize();
      stopResize = req.onResize?.(sendSize);
    }
    if (req.tty) stream.pipe(req.stdout, { end: false });
    else this.docker.modem.demuxStream(stream, req.stdout, req.stderr);
    if (req.stdin) req.stdin.pipe(stream);
    try {
      await new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
    } finally {
      stopResize?.();
      if (req.stdin) req.stdin.unpipe(stream);
    }
  }

  async logs(req: LogsRequest): Promise<void> {
    const container = this.docker.getContainer(req.containerId);
    const tty = (await container.inspect()).Config?.Tty === true;
    const opts = { stdout: true, stderr: true, timestamps: req.timestamps, tail: req.tail, since: req.since };
    if (!req.follow) {
      const buf = await container.logs({ ...opts, follow: false });
      const data = Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf));
      for (const part of tty ? [data] : demuxFrames(data)) req.out.write(part);
      return;
    }
    const stream = await container.logs({ ...opts, follow: true });
    if (tty) stream.pipe(req.out, { end: false });
    else this.docker.modem.demuxStream(stream, req.out, req.out);
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
  }
}
