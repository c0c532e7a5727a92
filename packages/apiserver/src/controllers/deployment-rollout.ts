// Pure rollout arithmetic of the Deployment controller (pkg/controller/deployment/util and rolling.go):
// the pod-template-hash, maxSurge / maxUnavailable resolution, how far the new ReplicaSet may grow and the
// old ones shrink in one step, and the status with its Available / Progressing conditions.
import type { Deployment, DeploymentCondition, PodTemplateSpec, ReplicaSet } from '@kubelab/api';
import { podTemplateHashLabel, sameTemplate, stableJson, templateIdentity } from '@kubelab/api';

export const hashLabel = podTemplateHashLabel;
export const revisionAnnotation = 'deployment.kubernetes.io/revision';
const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** fnv-1a (32 bit) of the template, rendered with rand.SafeEncodeString as Kubernetes renders its hash. */
export function templateHash(t: PodTemplateSpec, collisionCount = 0): string {
  let h = 0x811c9dc5;
  const text = stableJson(templateIdentity(t)) + (collisionCount ? `#${collisionCount}` : '');
  for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return [...String(h)].map((ch) => safeAlphabet[ch.charCodeAt(0) % safeAlphabet.length]).join('');
}

export { sameTemplate };

function resolve(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || !v.endsWith('%')) return 0;
  const exact = (Number.parseInt(v, 10) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** ResolveFenceposts: surge rounds up, unavailable down, and both 0 would deadlock so unavailable becomes 1. */
export function fenceposts(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === 'Recreate') return { maxSurge: 0, maxUnavailable: replicas };
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  const maxSurge = resolve(ru.maxSurge ?? '25%', replicas, true);
  let maxUnavailable = resolve(ru.maxUnavailable ?? '25%', replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

const specReplicas = (rs: ReplicaSet): number => rs.spec.replicas ?? 0;
/** Available pods a ReplicaSet can vouch for: never more than it is asked to keep (its status may lag). */
const available = (rs: ReplicaSet): number => Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs));
const sum = (list: ReplicaSet[], f: (rs: ReplicaSet) => number): number => list.reduce((n, rs) => n + f(rs), 0);

/** NewRSNewReplicas: the size the new ReplicaSet may have now (RollingUpdate bounded by maxSurge). */
export function newReplicaSetSize(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined): number {
  const replicas = d.spec.replicas ?? 1;
  const current = newRS ? specReplicas(newRS) : 0;
  if (d.spec.strategy?.type === 'Recreate') return replicas;
  const maxTotal = replicas + fenceposts(d).maxSurge;
  const total = sum(all, specReplicas);
  if (total >= maxTotal) return current;
  return current + Math.max(0, Math.min(maxTotal - total, replicas - current));
}

/**
 * reconcileOldReplicaSets: new spec.replicas of old ReplicaSets for this step (only the ones that change).
 * Unhealthy old pods go first, then healthy ones while availability stays at replicas - maxUnavailable.
 */
export function oldReplicaSetSizes(d: Deployment, oldRSs: ReplicaSet[], newRS: ReplicaSet): Map<string, number> {
  const out = new Map<string, number>();
  const all = [...oldRSs, newRS];
  if (sum(oldRSs, specReplicas) === 0) return out;
  const minAvailable = (d.spec.replicas ?? 1) - fenceposts(d).maxUnavailable;
  const newUnavailable = specReplicas(newRS) - available(newRS);
  let budget = sum(all, specReplicas) - minAvailable - newUnavailable;
  if (budget <= 0) return out;
  const oldestFirst = [...oldRSs].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
  const size = (rs: ReplicaSet): number => out.get(rs.metadata.name!) ?? specReplicas(rs);
  for (const rs of oldestFirst) {
    const unhealthy = size(rs) - available(rs);
    const cut = Math.min(budget, unhealthy);
    if (cut <= 0) continue;
    out.set(rs.metadata.name!, size(rs) - cut);
    budget -= cut;
  }
  const availableNow = oldRSs.reduce((n, rs) => n + Math.min(available(rs), size(rs)), 0) + available(newRS);
  let toCut = Math.min(availableNow - minAvailable, budget);
  for (const rs of oldestFirst) {
    if (toCut <= 0) break;
    const cut = Math.min(size(rs), toCut);
    if (cut <= 0) continue;
    out.set(rs.metadata.name!, size(rs) - cut);
    toCut -= cut;
  }
  return out;
}

export type DeploymentStatus = NonNullable<Deployment['status']> & { collisionCount?: number };

/** calculateStatus + syncRolloutStatus: counts from the ReplicaSets' status, and the two conditions. */
export function deploymentStatus(
  d: Deployment,
  all: ReplicaSet[],
  newRS: ReplicaSet | undefined,
  now: string,
  nowMs: number,
): DeploymentStatus {
  const old = (d.status ?? {}) as DeploymentStatus;
  const replicas = d.spec.replicas ?? 1;
  const counts = {
    replicas: sum(all, (rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum(all, (rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: sum(all, (rs) => rs.status?.availableReplicas ?? 0),
    unavailableReplicas: Math.max(0, sum(all, specReplicas) - sum(all, (rs) => rs.status?.availableReplicas ?? 0)),
  };
  const status: DeploymentStatus = { observedGeneration: d.metadata.generation };
  for (const [k, v] of Object.entries(counts)) if (v) (status as Record<string, number>)[k] = v;
  if (old.collisionCount) status.collisionCount = old.collisionCount;
  let conditions = old.conditions ?? [];
  // deploymentutil.MaxUnavailable: 0 unless RollingUpdate, so a Recreate Deployment is Available only with all
  // its replicas available.
  const maxUnavailable = d.spec.strategy?.type === 'Recreate' || replicas === 0 ? 0 : fenceposts(d).maxUnavailable;
  const minAvailable = replicas - maxUnavailable;
  conditions =
    counts.availableReplicas >= minAvailable
      ? setCondition(
          conditions,
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
          now,
        )
      : setCondition(
          conditions,
          {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
          },
          now,
        );
  const rsName = newRS?.metadata.name ?? '';
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (d.spec.paused) {
    conditions = setCondition(
      conditions,
      { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' },
      now,
    );
  } else if (
    !(
      counts.replicas === counts.updatedReplicas &&
      progressing?.reason === 'NewReplicaSetAvailable' &&
      progressing.message?.includes(`"${rsName}"`)
    )
  ) {
    const complete = counts.updatedReplicas === replicas && counts.replicas === replicas && counts.availableReplicas === replicas;
    const moved =
      counts.updatedReplicas > (old.updatedReplicas ?? 0) ||
      counts.readyReplicas > (old.readyReplicas ?? 0) ||
      counts.availableReplicas > (old.availableReplicas ?? 0) ||
      (old.replicas ?? 0) - (old.updatedReplicas ?? 0) > counts.replicas - counts.updatedReplicas;
    const deadline = Date.parse(progressing?.lastUpdateTime ?? '') + (d.spec.progressDeadlineSeconds ?? 600) * 1000;
    if (complete && newRS) {
      conditions = setCondition(
        conditions,
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${rsName}" has successfully progressed.`,
        },
        now,
        true,
      );
    } else if (moved && newRS) {
      conditions = setCondition(
        conditions,
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` },
        now,
        true,
      );
    } else if (
      progressing &&
      progressing.status !== 'False' &&
      progressing.reason !== 'NewReplicaSetAvailable' &&
      Number.isFinite(deadline) &&
      deadline < nowMs
    ) {
      conditions = setCondition(
        conditions,
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: `ReplicaSet "${rsName}" has timed out progressing.`,
        },
        now,
      );
    }
  }
  if (conditions.length) status.conditions = conditions;
  return status;
}

/**
 * SetDeploymentCondition: an identical status+reason is left alone; lastTransitionTime moves only when the
 * status flips; `touch` marks progress (lastUpdateTime) even when the reason is unchanged.
 */
export function setCondition(list: DeploymentCondition[], c: DeploymentCondition, now: string, touch = false): DeploymentCondition[] {
  const prev = list.find((x) => x.type === c.type);
  if (prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message && !touch) return list;
  const next: DeploymentCondition = {
    ...c,
    lastUpdateTime: now,
    lastTransitionTime: prev && prev.status === c.status ? (prev.lastTransitionTime ?? now) : now,
  };
  return [...list.filter((x) => x.type !== c.type), next];
}
