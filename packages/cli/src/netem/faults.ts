// Network faults on purpose (issue 15 item 2): where a target's network namespace is, what is recorded about
// it, and the helper containers that carry it out. The record is an annotation on the Pod or Node itself, so
// `describe` shows it, a pod's record dies with the pod (as its namespace does), and `netem show`, the UI and
// trace read one place. Nothing runs in a pod's own containers: a throwaway helper of the node image joins
// the pod's pause container (NET_ADMIN in that namespace only), as `kubelab capture` does.
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { DOCKER_LABEL, demuxFrames, resolveResource, type KubeObject, type Node, type Pod } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { CliError } from '../errors';
import { createHelper, execText, HELPER_ROLE, nodeContainer, pauseContainer } from '../inspect/node-docker';
import { resolvePod } from '../commands/pod-ref';
import type { Io } from '../command-kit';
import { NFQ_NETEM_PL } from './nfq-netem';
import { netemScript, partitionScript, type NetemEntry, type PartitionPeer } from './netem-spec';

export const NETEM_ANNOTATION = 'kubelab.io/netem';
export const PARTITION_ANNOTATION = 'kubelab.io/partition';

export interface Endpoint {
  kind: 'pod' | 'node';
  /** "pod default/web" or "node kubelab-worker": how records and output name it. */
  ref: string;
  namespace?: string;
  name: string;
  ip: string;
  /** A node's pod CIDR (its pods' traffic crosses it). */
  podCIDR?: string;
  object: Pod | Node;
}

/** A recorded netem entry: the spec plus which endpoint the peer is, so a reset can undo both halves. */
export interface RecordedEntry extends NetemEntry {
  peerRef?: string;
  /** How the helper carries it out: "tc", or "emulated: <what tc said>" (netem-spec.ts). */
  mechanism?: string;
}

/** The mechanism from the helper's ready line, "netem: installed (tc)" / "(emulated: ...)". */
export function mechanismOf(output: string): string | undefined {
  return /netem: installed \((.*)\)/.exec(output)?.[1];
}

const nodesRes = () => resolveResource('nodes')!;
const podsRes = () => resolveResource('pods')!;

function nodeEndpoint(n: Node): Endpoint {
  const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) throw new CliError(`node ${n.metadata.name} has no InternalIP yet`);
  return { kind: 'node', ref: `node ${n.metadata.name}`, name: n.metadata.name!, ip, podCIDR: n.spec?.podCIDR, object: n };
}

function podEndpoint(p: Pod): Endpoint {
  const ns = p.metadata.namespace ?? 'default';
  const ip = p.status?.podIP;
  if (!ip) throw new CliError(`pod ${ns}/${p.metadata.name} has no IP yet (is it running?)`);
  return { kind: 'pod', ref: `pod ${ns}/${p.metadata.name}`, namespace: ns, name: p.metadata.name!, ip, object: p };
}

/** `node/NAME`, a bare node name, `pod/NAME`, `deploy/NAME` or a bare pod name (in `namespace`). */
export async function resolveEndpoint(client: KubeClient, ref: string, namespace: string, io: Io): Promise<Endpoint> {
  if (ref.startsWith('node/') || ref.startsWith('nodes/') || ref.startsWith('no/'))
    return nodeEndpoint(await client.get<Node>(nodesRes(), ref.slice(ref.indexOf('/') + 1)));
  if (!ref.includes('/')) {
    const node = await client.get<Node>(nodesRes(), ref).catch(() => undefined);
    if (node) return nodeEndpoint(node);
  }
  return podEndpoint(await resolvePod(client, ref, namespace, io));
}

/** An endpoint from its record ref ("pod ns/name", "node name"); undefined when it is gone. */
export async function endpointByRef(client: KubeClient, ref: string): Promise<Endpoint | undefined> {
  const [kind, id] = ref.split(' ');
  try {
    if (kind === 'node') return nodeEndpoint(await client.get<Node>(nodesRes(), id));
    const [ns, name] = id.split('/');
    return podEndpoint(await client.get<Pod>(podsRes(), name, ns));
  } catch {
    return undefined;
  }
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  try {
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

export const netemOf = (o: KubeObject): RecordedEntry[] => parseJson(o.metadata.annotations?.[NETEM_ANNOTATION], []);
export const partitionsOf = (o: KubeObject): (PartitionPeer & { ref: string })[] =>
  parseJson(o.metadata.annotations?.[PARTITION_ANNOTATION], []);

export async function annotate(client: KubeClient, e: Endpoint, key: string, value: unknown[] | undefined): Promise<void> {
  const v = value?.length ? JSON.stringify(value) : null;
  const patch = { metadata: { annotations: { [key]: v } } };
  e.object = await client.patch(e.kind === 'pod' ? podsRes() : nodesRes(), e.name, patch, e.namespace);
}

/** The container whose network namespace is the endpoint's. */
async function namespaceHolder(docker: Docker, cluster: string, e: Endpoint): Promise<string> {
  return e.kind === 'pod' ? pauseContainer(docker, cluster, e.namespace!, e.name) : nodeContainer(docker, cluster, e.name);
}

/** The interface that carries the endpoint's traffic: a pod's eth0, a node's interface on the node network. */
async function egressInterface(docker: Docker, holder: string, e: Endpoint): Promise<string> {
  if (e.kind === 'pod') return 'eth0';
  const out = await execText(docker, holder, ['ip', '-o', '-4', 'addr', 'show']);
  const line = out.split('\n').find((l) => l.includes(` ${e.ip}/`));
  const dev = line?.split(/\s+/)[1];
  if (!dev) throw new CliError(`no interface with ${e.ip} in node ${e.name}`);
  return dev.replace(/@.*$/, '');
}

const purposeOf = (e: Endpoint): string => `netem ${e.ref}`;

/** The netem helpers of the cluster (optionally of one endpoint), running or not. */
export async function netemHelpers(docker: Docker, cluster: string, e?: Endpoint): Promise<Docker.ContainerInfo[]> {
  const label = [`${DOCKER_LABEL.cluster}=${cluster}`, `${DOCKER_LABEL.role}=${HELPER_ROLE}`];
  if (e) label.push(`kubelab.helper.purpose=${purposeOf(e)}`);
  const list = await docker.listContainers({ all: true, filters: { label } });
  return list.filter((c) => c.Labels['kubelab.helper.purpose']?.startsWith('netem '));
}

export async function removeHelpers(docker: Docker, list: Docker.ContainerInfo[]): Promise<void> {
  await Promise.all(
    list.map(async (c) => {
      const h = docker.getContainer(c.Id);
      // docker stop: SIGTERM, the helper takes its chain out before it exits.
      if (c.State === 'running') await h.stop({ t: 5 }).catch(() => undefined);
      await h.remove({ force: true }).catch(() => undefined);
      // An AutoRemove helper may still be mid-removal (remove answered 409): wait until it is gone.
      await h.wait({ condition: 'removed' }).catch(() => undefined);
    }),
  );
}

async function logsOf(h: Docker.Container): Promise<string> {
  const buf = (await h.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  return demuxFrames(buf).map(String).join('');
}

/**
 * Replaces the endpoint's netem helper with one carrying `entries` (none: just removes it); answers how it
 * carries them out (mechanismOf).
 */
export async function applyNetem(docker: Docker, cluster: string, e: Endpoint, entries: NetemEntry[]): Promise<string | undefined> {
  await removeHelpers(docker, await netemHelpers(docker, cluster, e));
  if (entries.length === 0) return undefined;
  const holder = await namespaceHolder(docker, cluster, e);
  const iface = await egressInterface(docker, holder, e);
  const h = await createHelper(docker, {
    cluster,
    joins: holder,
    purpose: purposeOf(e),
    cmd: ['sh', '-c', netemScript(entries, iface), 'netem', NFQ_NETEM_PL],
    capAdd: ['NET_ADMIN', 'NET_RAW'],
    // Its loop ends when a deleted pod's interface goes away; Docker then removes it (no exited leftovers).
    autoRemove: true,
  });
  // Output and exit are read through attach and wait, set up before start: an exited helper is gone at once.
  // Both are closed on return, or the long-lived helper's open streams would keep the CLI from exiting.
  let raw = Buffer.alloc(0);
  const out = (await h.attach({ stream: true, stdout: true, stderr: true })) as unknown as Duplex;
  out.on('data', (b: Buffer) => (raw = Buffer.concat([raw, b])));
  out.on('error', () => undefined);
  const stopWaiting = new AbortController();
  let exit: number | undefined;
  const exited = h
    .wait({ condition: 'next-exit', abortSignal: stopWaiting.signal })
    .then((r: { StatusCode: number }) => (exit = r.StatusCode))
    .catch(() => (exit = -1));
  const text = (): string => demuxFrames(raw).map(String).join('');
  try {
    await h.start();
    for (let i = 0; i < 100; i++) {
      const mechanism = mechanismOf(text());
      if (mechanism) return mechanism;
      if (exit !== undefined) {
        await new Promise((r) => setTimeout(r, 50)); // the last output may trail the exit
        throw new CliError(`netem on ${e.ref} failed: ${text().trim() || `exit ${exit}`}`);
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
    }
    await removeHelpers(docker, [{ Id: h.id, State: 'running' } as Docker.ContainerInfo]);
    throw new CliError(`netem on ${e.ref}: the helper did not report ready within 10s`);
  } finally {
    stopWaiting.abort();
    out.destroy();
  }
}

/** Rewrites the endpoint's partition chain to drop exactly `peers` (none: removes the chain). */
export async function applyPartition(docker: Docker, cluster: string, e: Endpoint, peers: PartitionPeer[]): Promise<void> {
  const holder = await namespaceHolder(docker, cluster, e);
  const hooks = e.kind === 'pod' ? ['INPUT', 'OUTPUT'] : ['INPUT', 'OUTPUT', 'FORWARD'];
  const h = await createHelper(docker, {
    cluster,
    joins: holder,
    purpose: `partition ${e.ref}`,
    cmd: ['sh', '-c', partitionScript(peers, hooks)],
    capAdd: ['NET_ADMIN', 'NET_RAW'],
  });
  try {
    await h.start();
    const exit = (await h.wait()) as { StatusCode: number };
    if (exit.StatusCode !== 0) throw new CliError(`partition on ${e.ref} failed: ${(await logsOf(h)).trim()}`);
  } finally {
    await h.remove({ force: true }).catch(() => undefined);
  }
}

/** The addresses that stand for an endpoint when another is cut off from it. */
export function partitionPeer(e: Endpoint): PartitionPeer & { ref: string } {
  return { ref: e.ref, name: e.ref, addresses: e.kind === 'node' && e.podCIDR ? [e.ip, e.podCIDR] : [e.ip] };
}
