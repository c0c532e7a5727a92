// The scheduler loop, in the API server's process: pods without spec.nodeName are bound through the pods/
// binding sub-resource (the same path an external scheduler would POST to), oldest first. Pods nothing
// fits stay Pending with PodScheduled=False/Unschedulable and a FailedScheduling event. As in
// kube-scheduler's queue, an unschedulable pod is tried again when something changed that may let it fit
// (a node changed, a bound pod went away), but never before its back-off (1 s doubling to 10 s) has passed;
// with no change it is tried again after `retryMs`, doubling per failure up to a minute. Each pass attempts
// at most `batch` pods (or 2 ms of work) and then yields, so thousands of Pending pods never hold the API
// server's thread, not even when a mass deletion frees node slots again and again.
import type { Logger } from 'pino';
import type { KubeObject, Node, Pod } from '@kubelab/api';
import type { EventRecorder } from '../controllers/events';
import { isPodActive, withCondition } from '../controllers/pod-util';
import { SyncLoop } from '../controllers/sync-loop';
import { namespaceStrategy, nodeStrategy } from '../registry/core-kinds';
import type { ObjectService } from '../registry/object-service';
import { resourceKey } from '../registry/strategy';
import { podStrategy } from '../registry/workload-kinds';
import { scheduleOn, type NamespaceLabels, type NodeUsage } from './schedule';

export const schedulerName = 'default-scheduler';

/**
 * A bound pod holds its place on the node until it finished or its object is gone: a Terminating pod
 * still runs (kube-scheduler's cache keeps it until the delete), so it still counts against max-pods.
 */
function occupiesNode(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.spec?.nodeName && phase !== 'Succeeded' && phase !== 'Failed';
}

export interface SchedulerOptions {
  log: Logger;
  recorder: EventRecorder;
  /** How soon an unschedulable pod is tried again when nothing changed. */
  retryMs?: number;
  /** Coalescing delay between a change and the scheduling pass. */
  delayMs?: number;
  /** Pods attempted per pass before giving the event loop back. */
  batch?: number;
  now?: () => Date;
}

export function startScheduler(service: ObjectService, opts: SchedulerOptions): () => void {
  const retryMs = opts.retryMs ?? 5000;
  const maxBackoffMs = Math.max(retryMs, 60_000);
  const batch = opts.batch ?? 100;
  const sliceMs = 2;
  const now = opts.now ?? (() => new Date());
  const log = opts.log.child({ component: schedulerName });
  // Bumped by every change that can make an unschedulable pod fit: a node changed or a bound pod left.
  let clusterVersion = 0;
  const attempts = new Map<string, { version: number; at: number; failures: number }>();
  const backoff = (failures: number): number => Math.min(retryMs * 2 ** Math.min(failures - 1, 16), maxBackoffMs);
  // kube-scheduler's podInitialBackoffSeconds (1) and podMaxBackoffSeconds (10); never longer than the plain retry.
  const podBackoff = (failures: number): number =>
    Math.min(Math.min(1000, retryMs) * 2 ** Math.min(failures - 1, 16), 10_000, backoff(failures));
  /** ms until the pod may be tried again (<= 0: now). */
  const waitFor = (prev: { version: number; at: number; failures: number }, t: number): number =>
    (prev.version === clusterVersion ? backoff(prev.failures) : podBackoff(prev.failures)) - (t - prev.at);

  const bind = (pod: Pod, node: string): boolean => {
    const { name, namespace } = pod.metadata;
    try {
      service.createSubresource(podStrategy, namespace, name!, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      });
    } catch (err) {
      // Deleted or bound meanwhile: nothing to do for this pod.
      log.debug({ pod: `${namespace}/${name}`, err: (err as Error).message }, 'binding failed');
      return false;
    }
    opts.recorder.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${node}`, schedulerName);
    return true;
  };

  const markUnschedulable = (pod: Pod, reason: string): void => {
    const { conditions, changed } = withCondition(
      pod.status?.conditions,
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: reason },
      now(),
    );
    if (changed) service.patch(podStrategy, pod.metadata.namespace, pod.metadata.name!, { status: { conditions } }, 'status');
    opts.recorder.record(pod, 'Warning', 'FailedScheduling', reason, schedulerName);
  };

  const podsKey = resourceKey(podStrategy.info);
  const ours = (p: Pod): boolean => !p.spec?.nodeName && isPodActive(p) && (p.spec?.schedulerName ?? schedulerName) === schedulerName;
  // The scheduling queue (pending pods, oldest first: store events arrive in creation order) and the
  // scheduler cache (active pods bound to each node), both kept from store events as kube-scheduler keeps
  // its queue and cache from informers, so a pass never lists or sorts every pod.
  const queue = new Map<string, { namespace?: string; name: string }>();
  const bound = new Map<string, Map<string, Pod>>();
  const nodeOf = new Map<string, string>();
  /** Follows one pod; answers whether it is newly waiting to be scheduled. */
  const track = (pod: Pod, deleted: boolean): boolean => {
    const uid = pod.metadata.uid!;
    const was = nodeOf.get(uid);
    if (was !== undefined) {
      bound.get(was)?.delete(uid);
      nodeOf.delete(uid);
    }
    const node = pod.spec?.nodeName;
    if (!deleted && node && occupiesNode(pod)) {
      let onNode = bound.get(node);
      if (!onNode) bound.set(node, (onNode = new Map()));
      onNode.set(uid, pod);
      nodeOf.set(uid, node);
    }
    if (deleted || !ours(pod)) {
      queue.delete(uid);
      return false;
    }
    if (queue.has(uid)) return false;
    queue.set(uid, { namespace: pod.metadata.namespace, name: pod.metadata.name! });
    return true;
  };
  const existing = (service.list(podStrategy, undefined) as Pod[]).sort((a, b) => {
    const x = a.metadata.creationTimestamp ?? '';
    const y = b.metadata.creationTimestamp ?? '';
    return x < y ? -1 : x > y ? 1 : Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion);
  });
  for (const p of existing) track(p, false);

  const namespacesKey = resourceKey(namespaceStrategy.info);
  const namespaceLabels: NamespaceLabels = (name) =>
    (service.store.get(namespacesKey, undefined, name) as KubeObject | undefined)?.metadata.labels;

  const sync = (): number | undefined => {
    const nodes = service.list(nodeStrategy, undefined) as Node[];
    const usage: NodeUsage = new Map([...bound].map(([node, pods]) => [node, [...pods.values()]]));
    const t = now().getTime();
    const started = performance.now();
    let retryIn: number | undefined;
    let tried = 0;
    for (const [uid, ref] of queue) {
      const prev = attempts.get(uid);
      const wait = prev ? waitFor(prev, t) : 0;
      if (wait > 0) {
        retryIn = Math.min(retryIn ?? Infinity, wait);
        continue;
      }
      const pod = service.store.get(podsKey, ref.namespace, ref.name) as Pod | undefined;
      if (!pod || pod.metadata.uid !== uid || !ours(pod)) {
        queue.delete(uid);
        continue;
      }
      // The rest in the next pass, after other work (requests, watches) had its turn.
      // A full pass comes back after a pause that leaves the thread to requests, watches and the collector.
      if (tried++ >= batch || (tried > 1 && performance.now() - started >= sliceMs)) return 2 * sliceMs;
      const result = scheduleOn(pod, nodes, usage, namespaceLabels);
      if ('node' in result) {
        attempts.delete(uid);
        // Later pods of this pass must see this one's load, or a burst would all land on one node.
        if (bind(pod, result.node)) {
          const onNode = usage.get(result.node) ?? [];
          onNode.push({ ...pod, spec: { ...pod.spec, nodeName: result.node } });
          usage.set(result.node, onNode);
        }
      } else {
        const failures = (prev?.failures ?? 0) + 1;
        attempts.set(uid, { version: clusterVersion, at: t, failures });
        retryIn = Math.min(retryIn ?? Infinity, backoff(failures));
        markUnschedulable(pod, result.reason);
      }
    }
    return retryIn;
  };

  const loop = new SyncLoop({ name: schedulerName, sync, log, delayMs: opts.delayMs, resyncMs: Math.max(retryMs, 1000) });
  const nodesKey = resourceKey(nodeStrategy.info);
  // Heartbeats rewrite nodes every few seconds; only what scheduling looks at counts as a change.
  const fingerprints = new Map<string, string>();
  const unsubscribe = service.store.subscribe((e) => {
    if (e.resource === nodesKey) {
      const node = e.object as Node;
      const print = e.type === 'DELETED' ? '' : nodeFingerprint(node);
      if (fingerprints.get(node.metadata.name!) === print) return;
      fingerprints.set(node.metadata.name!, print);
      clusterVersion++;
      loop.poke();
    } else if (e.resource === podsKey) {
      const pod = e.object as Pod;
      const deleted = e.type === 'DELETED';
      const freed = nodeOf.has(pod.metadata.uid!) && (deleted || !occupiesNode(pod));
      if (deleted) attempts.delete(pod.metadata.uid!);
      const waiting = track(pod, deleted);
      // A bound pod leaving frees room on its node: every unschedulable pod may fit now.
      if (freed) clusterVersion++;
      if (freed || waiting) loop.poke();
    }
  });
  loop.poke();
  return () => {
    unsubscribe();
    loop.stop();
  };
}

function nodeFingerprint(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return JSON.stringify([node.metadata.labels, node.spec, ready, node.status?.allocatable]);
}
