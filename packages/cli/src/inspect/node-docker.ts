// How the CLI's look-inside commands (node iptables, capture, trace, doctor) reach a node's or a pod's
// network namespace: through the Docker engine the cluster runs on, by the labels kubelab writes (DESIGN.md
// §6). Only read-only commands run in node containers; anything in a pod's namespace runs in a throwaway
// helper container that joins it, so nothing is ever executed inside an untrusted pod's own containers.
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
}

/**
 * A throwaway container of the node image (it has tcpdump, ping, curl, nc) in another container's network
 * namespace, labelled so `cluster down` finds it if the CLI dies before removing it.
 */
export async function createHelper(docker: Docker, o: HelperOptions): Promise<Docker.Container> {
  return docker.createContainer({
    Image: await nodeImageOf(docker, o.cluster),
    Cmd: o.cmd,
    Labels: { [DOCKER_LABEL.cluster]: o.cluster, [DOCKER_LABEL.role]: HELPER_ROLE, 'kubelab.helper.purpose': o.purpose },
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: { NetworkMode: `container:${o.joins}`, CapDrop: ['ALL'], CapAdd: o.capAdd, AutoRemove: o.autoRemove },
  });
}

/** The image the cluster's nodes run (pods may run any image; the node image has the network tools). */
async function nodeImageOf(docker: Docker, cluster: string): Promise<string> {
  const list = await docker.listContainers({ filters: { label: [`${DOCKER_LABEL.cluster}=${cluster}`, `${DOCKER_LABEL.nodeIndex}`] } });
  const node = list.find((c) => !c.Labels?.[DOCKER_LABEL.pod]);
  if (!node) throw new CliError(`cluster "${cluster}" has no running node container`);
  return node.ImageID;
}
