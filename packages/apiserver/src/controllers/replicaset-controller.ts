// The ReplicaSet controller (pkg/controller/replicaset): keeps `spec.replicas` active pods per ReplicaSet,
// creating them from the template as `<rs>-<5 random chars>` with a controller reference, adopting
// matching orphans, deleting the cheapest pods first, and reporting replicas/ready/available in status.
// Creations follow kube-controller-manager: at most burstReplicas (500) per sync, in slow-start batches
// (1, 2, 4, ...) that stop at the first failure and give the event loop back in between, so even
// `replicas: 1000000000` only ever costs the API server short slices of its thread.
import type { Logger } from 'pino';
import { StatusError, type KubeObject, type Pod, type ReplicaSet } from '@kubelab/api';
import type { ObjectService } from '../registry/object-service';
import { resourceKey } from '../registry/strategy';
import { podStrategy, replicaSetStrategy } from '../registry/workload-kinds';
import type { EventRecorder } from './events';
import { claim, controllerReference, ownerReferencesAfter } from './ownership';
import {
  deletionOrder,
  isPodActive,
  isPodAvailable,
  isPodReady,
  msUntilAvailable,
  podChangeConcernsController,
  podControllerView,
} from './pod-util';
import { slowStartBatch } from './slow-start';
import { SyncLoop, syncEachAsync } from './sync-loop';

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

  /** The ReplicaSet as stored now, or undefined when it is gone or being deleted (then nothing more is created for it). */
  const live = (rs: ReplicaSet): ReplicaSet | undefined => {
    const cur = service.store.get(resourceKey(replicaSetStrategy.info), rs.metadata.namespace, rs.metadata.name!) as ReplicaSet | undefined;
    return cur && cur.metadata.uid === rs.metadata.uid && !cur.metadata.deletionTimestamp ? cur : undefined;
  };

  const syncOne = async (rs: ReplicaSet, candidates: Pod[], nowMs: number): Promise<number | undefined> => {
    const c = claim(rs, rs.spec.selector, candidates);
    for (const p of c.adopt) setOwner(p, rs, true);
    for (const p of c.release) setOwner(p, rs, false);
    let active = [...c.owned, ...c.adopt].filter(isPodActive);
    const diff = active.length - (rs.spec.replicas ?? 1);
    let createError: unknown;
    if (diff < 0) {
      const { error } = await slowStartBatch(Math.min(-diff, burst), 1, () => {
        if (!live(rs)) throw new StatusError('NotFound', `replicasets.apps "${rs.metadata.name}" not found`);
        createPod(rs);
      });
      if (!live(rs)) return undefined;
      // The rest of a failed burst waits for the retry; the rest of a capped one for the next sync.
      createError = error;
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
      const gone = new Set(victims);
      active = active.filter((p) => !gone.has(p));
    }
    if (diff < 0) {
      const podsKey = resourceKey(podStrategy.info);
      active = service.store
        .dependents(rs.metadata.uid!)
        .filter((d) => d.resource === podsKey)
        .map((d) => d.object as Pod)
        .filter(isPodActive);
    }
    const status = replicaSetStatus(rs, active, nowMs, rs.status);
    if (JSON.stringify(status) !== JSON.stringify(rs.status)) {
      const current = service.get(replicaSetStrategy, rs.metadata.namespace, rs.metadata.name!);
      service.update(replicaSetStrategy, rs.metadata.namespace, rs.metadata.name!, { ...current, status }, 'status');
    }
    if (createError) throw createError;
    // Come back when a ready pod passes minReadySeconds and turns available.
    const waits = active
      .map((p) => msUntilAvailable(p, rs.spec.minReadySeconds ?? 0, nowMs))
      .filter((ms): ms is number => ms !== undefined);
    return waits.length ? Math.min(...waits) + 5 : undefined;
  };

  const sync = (): Promise<number | undefined> => {
    const nowMs = now().getTime();
    const podsByNs = new Map<string, Pod[]>();
    for (const p of service.list(podStrategy, undefined) as Pod[]) {
      const ns = p.metadata.namespace!;
      const list = podsByNs.get(ns);
      if (list) list.push(p);
      else podsByNs.set(ns, [p]);
    }
    // ReplicaSets being deleted are the garbage collector's: no more pods for them.
    const sets = (service.list(replicaSetStrategy, undefined) as ReplicaSet[]).filter((rs) => !rs.metadata.deletionTimestamp);
    return syncEachAsync(sets, 'replicaset', log, (rs) => syncOne(rs, podsByNs.get(rs.metadata.namespace!) ?? [], nowMs));
  };

  const loop = new SyncLoop({ name: component, sync, log, delayMs: timing.delayMs, resyncMs: timing.resyncMs });
  const keys = new Set([resourceKey(podStrategy.info), resourceKey(replicaSetStrategy.info)]);
  const podsKey = resourceKey(podStrategy.info);
  const exists = (uid: string): boolean => !!service.store.getByUid(uid);
  const unsubscribe = service.store.subscribe((e) => {
    if (!keys.has(e.resource)) return;
    // Thousands of pods collected after their ReplicaSet went are nobody's business here.
    if (e.resource === podsKey && !podChangeConcernsController(e.object, exists)) return;
    if (e.resource === podsKey && e.type === 'MODIFIED' && e.previous && podControllerView(e.previous) === podControllerView(e.object))
      return;
    loop.poke();
  });
  loop.poke();
  return () => {
    unsubscribe();
    loop.stop();
  };
}
