// Reading a cluster's credentials (pki/ on its state volume) through the control-plane container with the
// Docker archive API, apart from credentials.ts so that this needs neither dockerode nor the API client: the CLI
// starts it while its command's code still loads.
import { dockerMessage, isStatus } from './docker-util';
import { containerArchive } from './engine-api';
import { nodeNames, STATE_DIR } from './names';
import { parseTokens, PKI_DIR } from './pki-tokens';
import type { ClusterInfo } from './types';

export interface ClusterCredentials {
  /** PEM of the cluster CA. */
  ca: string;
  adminToken: string;
  nodeTokens: Record<string, string>;
}

/** Files of a tar stream (regular files only), by path. */
export function readTar(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  const str = (o: number, n: number): string =>
    buf
      .subarray(o, o + n)
      .toString('utf8')
      .replace(/\0.*$/s, '');
  while (off + 512 <= buf.length) {
    const name = str(off, 100);
    if (!name) break;
    const size = Number.parseInt(str(off + 124, 12).trim() || '0', 8);
    const type = str(off + 156, 1);
    const prefix = str(off + 345, 155);
    const full = prefix ? `${prefix}/${name}` : name;
    if (type === '0' || type === '') out.set(full, buf.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function controlPlaneId(info: ClusterInfo): string | undefined {
  return info.nodes.find((n) => n.role === 'control-plane')?.containerId;
}

const cache = new Map<string, Promise<ClusterCredentials | undefined>>();

/** Reads pki/ from a (running or stopped) control-plane container; undefined when it has none (a pre-auth cluster). */
export async function readCredentials(containerId: string): Promise<ClusterCredentials | undefined> {
  let tar: Buffer;
  try {
    tar = await containerArchive(containerId, `${STATE_DIR}/${PKI_DIR}`);
  } catch (err) {
    if (isStatus(err, 404)) return undefined;
    throw new Error(`reading the cluster credentials from ${containerId.slice(0, 12)}: ${dockerMessage(err)}`);
  }
  const files = readTar(tar);
  const ca = files.get(`${PKI_DIR}/ca.crt`)?.toString('utf8');
  const tokens = parseTokens(files.get(`${PKI_DIR}/tokens.csv`)?.toString('utf8') ?? '');
  if (!ca || !tokens.adminToken) return undefined;
  return { ca, adminToken: tokens.adminToken, nodeTokens: tokens.nodeTokens };
}

const prefetched = new Map<string, Promise<ClusterCredentials | undefined>>();

/**
 * Starts reading cluster `name`'s credentials from its control-plane container, addressed by its name (kind's
 * naming, which `cluster up` and compose.yaml both use), before findCluster has answered: the CLI's two
 * Docker calls overlap. clusterCredentials takes the result for a cluster whose control plane has that name.
 */
export function prefetchCredentials(name: string): void {
  const controlPlane = nodeNames(name, 0)[0];
  if (prefetched.has(controlPlane)) return;
  const read = readCredentials(controlPlane);
  read.catch(() => undefined);
  prefetched.set(controlPlane, read);
}

/** The cluster's admin credentials (cached per control-plane container for this process). */
export function clusterCredentials(info: ClusterInfo): Promise<ClusterCredentials | undefined> {
  const id = controlPlaneId(info);
  if (!id) return Promise.resolve(undefined);
  let found = cache.get(id);
  if (!found) {
    const early = prefetched.get(info.nodes.find((n) => n.role === 'control-plane')?.name ?? '');
    found = early
      ? early.then(
          (creds) => creds ?? readCredentials(id),
          () => readCredentials(id),
        )
      : readCredentials(id);
    cache.set(id, found);
    found.catch(() => cache.delete(id));
  }
  return found;
}
