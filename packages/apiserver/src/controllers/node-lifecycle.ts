// Node lifecycle: a node whose agent stopped posting status within the grace period gets Ready=Unknown,
// as kube-controller-manager's node lifecycle controller does ("Kubelet stopped posting node status."), and
// the not-ready / unreachable / unschedulable taints that go with its state (node-taints.ts). Pods on a node
// that is not Ready are marked not Ready at once (so Services drop them); pods on a node with NoExecute
// taints they do not tolerate are deleted once their tolerationSeconds run out (pod-eviction.ts), so their
// ReplicaSets recreate them on healthy nodes. `podEvictionTimeoutMs` sets the default tolerations every pod
// gets (DefaultTolerationSeconds admission: 300 s unless KUBELAB_POD_EVICTION_TIMEOUT_MS says otherwise).
import { rfc3339, StatusError, type Node, type NodeCondition, type Pod } from '@kubelab/api';
import type { Logger } from 'pino';
import type { ObjectService } from '../registry/object-service';
import type { Strategy } from '../registry/strategy';
import type { EventRecorder } from './events';
import { setDefaultTolerationSeconds } from '../registry/default-tolerations';
import { desiredTaints } from './node-taints';
import { podsOnUnhealthyNodes } from './pod-eviction';
import { withCondition } from './pod-util';

export interface NodeLifecycleOptions {
  gracePeriodMs: number;
  /**
   * How long pods stay on a node that is not Ready before they are deleted: the tolerationSeconds of the
   * default tolerations (default 300 s, as Kubernetes).
   */
  podEvictionTimeoutMs?: number;
  /** Check period; by default a quarter of the grace period, 1-5 s. */
  tickMs?: number;
  /** Pods are only looked after when these are given (the workload kinds are registered). */
  pods?: Strategy;
  recorder?: EventRecorder;
  now?: () => number;
}

/** Pure: the conditions a stale node should have, or undefined when nothing changes. */
export function staleConditions(node: Node, nowMs: number, gracePeriodMs: number): NodeCondition[] | undefined {
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'Unknown') return undefined;
  const beat = Date.parse(ready.lastHeartbeatTime ?? '');
  if (Number.isFinite(beat) && nowMs - beat <= gracePeriodMs) return undefined;
  const now = rfc3339(new Date(nowMs));
  return conditions.map((c) =>
    c.type === 'Ready'
      ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now }
      : c,
  );
}

export function startNodeLifecycle(service: ObjectService, nodes: Strategy, log: Logger, opts: NodeLifecycleOptions): () => void {
  for (const key of ['podEvictionTimeoutMs', 'tickMs'] as const) {
    const v = opts[key];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0))
      throw new RangeError(`node lifecycle: ${key} must be a number of milliseconds >= 0, got ${v}`);
  }
  const now = opts.now ?? Date.now;
  const evictionTimeoutMs = opts.podEvictionTimeoutMs ?? 300_000;
  setDefaultTolerationSeconds(evictionTimeoutMs / 1000);
  const tick = (): void => {
    for (const obj of service.list(nodes, undefined)) {
      const node = obj as Node;
      const conditions = staleConditions(node, now(), opts.gracePeriodMs);
      if (!conditions) continue;
      try {
        service.patch(nodes, undefined, node.metadata.name!, { status: { conditions } }, 'status');
        log.warn({ node: node.metadata.name }, 'node stopped posting status: Ready=Unknown');
        opts.recorder?.record(node, 'Normal', 'NodeNotReady', `Node ${node.metadata.name} status is now: NodeNotReady`, 'node-controller');
      } catch (err) {
        log.error({ err, node: node.metadata.name }, 'marking node NotReady failed');
      }
    }
    for (const obj of service.list(nodes, undefined)) {
      const taints = desiredTaints(obj as Node, now());
      if (!taints) continue;
      try {
        service.patch(nodes, undefined, obj.metadata.name!, { spec: { taints } });
      } catch (err) {
        log.warn({ err: (err as Error).message, node: obj.metadata.name }, 'updating node taints failed');
      }
    }
    if (opts.pods) evictPods(service, nodes, opts.pods, log, opts, now());
  };
  const timer = setInterval(tick, opts.tickMs ?? Math.max(1000, Math.min(5000, opts.gracePeriodMs / 4)));
  timer.unref();
  return () => clearInterval(timer);
}

function evictPods(service: ObjectService, nodes: Strategy, pods: Strategy, log: Logger, opts: NodeLifecycleOptions, nowMs: number): void {
  const all = service.list(pods, undefined) as Pod[];
  const plan = podsOnUnhealthyNodes(service.list(nodes, undefined) as Node[], all, nowMs, opts.podEvictionTimeoutMs ?? 300_000);
  for (const pod of plan.notReady) {
    // MarkPodsNotReady: the kubelet cannot say so any more, and Endpoints must stop sending traffic there.
    const { conditions, changed } = withCondition(pod.status?.conditions, { type: 'Ready', status: 'False' }, new Date(nowMs));
    if (!changed) continue;
    try {
      service.patch(pods, pod.metadata.namespace, pod.metadata.name!, { status: { conditions } }, 'status');
      opts.recorder?.record(pod, 'Warning', 'NodeNotReady', 'Node is not ready', 'node-controller');
    } catch (err) {
      log.warn({ err: (err as Error).message, pod: pod.metadata.name }, 'marking pod not ready failed');
    }
  }
  for (const { pod, node, orphan, unhealthy } of plan.evict) {
    try {
      // Force (grace 0) off a node that is gone or not Ready: its kubelet cannot stop the containers any more, so a
      // graceful delete would leave the pod Terminating until the node comes back (Kubernetes' PodGC forces these
      // deletions too). A healthy node's kubelet stops them gracefully.
      service.delete(pods, pod.metadata.namespace, pod.metadata.name!, orphan || unhealthy ? { gracePeriodSeconds: 0 } : {});
    } catch (err) {
      if (!(err instanceof StatusError && err.reason === 'NotFound'))
        log.warn({ err: (err as Error).message, pod: pod.metadata.name }, 'evicting pod failed');
      continue;
    }
    log.warn(
      { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, node },
      orphan ? 'deleted pod of a node that no longer exists' : 'evicted pod from a node with a NoExecute taint it does not tolerate',
    );
    const [reason, component] = orphan ? ['PodGC', 'pod-garbage-collector'] : ['TaintManagerEviction', 'taint-eviction-controller'];
    opts.recorder?.record(pod, 'Normal', reason, `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`, component);
  }
}
