import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '@kubelab/api';
import { newReplicaSetAnnotations } from './deployment-controller';
import { deploymentStatus, fenceposts, newReplicaSetSize, oldReplicaSetSizes, sameTemplate, templateHash } from './deployment-rollout';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubelab/echo:latest' }] } };

function deployment(replicas: number, maxSurge?: number | string, maxUnavailable?: number | string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
    },
  };
}

function rs(name: string, replicas: number, available: number, created = '2026-01-01T00:00:00Z'): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, creationTimestamp: created },
    spec: { replicas, selector: {}, template },
    status: { replicas, availableReplicas: available, readyReplicas: available },
  };
}

describe('rollout arithmetic', () => {
  it('rounds surge up and unavailable down, and never lets both be 0', () => {
    expect(fenceposts(deployment(3, '25%', '25%'))).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(fenceposts(deployment(10, '25%', '25%'))).toEqual({ maxSurge: 3, maxUnavailable: 2 });
    expect(fenceposts(deployment(3, 0, '10%'))).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(fenceposts(deployment(4, 2, 1))).toEqual({ maxSurge: 2, maxUnavailable: 1 });
  });

  it('hashes templates stably, ignoring key order and the hash label', () => {
    const h = templateHash(template);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(templateHash({ spec: template.spec, metadata: { labels: { app: 'web', 'pod-template-hash': h } } })).toBe(h);
    expect(templateHash(template, 1)).not.toBe(h);
    expect(sameTemplate(template, { ...template, spec: { containers: [{ name: 'web', image: 'kubelab/echo:v2' }] } })).toBe(false);
  });

  it('grows the new ReplicaSet within maxSurge', () => {
    const d = deployment(4, 1, 1);
    expect(newReplicaSetSize(d, [rs('old', 4, 4)], undefined)).toBe(1);
    expect(newReplicaSetSize(d, [rs('old', 3, 3), rs('new', 1, 0)], rs('new', 1, 0))).toBe(2);
    expect(newReplicaSetSize(d, [rs('old', 4, 4), rs('new', 1, 0)], rs('new', 1, 0))).toBe(1);
  });

  it('shrinks old ReplicaSets only while replicas - maxUnavailable stay available', () => {
    const d = deployment(4, 1, 1);
    expect(oldReplicaSetSizes(d, [rs('old', 4, 4)], rs('new', 1, 0))).toEqual(new Map([['old', 3]]));
    expect(oldReplicaSetSizes(d, [rs('old', 3, 3)], rs('new', 2, 0))).toEqual(new Map());
    // Status lagging behind a scale-down must not let a second cut through.
    const lagging = { ...rs('old', 2, 2), status: { replicas: 3, availableReplicas: 3 } };
    expect(oldReplicaSetSizes(d, [lagging], rs('new', 2, 1))).toEqual(new Map());
    expect(oldReplicaSetSizes(d, [lagging], rs('new', 2, 2))).toEqual(new Map([['old', 1]]));
    // Unavailable old pods go first.
    expect(oldReplicaSetSizes(d, [rs('a', 2, 0, '2026-01-01T00:00:00Z'), rs('b', 2, 2, '2026-01-02T00:00:00Z')], rs('new', 1, 1))).toEqual(
      new Map([['a', 0]]),
    );
  });

  it('reports Available and Progressing with Kubernetes reasons', () => {
    const d = deployment(2, '25%', '25%');
    const done = deploymentStatus(d, [rs('web-abc', 2, 2)], rs('web-abc', 2, 2), '2026-01-01T00:00:00Z', 0);
    expect(done).toMatchObject({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(done.conditions).toEqual([
      expect.objectContaining({
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      }),
      expect.objectContaining({
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: 'ReplicaSet "web-abc" has successfully progressed.',
      }),
    ]);
    const starting = deploymentStatus(d, [rs('web-abc', 2, 0)], rs('web-abc', 2, 0), '2026-01-01T00:00:00Z', 0);
    expect(starting.unavailableReplicas).toBe(2);
    expect(starting.conditions).toEqual([
      expect.objectContaining({ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }),
      expect.objectContaining({
        type: 'Progressing',
        status: 'True',
        reason: 'ReplicaSetUpdated',
        message: 'ReplicaSet "web-abc" is progressing.',
      }),
    ]);
  });

  // A typed client (client-go, kubectl rollout undo) sends the template back with Go's zero values spelled out;
  // EqualIgnoreHash compares semantically, so it is the same template and the same ReplicaSet.
  it('treats a typed round trip of the template as the same template, with the same hash', () => {
    const roundTrip = {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'kubelab/echo:latest', resources: {}, env: [] }], securityContext: {} },
    };
    expect(sameTemplate(template, roundTrip as never)).toBe(true);
    expect(templateHash(roundTrip as never)).toBe(templateHash(template));
    const withVolume = (v: Record<string, unknown>) => ({ ...template, spec: { ...template.spec, volumes: [{ name: 'v', ...v }] } });
    expect(sameTemplate(withVolume({ emptyDir: {} }) as never, withVolume({}) as never)).toBe(false);
  });

  // deploymentutil.MaxUnavailable is 0 for Recreate: `kubectl wait --for=condition=Available` must wait.
  it('a Recreate Deployment is Available only when all replicas are', () => {
    const d: Deployment = { ...deployment(2), spec: { ...deployment(2).spec, strategy: { type: 'Recreate' } } };
    const none = deploymentStatus(d, [rs('web-abc', 2, 0)], rs('web-abc', 2, 0), '2026-01-01T00:00:00Z', 0);
    expect(none.conditions).toContainEqual(expect.objectContaining({ type: 'Available', status: 'False' }));
    const all = deploymentStatus(d, [rs('web-abc', 2, 2)], rs('web-abc', 2, 2), '2026-01-01T00:00:00Z', 0);
    expect(all.conditions).toContainEqual(expect.objectContaining({ type: 'Available', status: 'True' }));
  });

  it('copies the change-cause to the new ReplicaSet and keeps old revisions on undo', () => {
    const d = deployment(2);
    d.metadata.annotations = {
      'kubernetes.io/change-cause': 'kubectl set image deploy/web web=v2',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'deployment.kubernetes.io/revision': '3',
    };
    const old = rs('web-abc', 0, 0);
    old.metadata.annotations = { 'deployment.kubernetes.io/revision': '1' };
    expect(newReplicaSetAnnotations(d, old, 3)).toEqual({
      'deployment.kubernetes.io/revision': '3',
      'deployment.kubernetes.io/revision-history': '1',
      'kubernetes.io/change-cause': 'kubectl set image deploy/web web=v2',
    });
    const settled = { ...old, metadata: { ...old.metadata, annotations: newReplicaSetAnnotations(d, old, 3) } };
    expect(newReplicaSetAnnotations(d, settled, 3)).toBeUndefined();
  });
});
