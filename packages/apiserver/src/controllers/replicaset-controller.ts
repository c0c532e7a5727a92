// The ReplicaSet controller (pkg/controller/replicaset): keeps `spec.replicas` active pods per ReplicaSet,
// creating them from the template as `<rs>-<5 random chars>` with a controller reference, adopting
// matching orphans, deleting the cheapest pods first, and reporting replicas/ready/available in status.
import type { Logger } from 'pino';
import { StatusError, type KubeObject, type Pod, type ReplicaSet } from '@kubelab/api';
import type { ObjectService } from '../registry/object-service';
import { resourceKey } from '../registry/strategy';
import { podStrategy, replicaSetStrategy } from '../registry/workload-kinds';
import type { EventRecorder } from './events';
import { claim, controllerReference, ownerReferencesAfter } from './ownership';
import { deletionOrder, isPodActive, isPodAvailable, isPodReady, msUntilAvailable } from './pod-util';
import { SyncLoop, syncEach } from './sync-loop';

const component = 'replicaset-controller';
/** Pods created or deleted per ReplicaSet per sync (burstReplicas in kube-controller-manager). */
const burst = 500;

export interface ControllerTiming {
  delayMs?: number;
  resyncMs?: number;
  now?: () => Date;
}

export type RSStatus = NonNullable<ReplicaSet['status']>;

/** Pure: the status a ReplicaSet reports for its active pods. Zero counts are omitted, as Kubernetes does. */
export function replicaSetStatus(rs: ReplicaSet, pods: Pod[], nowMs: number, previous?: RSStatus): RSStatus {
  const templateLabels = rs.spec.template?.metadata?.labels ?? {};
  const minReady = rs.spec.minReadySeconds ?? 0;
  const status: RSStatus = { replicas: pods.length };
  const fully = pods.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length;
  const ready = pods.filter(isPodReady).length;
  const available = pods.filter((p) => isPodAvailable(p, minReady, nowMs)).length;
  if (fully) status.fullyLabeledReplicas = fully;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  status.observedGeneration = rs.metadata.generation;
  const conditions = (previous as { conditions?: unknown[] } | undefined)?.conditions;
  if (conditions?.length) (status as Record<string, unknown>).conditions = conditions;
  return status;
}

export function podFromTemplate(rs: ReplicaSet): Pod {
  const t = rs.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: { ...t.metadata?.labels },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [controllerReference(rs)],
    },
    spec: structuredClone(t.spec),
  };
}

export function startReplicaSetController(
  service: ObjectService,
  recorder: EventRecorder,
  log: Logger,
  timing: ControllerTiming = {},
): () => void {
  const now = timing.now ?? (() => new Date());

  const createPod = (rs: ReplicaSet): void => {
    // generateName can collide (27^5 names); one retry makes that vanishingly rare.
    for (let attempt = 0; ; attempt++) {
      try {
        const { object } = service.create(podStrategy, rs.metadata.namespace, podFromTemplate(rs));
        recorder.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${object.metadata.name}`, component);
        return;
      } catch (err) {
        if (err instanceof StatusError && err.reason === 'AlreadyExists' && attempt === 0) continue;
        recorder.record(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`, component);
        throw err;
      }
    }
  };

  const setOwner = (pod: KubeObject, rs: ReplicaSet, adopt: boolean): void => {
    service.patch(podStrategy, pod.metadata.namespace, pod.metadata.name!, {
      metadata: { ownerReferences: ownerReferencesAfter(pod, rs, adopt) },
    });
  };

  const syncOne = (rs: ReplicaSet, candidates: Pod[], nowMs: number): number | undefined => {
    const c = claim(rs, rs.spec.selector, candidates);
    for (const p of c.adopt) setOwner(p, rs, true);
    for (const p of c.release) setOwner(p, rs, false);
    let active = [...c.owned, ...c.adopt].filter(isPodActive);
    const diff = active.length - (rs.spec.replicas ?? 1);
    if (diff < 0) {
      for (let i = 0; i < Math.min(-diff, burst); i++) createPod(rs);
    } else if (diff > 0) {
      const victims = [...active].sort(deletionOrder).slice(0, Math.min(diff, burst));
      for (const p of victims) {
        try {
          service.delete(podStrategy, p.metadata.namespace, p.metadata.name!);
          recorder.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, component);
        } catch (err) {
          if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
        }
      }
      active = active.filter((p) => !victims.includes(p));
    }
    if (diff < 0) {
      const mine = (service.list(podStrategy, rs.metadata.namespace) as Pod[]).filter((p) =>
        p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid),
      );
      active = mine.filter(isPodActive);
    }
    const status = replicaSetStatus(rs, active, nowMs, rs.status);
    if (JSON.stringify(status) !== JSON.stringify(rs.status)) {
      const current = service.get(replicaSetStrategy, rs.metadata.namespace, rs.metadata.name!);
      service.update(replicaSetStrategy, rs.metadata.namespace, rs.metadata.name!, { ...current, status }, 'status');
    }
    // Come back when a ready pod passes minReadySeconds and turns available.
    const waits = active
      .map((p) => msUntilAvailable(p, rs.spec.minReadySeconds ?? 0, nowMs))
      .filter((ms): ms is number => ms !== undefined);
    return waits.length ? Math.min(...waits) + 5 : undefined;
  };

  const sync = (): number | undefined => {
    const nowMs = now().getTime();
    const podsByNs = new Map<string, Pod[]>();
    for (const p of service.list(podStrategy, undefined) as Pod[])
      podsByNs.set(p.metadata.namespace!, [...(podsByNs.get(p.metadata.namespace!) ?? []), p]);
    return syncEach(service.list(replicaSetStrategy, undefined) as ReplicaSet[], 'replicaset', log, (rs) =>
      syncOne(rs, podsByNs.get(rs.metadata.namespace!) ?? [], nowMs),
    );
  };

  const loop = new SyncLoop({ name: component, sync, log, delayMs: timing.delayMs, resyncMs: timing.resyncMs });
  const keys = new Set([resourceKey(podStrategy.info), resourceKey(replicaSetStrategy.info)]);
  const unsubscribe = service.store.subscribe((e) => {
    if (keys.has(e.resource)) loop.poke();
  });
  loop.poke();
  return () => {
    unsubscribe();
    loop.stop();
  };
}
