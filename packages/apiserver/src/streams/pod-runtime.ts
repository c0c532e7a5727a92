// What the API server's streaming sub-resources (pods/log, exec, attach, portforward) ask of a container
// runtime, and its Docker implementation.
//
// Kubernetes' API server proxies these requests to the kubelet of the pod's node, which asks its CRI runtime.
// Every kubelab node drives the one Docker engine of the machine, and the control-plane container already has
// its socket (for its own node agent), so the API server asks Docker directly, finding a pod's containers by
// the labels its node agent wrote: a kubelet hop would add latency and a second streaming server without any
// isolation gain. Pods never see the socket. An interface, so the protocol handlers are tested with a fake.
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { demuxFrames, type Pod } from '@kubelab/api';
import { dialInPod } from './netns-dial';
import { fromLabels, podFilters, type ContainerInstance } from './pod-containers';

export interface AttachRequest {
  containerId: string;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  tty: boolean;
  /** Current terminal size when known (tty), and a way to hear about changes. */
  size?: () => { rows: number; columns: number } | undefined;
  onResize?: (listener: () => void) => () => void;
  /** Ends the session from this side (the client went away). */
  signal?: AbortSignal;
}

export interface ExecRequest extends AttachRequest {
  command: string[];
}

export interface LogsRequest {
  containerId: string;
  follow: boolean;
  tail?: number;
  timestamps: boolean;
  /** Unix seconds. */
  since?: number;
  /** Both of the container's streams, in order. */
  out: NodeJS.WritableStream;
  signal?: AbortSignal;
}

export interface PodRuntime {
  podContainers(namespace: string, pod: string): Promise<ContainerInstance[]>;
  /** Resolves with the command's exit code. */
  exec(req: ExecRequest): Promise<number>;
  /** Resolves when the session ends: with the exit code once the process ended, undefined while it still runs. */
  attach(req: AttachRequest): Promise<number | undefined>;
  logs(req: LogsRequest): Promise<void>;
  /** A TCP connection to localhost:port in the pod's network namespace (the kubelet's port-forward). */
  connect(pod: Pod, port: number): Promise<Duplex>;
}

function ended(stream: NodeJS.ReadableStream, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stop = (): void => {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      resolve();
    };
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop, { once: true });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
}

export class DockerPodRuntime implements PodRuntime {
  constructor(
    /** The cluster's name: pod containers of other clusters with the same pod names are never picked. */
    private readonly cluster: string,
    private readonly docker: Docker = new Docker(),
  ) {}

  async podContainers(namespace: string, pod: string): Promise<ContainerInstance[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: podFilters(this.cluster, namespace, pod) } });
    return list.map((c) => fromLabels(c.Id, c.State, c.Labels ?? {}));
  }

  async exec(req: ExecRequest): Promise<number> {
    const exec = await this.docker.getContainer(req.containerId).exec({
      Cmd: req.command,
      AttachStdin: !!req.stdin,
      AttachStdout: !!req.stdout,
      AttachStderr: !!req.stderr,
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
      stdout: !!req.stdout,
      stderr: !!req.stderr,
      hijack: true,
    })) as NodeJS.ReadWriteStream;
    await this.session(stream, req, (size) => container.resize(size));
    // The stream can close a moment before the engine records the exit; give it a second to catch up.
    for (let i = 0; i < 10 && !req.signal?.aborted; i++) {
      const state = (await container.inspect()).State;
      if (!state?.Running) return state?.ExitCode ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  }

  /**
   * Wires a hijacked exec/attach stream until it ends: raw TTY output or demultiplexed stdout/stderr, stdin
   * piped in (its end half-closes the socket, delivering EOF), terminal resizes forwarded.
   */
  private async session(
    stream: NodeJS.ReadWriteStream,
    req: AttachRequest,
    resize: (size: { h: number; w: number }) => Promise<unknown>,
  ): Promise<void> {
    let stopResize: (() => void) | undefined;
    if (req.tty) {
      const sendSize = (): void => {
        const size = req.size?.();
        if (size) resize({ h: size.rows, w: size.columns }).catch(() => undefined); // the process may already be gone
      };
      sendSize();
      stopResize = req.onResize?.(sendSize);
    }
    const sink = new PassThrough();
    if (req.tty) stream.pipe(req.stdout ?? sink, { end: false });
    else this.docker.modem.demuxStream(stream, req.stdout ?? sink, req.stderr ?? sink);
    sink.resume();
    if (req.stdin) req.stdin.pipe(stream);
    try {
      await ended(stream, req.signal);
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
    await ended(stream, req.signal);
  }

  /**
   * localhost:port inside the pod's network namespace, as the kubelet dials it: through the pod's sandbox
   * container (netns-dial.ts), so servers bound to the pod's 127.0.0.1 are reached and ones bound to its IP
   * only are not, exactly as with Kubernetes.
   */
  async connect(pod: Pod, port: number): Promise<Duplex> {
    const all = await this.podContainers(pod.metadata.namespace ?? 'default', pod.metadata.name!);
    const uid = pod.metadata.uid;
    const sandbox = all.find((c) => c.name === 'POD' && c.state === 'running' && (!uid || !c.podUid || c.podUid === uid));
    if (!sandbox) throw new Error(`no running sandbox for pod ${pod.metadata.name}`);
    return dialInPod(this.docker, sandbox.id, port);
  }
}
