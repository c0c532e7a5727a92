// Reading Docker back in end-to-end tests: what exists under a cluster's label, and commands run inside
// containers (as `docker exec` would).
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';

export const docker = new Docker();

export async function labelled(cluster: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filters = { label: [`kubelab.cluster=${cluster}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.map((c) => c.Names[0]).sort(),
    networks: networks.map((n) => n.Name).sort(),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name).sort(),
  };
}

export async function execIn(container: string, cmd: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const exec = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  docker.modem.demuxStream(stream, out, err);
  await new Promise((resolve) => stream.on('end', resolve));
  const info = await exec.inspect();
  return { stdout, stderr, code: info.ExitCode ?? -1 };
}

/** Polls until `check` returns a value (not undefined/false), or fails naming what it waited for. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
