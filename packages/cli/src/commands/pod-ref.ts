// `POD`, `pod/NAME`, or a controller (`deploy/NAME`, `rs/NAME`) whose first pod kubectl would pick, for exec
// and logs. Errors are kubectl's, through the Docker lookups' own error type.
import { resolveResource, type KubeObject, type LabelSelector, type Pod } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import type { Io } from '../command-kit';
import { ContainerLookupError } from './container-choice';
import { CliError } from '../errors';
import { selectorString } from '@kubelab/api';
import { resolveOrThrow } from '../resource-args';

/**
 * kubectl's podutils.ByLogging preference for "the" pod of a controller: running before pending, ready before
 * not, then the oldest.
 */
export function pickPod(pods: Pod[]): Pod | undefined {
  const rank = (p: Pod): number => (p.status?.phase === 'Running' ? 0 : p.status?.phase === 'Pending' ? 1 : 2);
  const ready = (p: Pod): number => ((p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? 0 : 1);
  const created = (p: Pod): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return [...pods].sort((a, b) => rank(a) - rank(b) || ready(a) - ready(b) || created(a) - created(b))[0];
}

export async function resolvePod(client: KubeClient, ref: string, namespace: string, io: Io): Promise<Pod> {
  const pods = resolveResource('pods');
  if (!pods) throw new CliError('the server doesn\'t have a resource type "pods"');
  const slash = ref.indexOf('/');
  const type = slash >= 0 ? resolveOrThrow(ref.slice(0, slash)) : pods;
  const name = slash >= 0 ? ref.slice(slash + 1) : ref;
  if (type === pods) return client.get<Pod>(pods, name, namespace);
  const owner: KubeObject = await client.get(type, name, namespace);
  const selector = (owner.spec as { selector?: LabelSelector } | undefined)?.selector;
  if (!selector) throw new CliError(`cannot find the pods of ${type.kind.toLowerCase()}/${name}: it has no selector`);
  const found = (await client.list<Pod>(pods, namespace, { labelSelector: selectorString(selector) })).items;
  const pod = pickPod(found);
  if (!pod) throw new CliError(`no pods found for ${type.kind.toLowerCase()}/${name}`);
  if (found.length > 1) io.err(`Found ${found.length} pods, using pod/${pod.metadata.name}`);
  return pod;
}

/** ContainerLookupError in kubectl's two presentations. */
export function lookupError(err: unknown): unknown {
  if (!(err instanceof ContainerLookupError)) return err;
  return err.origin === 'server' ? new CliError(`Error from server (BadRequest): ${err.message}`, 1, true) : new CliError(err.message);
}
