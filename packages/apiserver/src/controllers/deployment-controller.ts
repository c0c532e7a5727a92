// The Deployment controller (pkg/controller/deployment): one ReplicaSet per pod template, named
// `<deployment>-<pod-template-hash>`; a template change rolls pods from the old ReplicaSets to the new one
// (RollingUpdate within maxSurge / maxUnavailable, or Recreate), one step per sync, each step's writes
// triggering the next sync. Old ReplicaSets stay, scaled to 0, up to revisionHistoryLimit.
import type { Logger } from 'pino';
import { rfc3339, StatusError, type Deployment, type Pod, type ReplicaSet } from '@kubelab/api';
import type { ObjectService } from '../registry/object-service';
import { resourceKey } from '../registry/strategy';
import { deploymentStrategy, podStrategy, replicaSetStrategy } from '../registry/workload-kinds';
import {
  deploymentStatus,
  fenceposts,
  hashLabel,
  newReplicaSetSize,
  oldReplicaSetSizes,
  revisionAnnotation,
  sameTemplate,
  setCondition,
  templateHash,
} from './deployment-rollout';
import type { EventRecorder } from './events';
import { claim, controllerReference, ownerReferencesAfter } from './ownership';
import { podChangeConcernsController } from './pod-util';
import type { ControllerTiming } from './replicaset-controller';
import { SyncLoop, syncEach } from './sync-loop';

const component = 'deployment-controller';
const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
// deploymentutil annotationsToSkip: what is not copied from a Deployment to its ReplicaSets.
const notCopied = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/** copyDeploymentAnnotationsToReplicaSet: kubernetes.io/change-cause and the user's own annotations. */
function copiedAnnotations(d: Deployment): Record<string, string> {
  return Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !notCopied.has(k)));
}

/**
 * SetNewReplicaSetAnnotations: the Deployment's annotations copied, the revision raised to `rev`, and, when an
 * old ReplicaSet comes back (rollout undo), its earlier revisions kept in revision-history. Undefined when
 * nothing changes.
 */
export function newReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, rev: number): Record<string, string> | undefined {
  const before = rs.metadata.annotations ?? {};
  const next: Record<string, string> = { ...before, ...copiedAnnotations(d) };
  const old = revision(rs);
  if (old < rev) {
    next[revisionAnnotation] = String(rev);
    if (before[revisionAnnotation]) {
      const history = before[revisionHistoryAnnotation];
      next[revisionHistoryAnnotation] = history ? `${history},${old}` : String(old);
    }
  }
  const changed = Object.keys(next).some((k) => next[k] !== before[k]);
  return changed ? next : undefined;
}
const revision = (rs: ReplicaSet): number => Number(rs.metadata.annotations?.[revisionAnnotation] ?? 0) || 0;
const replicasOf = (rs: ReplicaSet): number => rs.spec.replicas ?? 0;

export function startDeploymentController(
  service: ObjectService,
  recorder: EventRecorder,
  log: Logger,
  timing: ControllerTiming = {},
): () => void {
  const now = timing.now ?? (() => new Date());

  const scale = (d: Deployment, rs: ReplicaSet, to: number): void => {
    const from = replicasOf(rs);
    const annotations = {
      ...rs.metadata.annotations,
      'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas ?? 1),
      'deployment.kubernetes.io/max-replicas': String((d.spec.replicas ?? 1) + fenceposts(d).maxSurge),
    };
    service.patch(replicaSetStrategy, rs.metadata.namespace, rs.metadata.name!, { metadata: { annotations }, spec: { replicas: to } });
    if (from !== to)
      recorder.record(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} to ${to} from ${from}`,
        component,
      );
  };

  /** Creates the ReplicaSet of the current template; undefined after a hash collision (retried next sync). */
  const createNewRS = (d: Deployment, oldRSs: ReplicaSet[], rev: number): ReplicaSet | undefined => {
    const collisions = (d.status as { collisionCount?: number } | undefined)?.collisionCount ?? 0;
    const hash = templateHash(d.spec.template, collisions);
    const name = `${d.metadata.name}-${hash}`;
    const replicas = newReplicaSetSize(d, oldRSs, undefined);
    const labels = { ...d.spec.template.metadata?.labels, [hashLabel]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata.namespace,
        labels,
        annotations: {
          ...copiedAnnotations(d),
          [revisionAnnotation]: String(rev),
          'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas ?? 1),
          'deployment.kubernetes.io/max-replicas': String((d.spec.replicas ?? 1) + fenceposts(d).maxSurge),
        },
        ownerReferences: [controllerReference(d)],
      },
      spec: {
        replicas,
        minReadySeconds: d.spec.minReadySeconds ?? 0,
        selector: { ...d.spec.selector, matchLabels: { ...d.spec.selector.matchLabels, [hashLabel]: hash } },
        template: { ...structuredClone(d.spec.template), metadata: { ...d.spec.template.metadata, labels } },
      },
    };
    try {
      const created = service.create(replicaSetStrategy, d.metadata.namespace, rs).object as ReplicaSet;
      if (replicas > 0) recorder.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} to ${replicas} from 0`, component);
      return created;
    } catch (err) {
      if (!(err instanceof StatusError && err.reason === 'AlreadyExists')) throw err;
      // Someone else's ReplicaSet has our name: change the hash input, as Kubernetes' collisionCount does.
      const status = { ...d.status, collisionCount: collisions + 1 };
      service.update(deploymentStrategy, d.metadata.namespace, d.metadata.name!, { ...d, status }, 'status');
      return undefined;
    }
  };

  /** One RollingUpdate step; true when it changed something (its writes bring the next sync). */
  const rolling = (d: Deployment, newRS: ReplicaSet, oldRSs: ReplicaSet[]): boolean => {
    const want = d.spec.replicas ?? 1;
    if (replicasOf(newRS) > want) {
      scale(d, newRS, want);
      return true;
    }
    if (replicasOf(newRS) < want) {
      const size = newReplicaSetSize(d, [...oldRSs, newRS], newRS);
      if (size !== replicasOf(newRS)) {
        scale(d, newRS, size);
        return true;
      }
    }
    const sizes = oldReplicaSetSizes(
      d,
      oldRSs.filter((rs) => replicasOf(rs) > 0),
      newRS,
    );
    for (const rs of oldRSs) if (sizes.has(rs.metadata.name!)) scale(d, rs, sizes.get(rs.metadata.name!)!);
    return sizes.size > 0;
  };

  /** One Recreate step: all old pods gone before the new ReplicaSet grows. */
  const recreate = (d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], pods: Pod[], rev: number): boolean => {
    const active = oldRSs.filter((rs) => replicasOf(rs) > 0);
    for (const rs of active) scale(d, rs, 0);
    if (active.length) return true;
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    // oldPodsRunning: a Terminating pod still runs until its kubelet removed it (graceful deletion).
    const running = (p: Pod): boolean => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
    if (pods.some((p) => running(p) && p.metadata.ownerReferences?.some((r) => oldUids.has(r.uid)))) return false;
    if (!newRS) return !!createNewRS(d, oldRSs, rev);
    if (replicasOf(newRS) !== (d.spec.replicas ?? 1)) {
      scale(d, newRS, d.spec.replicas ?? 1);
      return true;
    }
    return false;
  };

  /** Old ReplicaSets at 0 beyond revisionHistoryLimit are deleted, lowest revision first. */
  const cleanup = (d: Deployment, oldRSs: ReplicaSet[]): void => {
    const cleanable = oldRSs
      .filter((rs) => replicasOf(rs) === 0 && (rs.status?.replicas ?? 0) === 0)
      .sort((a, b) => revision(a) - revision(b));
    const excess = cleanable.length - (d.spec.revisionHistoryLimit ?? 10);
    for (const rs of cleanable.slice(0, Math.max(0, excess))) service.delete(replicaSetStrategy, rs.metadata.namespace, rs.metadata.name!);
  };

  const ownedReplicaSets = (d: Deployment): ReplicaSet[] =>
    (service.list(replicaSetStrategy, d.metadata.namespace) as ReplicaSet[]).filter((rs) =>
      rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid),
    );

  const syncOne = (d: Deployment, pods: Pod[]): number | undefined => {
    const c = claim(d, d.spec.selector, service.list(replicaSetStrategy, d.metadata.namespace) as ReplicaSet[]);
    for (const rs of [...c.adopt, ...c.release]) {
      service.patch(replicaSetStrategy, rs.metadata.namespace, rs.metadata.name!, {
        metadata: { ownerReferences: ownerReferencesAfter(rs, d, c.adopt.includes(rs)) },
      });
    }
    let owned = ownedReplicaSets(d);
    let newRS = owned.find((rs) => sameTemplate(rs.spec.template, d.spec.template));
    const oldRSs = owned.filter((rs) => rs !== newRS);
    const rev = Math.max(0, ...oldRSs.map(revision)) + 1;
    const stamp = rfc3339(now());
    if (newRS) {
      const annotations = newReplicaSetAnnotations(d, newRS, rev);
      if (annotations || (newRS.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0)) {
        // Carry on with the written object: a later scale() patches annotations from it.
        newRS = service.patch(replicaSetStrategy, newRS.metadata.namespace, newRS.metadata.name!, {
          metadata: { annotations: annotations ?? newRS.metadata.annotations },
          spec: { minReadySeconds: d.spec.minReadySeconds ?? 0 },
        }).object as ReplicaSet;
      }
    }
    let changed = false;
    if (d.spec.paused) {
      // Paused: scaling only, no rollout.
      if (newRS && oldRSs.every((rs) => replicasOf(rs) === 0) && replicasOf(newRS) !== (d.spec.replicas ?? 1)) {
        scale(d, newRS, d.spec.replicas ?? 1);
        changed = true;
      }
    } else if (d.spec.strategy?.type === 'Recreate') {
      changed = recreate(d, newRS, oldRSs, pods, rev);
    } else if (!newRS) {
      changed = !!createNewRS(d, oldRSs, rev);
    } else changed = rolling(d, newRS, oldRSs);

    owned = ownedReplicaSets(d);
    const created = !newRS && owned.find((rs) => sameTemplate(rs.spec.template, d.spec.template));
    newRS = owned.find((rs) => sameTemplate(rs.spec.template, d.spec.template));
    let current = service.get(deploymentStrategy, d.metadata.namespace, d.metadata.name!) as Deployment;
    if (created) {
      const conditions = setCondition(
        current.status?.conditions ?? [],
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetCreated',
          message: `Created new replica set "${created.metadata.name}"`,
        },
        stamp,
        true,
      );
      current = { ...current, status: { ...current.status, conditions } };
    }
    const status = deploymentStatus(current, owned, newRS, stamp, now().getTime());
    if (!changed && newRS && status.updatedReplicas === (d.spec.replicas ?? 1) && status.availableReplicas === status.updatedReplicas)
      cleanup(
        d,
        owned.filter((rs) => rs !== newRS),
      );
    if (JSON.stringify(status) !== JSON.stringify(current.status ?? {}) || created) {
      current = service.update(deploymentStrategy, d.metadata.namespace, d.metadata.name!, { ...current, status }, 'status')
        .object as Deployment;
    }
    const wantRev = newRS?.metadata.annotations?.[revisionAnnotation];
    if (wantRev && current.metadata.annotations?.[revisionAnnotation] !== wantRev) {
      service.patch(deploymentStrategy, d.metadata.namespace, d.metadata.name!, {
        metadata: { annotations: { [revisionAnnotation]: wantRev } },
      });
    }
    // Wake up when the progress deadline passes, to report ProgressDeadlineExceeded.
    const progressing = status.conditions?.find((x) => x.type === 'Progressing');
    if (progressing?.status !== 'True' || progressing.reason === 'NewReplicaSetAvailable') return undefined;
    const left = Date.parse(progressing.lastUpdateTime ?? '') + (d.spec.progressDeadlineSeconds ?? 600) * 1000 - now().getTime();
    return Number.isFinite(left) ? Math.max(left, 0) + 1000 : undefined;
  };

  const sync = (): number | undefined => {
    const pods = service.list(podStrategy, undefined) as Pod[];
    // A Deployment being deleted (foreground) is the garbage collector's: no new ReplicaSets for it.
    const live = (service.list(deploymentStrategy, undefined) as Deployment[]).filter((d) => !d.metadata.deletionTimestamp);
    return syncEach(live, 'deployment', log, (d) =>
      syncOne(
        d,
        pods.filter((p) => p.metadata.namespace === d.metadata.namespace),
      ),
    );
  };

  const loop = new SyncLoop({ name: component, sync, log, delayMs: timing.delayMs, resyncMs: timing.resyncMs });
  const rsKey = resourceKey(replicaSetStrategy.info);
  const deployKey = resourceKey(deploymentStrategy.info);
  const podsKey = resourceKey(podStrategy.info);
  const exists = (uid: string): boolean => !!service.store.getByUid(uid);
  const unsubscribe = service.store.subscribe((e) => {
    // Pods matter only to Recreate (waiting for old pods to go); their changes reach us via RS status too.
    const pod = e.resource === podsKey && e.type === 'DELETED';
    if (e.resource === rsKey || e.resource === deployKey || (pod && podChangeConcernsController(e.object, exists))) loop.poke();
  });
  loop.poke();
  return () => {
    unsubscribe();
    loop.stop();
  };
}
