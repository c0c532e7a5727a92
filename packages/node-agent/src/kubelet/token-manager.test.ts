import { describe, expect, it } from 'vitest';
import type { Pod } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { requiresRefresh, TokenManager } from './token-manager';

describe('kubelet token manager', () => {
  it('renews after 80% of the lifetime, or at expiry, as the kubelet does', () => {
    const t = { token: 'x', issuedAt: 0, expiresAt: 3600_000 };
    expect(requiresRefresh(t, 2000_000)).toBe(false);
    expect(requiresRefresh(t, 2881_000)).toBe(true);
    expect(requiresRefresh(t, 3600_000)).toBe(true);
  });

  it('asks TokenRequest for a token bound to the pod, and caches it', async () => {
    const calls: { path: string; body: unknown }[] = [];
    let now = 0;
    const client = {
      raw: async (_m: string, path: string, body: unknown) => {
        calls.push({ path, body });
        return {
          object: { status: { token: `t${calls.length}`, expirationTimestamp: new Date(now + 3600_000).toISOString() } },
          warnings: [],
        };
      },
    } as unknown as KubeClient;
    const tm = new TokenManager(client, () => now);
    const pod = {
      metadata: { name: 'web', namespace: 'lab', uid: 'u1' },
      spec: { serviceAccountName: 'robot', containers: [] },
    } as unknown as Pod;
    expect(await tm.podToken(pod, undefined, 3607)).toBe('t1');
    expect(await tm.podToken(pod, undefined, 3607)).toBe('t1');
    expect(calls).toEqual([
      {
        path: '/api/v1/namespaces/lab/serviceaccounts/robot/token',
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'u1' } },
        },
      },
    ]);
    now = 3000_000;
    expect(await tm.podToken(pod, undefined, 3607)).toBe('t2');
    tm.forget('u1');
    expect(await tm.podToken(pod, undefined, 3607)).toBe('t3');
  });
});
