// Writes pod status through the status subresource, only when it changed: compared with what the API has
// (the informer's copy) and with what this agent last wrote, so an informer lagging behind does not cause
// the same status to be sent twice.
import { stableJson, StatusError, type Pod, type PodStatus } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { PODS } from './resources';

/** A merge patch replacing `old` by `next`: keys that disappeared are set to null. */
export function statusPatch(old: PodStatus | undefined, next: PodStatus): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...next };
  for (const k of Object.keys(old ?? {})) if (!(k in next)) patch[k] = null;
  return patch;
}

const LAG_MS = 30_000;

export class StatusManager {
  private readonly written = new Map<string, { text: string; at: number }>();

  constructor(
    private readonly client: KubeClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns true when it wrote. NotFound (the pod was just deleted) is not an error. */
  async write(pod: Pod, status: PodStatus): Promise<boolean> {
    const uid = pod.metadata.uid ?? '';
    const text = stableJson(status);
    const last = this.written.get(uid);
    // Trust our own last write only briefly: if the API still disagrees after that, write again.
    const recent = last && last.text === text && this.now() - last.at < LAG_MS;
    if (recent || text === stableJson(pod.status ?? {})) return false;
    try {
      await this.client.patch(PODS, pod.metadata.name!, { status: statusPatch(pod.status, status) }, pod.metadata.namespace, 'status');
    } catch (err) {
      if (err instanceof StatusError && err.reason === 'NotFound') return false;
      throw new Error(`writing status of pod ${pod.metadata.namespace}/${pod.metadata.name}: ${(err as Error).message}`);
    }
    this.written.set(uid, { text, at: this.now() });
    return true;
  }

  forget(uid: string): void {
    this.written.delete(uid);
  }
}
