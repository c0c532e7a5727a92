// The kubelet's token manager (pkg/kubelet/token/token_manager.go): ServiceAccount tokens for projected
// volumes, requested through TokenRequest bound to the pod, cached, and requested again once 80% of their
// lifetime has passed (or after 24 h), so a mounted token is always valid and rotates in place.
import type { Pod } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';

export interface CachedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

const MAX_TTL_MS = 24 * 3600 * 1000;

/** Whether a cached token needs replacing at `now` (kubelet's requiresRefresh). */
export function requiresRefresh(t: CachedToken, now: number): boolean {
  if (now >= t.expiresAt) return true;
  const ttl = t.expiresAt - t.issuedAt;
  return now - t.issuedAt > ttl * 0.8 || now - t.issuedAt > MAX_TTL_MS;
}

export class TokenManager {
  private readonly cache = new Map<string, CachedToken>();

  constructor(
    private readonly client: KubeClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token for the pod's ServiceAccount, bound to the pod, for `audience` (the API server's when empty). */
  async podToken(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const uid = pod.metadata.uid!;
    const key = `${uid}/${audience ?? ''}/${expirationSeconds}`;
    const cached = this.cache.get(key);
    if (cached && !requiresRefresh(cached, this.now())) return cached.token;
    const ns = pod.metadata.namespace!;
    const sa = (pod.spec as { serviceAccountName?: string }).serviceAccountName || 'default';
    const path = `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}/token`;
    const body = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        ...(audience ? { audiences: [audience] } : {}),
        expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid },
      },
    };
    const issuedAt = this.now();
    const { object } = await this.client.raw<{ status: { token: string; expirationTimestamp: string } }>('POST', path, body);
    const t = { token: object.status.token, issuedAt, expiresAt: Date.parse(object.status.expirationTimestamp) };
    this.cache.set(key, t);
    return t.token;
  }

  forget(uid: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`${uid}/`)) this.cache.delete(k);
  }
}
