// How the CLI's look-inside commands (node iptables, capture, trace, doctor) reach a node's or a pod's
// network namespace: through the Docker engine the cluster runs on, by the labels kubelab writes (DESIGN.md
// §6). Only read-only commands run in node containers; anything in a pod's namespace runs in a throwaway
// helper container that joins it, so nothing is ever executed inside an untrusted pod's own containers.
import os from 'node:os';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { DOCKER_LABEL, demuxFrames } from '@kubelab/api';
import { CliError } from '../errors';

/** The running node container of `node` in `cluster`. */
export async function nodeContainer(docker: Docker, cluster: string, node: string): Promise<string> {
  const list = await docker.listContainers({
    filters: { label: [`${DOCKER_LABEL.cluster}=${cluster}`, `${DOCKER_LABEL.node}=${node}`] },
  });
  const found = list.find((c) => !c.Labels?.[DOCKER_LABEL.pod] && c.Labels?.[DOCKER_LABEL.role] !== HELPER_ROLE);
  if (!found)
    throw new CliError(
      `Error from server (NotFound): nodes "${node}" not found (no running node container in cluster "${cluster}")`,
      1,
      true,
    );
  return found.Id;
}

/** The running pause container of a pod: it owns the pod's network namespace. */
export async function pauseContainer(docker: Docker, cluster: string, namespace: string, pod: string): Promise<string> {
  const list = await docker.listContainers({
    filters: {
      label: [
        `${DOCKER_LABEL.cluster}=${cluster}`,
        `${DOCKER_LABEL.role}=pod`,
        `${DOCKER_LABEL.namespace}=${namespace}`,
        `${DOCKER_LABEL.pod}=${pod}`,
        `${DOCKER_LABEL.container}=POD`,
      ],
    },
  });
  if (!list[0]) throw new CliError(`pod ${namespace}/${pod} has no running sandbox (is it scheduled and started?)`);
  return list[0].Id;
}

/** Runs a command in a container; resolves with its exit code and its output (stdout and stderr together). */
export async function execIn(docker: Docker, id: string, cmd: string[]): Promise<{ code: number; out: string }> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { code: info.ExitCode ?? 0, out: demuxFrames(Buffer.concat(chunks)).map(String).join('') };
}

/** As execIn, failing with the command's output when it exits non-zero. */
export async function execText(docker: Docker, id: string, cmd: string[]): Promise<string> {
  const r = await execIn(docker, id, cmd);
  if (r.code) throw new CliError(`${cmd[0]} failed in ${id.slice(0, 12)}: ${r.out.trim()}`);
  return r.out;
}

/** Role label of the CLI's throwaway helper containers (capture, probes); `cluster down` removes them too. */
export const HELPER_ROLE = 'helper';

export interface HelperOptions {
  cluster: string;
  /** Container whose network namespace the helper joins. */
  joins: string;
  /** What it is for, as a label value (e.g. "capture pod default/web"). */
  purpose: string;
  cmd: string[];
  /** Capabilities it needs in that namespace (all others are dropped). */
  capAdd: string[];
  /** Docker removes it when it exits (HostConfig.AutoRemove): for long-lived helpers that may end on their own. */
  autoRemove?: boolean;
  /**
   * Lives only as long as the CLI that made it: the command runs under a shell that stops it (SIGTERM: a
   * background job ignores SIGINT) when the helper's stdin closes, which Docker does when the CLI's attach
   * connection ends (StdinOnce), killed or not; AutoRemove then removes it. Attach with `attachBound`; end
   * its stdin to stop it.
   */
  bound?: boolean;
}

/** Label of a bound helper: "hostname:pid" of the CLI process it belongs to (sweepStaleHelpers reads it). */
export const HELPER_OWNER_LABEL = 'kubelab.helper.owner';

/**
 * The command of a bound helper. A background job of a non-interactive shell reads /dev/null, so the
 * command gets that and the watcher reads the real stdin through fd 3; the helper exits with the
 * command's status.
 */
export function boundCommand(cmd: string[]): string[] {
  return ['sh', '-c', 'exec 3<&0; "$@" & c=$!; { cat <&3 >/dev/null; kill $c 2>/dev/null; } & wait $c', 'kubelab-helper', ...cmd];
}

/** Is the CLI process named by a helper's owner label gone (on this machine)? Other machines' helpers: no. */
export function ownerGone(owner: string | undefined, host: string, alive: (pid: number) => boolean): boolean {
  const m = /^(.*):(\d+)$/.exec(owner ?? '');
  if (!m || m[1] !== host) return false;
  return !alive(Number(m[2]));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the cluster's bound helpers whose CLI is gone (killed before it could remove them, on an engine
 * that missed the closed stream) or that stopped long ago: run before a capture or trace starts its own.
 */
export async function sweepStaleHelpers(docker: Docker, cluster: string): Promise<number> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${DOCKER_LABEL.cluster}=${cluster}`, `${DOCKER_LABEL.role}=${HELPER_ROLE}`, HELPER_OWNER_LABEL] },
  });
  // A helper another CLI has just created is not running yet: only a minute-old one that is not counts.
  const old = (c: Docker.ContainerInfo) => Date.now() / 1000 - c.Created > 60;
  const stale = list.filter((c) => ownerGone(c.Labels[HELPER_OWNER_LABEL], os.hostname(), pidAlive) || (c.State !== 'running' && old(c)));
  await Promise.all(
    stale.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  return stale.length;
}

/** A bound helper's stdin+output stream (hijacked attach); `stop()` ends its stdin, which stops the command. */
export async function attachBound(h: Docker.Container): Promise<{ stream: Duplex; stop: () => void }> {
  const stream = (await h.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
  stream.on('error', () => undefined);
  return { stream, stop: () => stream.end() };
}

/**
 * A throwaway container of the node image (it has tcpdump, ping, curl, nc) in another container's network
 * namespace, labelled so `cluster down` finds it if the CLI dies before removing it.
 */
export async function createHelper(docker: Docker, o: HelperOptions): Promise<Docker.Container> {
  return docker.createContainer({
    Image: await nodeImageOf(docker, o.cluster),
    Cmd: o.bound ? boundCommand(o.cmd) : o.cmd,
    Labels: {
      [DOCKER_LABEL.cluster]: o.cluster,
      [DOCKER_LABEL.role]: HELPER_ROLE,
      'kubelab.helper.purpose': o.purpose,
      ...(o.bound ? { [HELPER_OWNER_LABEL]: `${os.hostname()}:${process.pid}` } : {}),
    },
    AttachStdout: true,
    AttachStderr: true,
    ...(o.bound ? { AttachStdin: true, OpenStdin: true, StdinOnce: true } : {}),
    Tty: false,
    HostConfig: {
      // "host": the machine's own network namespace (a probe from the host that Node cannot send, e.g. ping).
      NetworkMode: o.joins === 'host' ? 'host' : `container:${o.joins}`,
      CapDrop: ['ALL'],
      // KILL: the watcher must signal a command that gave up root (tcpdump runs as its own user); the helper
      // has its own PID namespace, so that reaches nothing else.
      CapAdd: o.bound ? [...o.capAdd, 'KILL'] : o.capAdd,
      AutoRemove: o.autoRemove || o.bound,
    },
  });
}

/** The image the cluster's nodes run (pods may run any image; the node image has the network tools). */
async function nodeImageOf(docker: Docker, cluster: string): Promise<string> {
  const list = await docker.listContainers({ filters: { label: [`${DOCKER_LABEL.cluster}=${cluster}`, `${DOCKER_LABEL.nodeIndex}`] } });
  const node = list.find((c) => !c.Labels?.[DOCKER_LABEL.pod]);
  if (!node) throw new CliError(`cluster "${cluster}" has no running node container`);
  return node.ImageID;
}
