// The node's Lease in kube-node-lease, renewed every 10 s as the kubelet's node lease controller does
// (pkg/kubelet/nodelease, leaseDurationSeconds 40 = the node monitor grace period). `kubectl describe node`
// reads it (Lease: HolderIdentity, RenewTime). The Lease is owned by the Node, so it goes with it.
import type { Logger } from 'pino';
import { resolveResource, StatusError, type KubeObject, type Node } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const NODE_LEASE_DURATION_SECONDS = 40;

/** metav1.MicroTime: RFC 3339 with six fraction digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function nodeLease(node: string, nodeUid: string | undefined, now: Date): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: node,
      namespace: NODE_LEASE_NAMESPACE,
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: node, leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS, renewTime: microTime(now) },
  } as KubeObject;
}

/** Renews (creating it when missing) the node's Lease now and every `intervalMs`; returns a stop function. */
export function startNodeLease(client: KubeClient, node: string, log: Logger, intervalMs = 10_000): () => void {
  const leases = resolveResource('leases.coordination.k8s.io') ?? resolveResource('leases');
  const nodes = resolveResource('nodes');
  if (!leases || !nodes) throw new Error('node lease: leases or nodes are not described in @kubelab/api');
  let stopped = false;
  const renew = async (): Promise<void> => {
    const now = new Date();
    try {
      await client.patch(leases, node, { spec: { holderIdentity: node, renewTime: microTime(now) } }, NODE_LEASE_NAMESPACE);
    } catch (err) {
      if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
      const uid = (await client.get<Node>(nodes, node)).metadata.uid;
      await client.create(leases, nodeLease(node, uid, now), NODE_LEASE_NAMESPACE);
    }
  };
  const tick = (): void => {
    if (stopped) return;
    renew().catch((err) => log.warn({ err: (err as Error).message }, 'renewing the node lease failed'));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref?.();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
