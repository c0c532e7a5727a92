// The kubelet's Docker calls (dockerode on the mounted socket), each failure wrapped with the object it
// concerned. Exited containers never change again, so their inspect results are cached.
import { demuxText } from '@kubelab/api';
import type Docker from 'dockerode';
import { groupInstances, instanceFromInspect, type ContainerInstance, type ObservedPod } from './observed';
import { LABEL, podContainerFilter, podVolumeFilter, type OwnerLabels } from './names';
import { stopTimeoutSeconds } from './grace';
import type { ExecRunner } from './probe-runner';

export class RuntimeError extends Error {
  readonly code = 'KUBELAB_RUNTIME';
  readonly statusCode?: number;
  constructor(what: string, cause: unknown) {
    super(`${what}: ${dockerMessage(cause)}`);
    this.name = 'RuntimeError';
    this.statusCode = (cause as { statusCode?: number })?.statusCode;
  }
}

/** Docker's own message from a dockerode error ("(HTTP code 404) no such container - ..." otherwise). */
export function dockerMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string; reason?: string };
  const text = e?.json?.message ?? e?.message ?? String(err);
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 404;
}

async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new RuntimeError(what, err);
  }
}

export class DockerRuntime implements ExecRunner {
  private readonly finished = new Map<string, ContainerInstance>();

  constructor(
    readonly docker: Docker,
    private readonly owner: OwnerLabels,
  ) {}

  /** This node's pod containers (all pods, or one), as list entries. */
  async listPodContainers(uid?: string): Promise<Docker.ContainerInfo[]> {
    return wrap('listing pod containers', () => this.docker.listContainers({ all: true, filters: podContainerFilter(this.owner, uid) }));
  }

  /** This node's running pod containers (all pods), with their mounts. Paused ones are not running. */
  async listRunningPodContainers(): Promise<Docker.ContainerInfo[]> {
    return wrap('listing running pod containers', () =>
      this.docker.listContainers({ filters: { ...podContainerFilter(this.owner), status: ['running'] } }),
    );
  }

  /** Freezes every process of the container (cgroup freezer), as `docker pause`. */
  async pause(id: string): Promise<void> {
    await wrap(`pausing container ${id.slice(0, 12)}`, () => this.docker.getContainer(id).pause());
  }

  /** Thaws a paused container; one that is gone or no longer paused is fine. */
  async unpause(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).unpause();
    } catch (err) {
      if (isNotFound(err) || /is not paused/.test(dockerMessage(err))) return;
      throw new RuntimeError(`unpausing container ${id.slice(0, 12)}`, err);
    }
  }

  /** This node's paused pod containers (left so by an agent that died while it held them). */
  async listPausedPodContainers(): Promise<string[]> {
    const list = await wrap('listing paused pod containers', () =>
      this.docker.listContainers({ filters: { ...podContainerFilter(this.owner), status: ['paused'] } }),
    );
    return list.map((c) => c.Id);
  }

  async inspect(id: string): Promise<ContainerInstance | undefined> {
    const cached = this.finished.get(id);
    if (cached) return cached;
    try {
      const inst = instanceFromInspect(await this.docker.getContainer(id).inspect());
      if (inst.state === 'exited') this.finished.set(id, inst);
      return inst;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new RuntimeError(`inspecting container ${id.slice(0, 12)}`, err);
    }
  }

  async observe(uid: string): Promise<ObservedPod> {
    const list = await this.listPodContainers(uid);
    const instances = await Promise.all(list.map((c) => this.inspect(c.Id)));
    return groupInstances(
      uid,
      instances.filter((i): i is ContainerInstance => i !== undefined),
    );
  }

  async create(spec: Docker.ContainerCreateOptions): Promise<string> {
    return wrap(`creating container ${spec.name}`, async () => (await this.docker.createContainer(spec)).id);
  }

  async start(id: string, name: string): Promise<void> {
    await wrap(`starting container ${name}`, () => this.docker.getContainer(id).start());
  }

  /** SIGTERM (the image's stop signal), SIGKILL after `graceSeconds`. Already stopped or gone is fine. */
  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: stopTimeoutSeconds(graceSeconds) });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code === 304 || code === 404) return;
      throw new RuntimeError(`stopping container ${id.slice(0, 12)}`, err);
    }
  }

  async remove(id: string): Promise<void> {
    this.finished.delete(id);
    try {
      // v: true removes anonymous volumes an image declares (VOLUME); named pod volumes are kept, as dockershim did.
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      if (isNotFound(err) || /removal of container .* is already in progress/.test(dockerMessage(err))) return;
      throw new RuntimeError(`removing container ${id.slice(0, 12)}`, err);
    }
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<string> {
    return wrap(`creating volume ${name}`, async () => {
      const existing = await this.docker
        .getVolume(name)
        .inspect()
        .catch((err) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
      if (existing) return existing.Mountpoint;
      await this.docker.createVolume({ Name: name, Labels: labels });
      return (await this.docker.getVolume(name).inspect()).Mountpoint;
    });
  }

  async listVolumes(uid?: string): Promise<{ name: string; uid: string }[]> {
    const res = await wrap('listing pod volumes', () => this.docker.listVolumes({ filters: podVolumeFilter(this.owner, uid) }));
    return (res.Volumes ?? []).map((v) => ({ name: v.Name, uid: v.Labels?.[LABEL.podUid] ?? '' }));
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove();
    } catch (err) {
      if (isNotFound(err)) return;
      throw new RuntimeError(`removing volume ${name}`, err);
    }
  }

  async putArchive(id: string, path: string, archive: Buffer): Promise<void> {
    await wrap(`writing files to ${path} in container ${id.slice(0, 12)}`, () =>
      this.docker.getContainer(id).putArchive(archive, { path }),
    );
  }

  async exec(id: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const container = this.docker.getContainer(id);
    const exec = await wrap(`exec in container ${id.slice(0, 12)}`, () =>
      container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true }),
    );
    const stream = await wrap(`exec in container ${id.slice(0, 12)}`, () => exec.start({ hijack: true, stdin: false }));
    const chunks: Buffer[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (b: Buffer) => chunks.push(b));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([done.then(() => 'done' as const), timeout]).finally(() => clearTimeout(timer));
    if (result === 'timeout') {
      stream.destroy();
      throw new Error(`command ${JSON.stringify(cmd)} timed out after ${timeoutMs}ms`);
    }
    const info = await wrap(`exec in container ${id.slice(0, 12)}`, () => exec.inspect());
    return { exitCode: info.ExitCode ?? -1, output: demuxText(Buffer.concat(chunks), { lenient: true }) };
  }

  async imageId(ref: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Id;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new RuntimeError(`inspecting image ${ref}`, err);
    }
  }

  async pull(ref: string, signal: AbortSignal): Promise<void> {
    const stream = await this.docker.pull(ref, { abortSignal: signal });
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
      signal.addEventListener('abort', () => reject(new Error('pull timed out')), { once: true });
    });
  }
}
