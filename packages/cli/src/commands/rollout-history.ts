// `rollout history` and `rollout undo` for Deployments, as kubectl does them client-side
// (k8s.io/kubectl/pkg/polymorphichelpers/history.go and rollback.go): revisions come from the owned
// ReplicaSets' revision annotations; undo writes the chosen ReplicaSet's template back into the Deployment
// with one JSON patch, and the controller then scales that same ReplicaSet up again.
import { podTemplateHashLabel, sameTemplate, type Deployment, type PodTemplateSpec, type ReplicaSet } from '@kubelab/api';
import { CliError } from '../errors';

const revisionAnnotation = 'deployment.kubernetes.io/revision';
const changeCauseAnnotation = 'kubernetes.io/change-cause';
// deploymentutil annotationsToSkip: annotations that belong to the Deployment or the ReplicaSet, never copied.
const annotationsToSkip = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

const revisionOf = (rs: ReplicaSet): number => Number(rs.metadata.annotations?.[revisionAnnotation] ?? 0) || 0;

/** The ReplicaSets this Deployment controls (ownerReference with controller: true). */
export function ownedReplicaSets(d: Deployment, all: ReplicaSet[]): ReplicaSet[] {
  return all.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === d.metadata.uid));
}

/** kubectl's DeploymentHistoryViewer table: one row per revision, oldest first. */
export function historyTable(owned: ReplicaSet[]): string {
  const byRevision = new Map<number, string>();
  for (const rs of owned) byRevision.set(revisionOf(rs), rs.metadata.annotations?.[changeCauseAnnotation] ?? '');
  const revisions = [...byRevision.keys()].filter((r) => r > 0).sort((a, b) => a - b);
  if (revisions.length === 0) return 'No rollout history found.';
  const rows = [['REVISION', 'CHANGE-CAUSE'], ...revisions.map((r) => [String(r), byRevision.get(r) || '<none>'])];
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return rows.map(([a, b]) => a.padEnd(width) + b).join('\n');
}

/** The ReplicaSet of one revision, for `history --revision N`. */
export function replicaSetOfRevision(owned: ReplicaSet[], revision: number): ReplicaSet {
  const rs = owned.find((x) => revisionOf(x) === revision);
  if (!rs) throw new CliError('unable to find the specified revision');
  return rs;
}

/**
 * rsForRevision: revision 0 means the one before the current (the second highest); an unknown revision is
 * kubectl's error.
 */
export function rollbackTarget(d: Deployment, owned: ReplicaSet[], toRevision: number): ReplicaSet {
  if (toRevision > 0) {
    const rs = owned.find((x) => revisionOf(x) === toRevision);
    if (!rs) throw new CliError(`unable to find specified revision ${toRevision} in history`);
    return rs;
  }
  const sorted = [...owned].filter((rs) => revisionOf(rs) > 0).sort((a, b) => revisionOf(b) - revisionOf(a));
  if (sorted.length < 2) throw new CliError(`no rollout history found for deployment "${d.metadata.name}"`);
  return sorted[1];
}

export type RollbackPlan = { skipped: string } | { patch: unknown[] };

/** DeploymentRollbacker.Rollback: skip when the template already matches, else a JSON patch of template and annotations. */
export function rollbackPlan(d: Deployment, rs: ReplicaSet): RollbackPlan {
  if (d.spec.paused) {
    throw new CliError(
      `you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/${d.metadata.name}' and try again`,
    );
  }
  if (sameTemplate(rs.spec.template, d.spec.template)) {
    return { skipped: `skipped rollback (current template already matches revision ${revisionOf(rs)})` };
  }
  const template: PodTemplateSpec = structuredClone(rs.spec.template);
  if (template.metadata?.labels) delete template.metadata.labels[podTemplateHashLabel];
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (annotationsToSkip.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!annotationsToSkip.has(k)) annotations[k] = v;
  return {
    patch: [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ],
  };
}
