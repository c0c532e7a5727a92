// Node lifecycle: a node whose agent stopped posting status within the grace period gets Ready=Unknown,
// as kube-controller-manager's node lifecycle controller does ("Kubelet stopped posting node status.").
import { rfc3339, type Node, type NodeCondition } from '@kubelab/api';
import type { Logger } from 'pino';
import type { ObjectService } from '../registry/object-service';
import type { Strategy } from '../registry/strategy';

export interface NodeLifecycleOptions {
  gracePeriodMs: number;
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
  const now = opts.now ?? Date.now;
  const tick = (): void => {
    for (const obj of service.list(nodes, undefined)) {
      const node = obj as Node;
      const conditions = staleConditions(node, now(), opts.gracePeriodMs);
      if (!conditions) continue;
      try {
        service.patch(nodes, undefined, node.metadata.name!, { status: { conditions } }, 'status');
        log.warn({ node: node.metadata.name }, 'node stopped posting status: Ready=Unknown');
      } catch (err) {
        log.error({ err, node: node.metadata.name }, 'marking node NotReady failed');
      }
    }
  };
  const timer = setInterval(tick, Math.max(1000, Math.min(5000, opts.gracePeriodMs / 4)));
  timer.unref();
  return () => clearInterval(timer);
}
