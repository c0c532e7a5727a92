// Test helpers: an in-process API server with fast controller timing, fake nodes that heartbeat like node
// agents, and a fake kubelet that reports pods ready. Used by the workload tests over real HTTP.
import pino from 'pino';
import { resolveResource, rfc3339, type Node, type Pod, type Taint } from '@kubelab/api';
import { KubeClient } from '@kubelab/client';
import { startApiServer, type RunningApiServer } from './api-server';

export const res = {
  nodes: resolveResource('nodes')!,
  pods: resolveResource('pods')!,
  events: resolveResource('events')!,
  replicasets: resolveResource('replicasets')!,
  deployments: resolveResource('deployments')!,
};

export interface FakeCluster {
  server: RunningApiServer;
  client: KubeClient;
  /** Nodes whose heartbeats are being posted; remove one to simulate a dead node agent. */
  alive: Set<string>;
  close(): Promise<void>;
}

export const workers = ['kubelab-worker', 'kubelab-worker2'];

function nodeObject(name: string, taints?: Taint[]): Node {
  const now = rfc3339();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } },
    spec: { taints },
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }],
      allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    },
  };
}

/**
 * `nodeGracePeriodMs`: how long a node may go without a heartbeat before it is NotReady and its pods are evicted.
 * Short by default for the tests that stop a node; a test that never does should pass a long one, since on a
 * loaded machine this process can stall past 1.5 s (heartbeat stamps have 1 s resolution) and lose its pods.
 */
export async function startFakeCluster(opts: { nodeGracePeriodMs?: number } = {}): Promise<FakeCluster> {
  const server = await startApiServer({
    port: 0,
    host: '127.0.0.1',
    log: pino({ level: 'silent' }),
    nodeGracePeriodMs: opts.nodeGracePeriodMs ?? 1500,
    nodeMonitorPeriodMs: 100,
    podEvictionTimeoutMs: 500,
    controllers: { syncDelayMs: 5, resyncMs: 500, schedulerRetryMs: 300 },
  });
  const client = new KubeClient({ baseUrl: `http://127.0.0.1:${server.port}` });
  await client.create(
    res.nodes,
    nodeObject('kubelab-control-plane', [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]),
  );
  for (const w of workers) await client.create(res.nodes, nodeObject(w));
  const alive = new Set(['kubelab-control-plane', ...workers]);
  const beat = setInterval(() => {
    for (const name of alive) {
      const stamp = rfc3339();
      void client
        .patch(
          res.nodes,
          name,
          {
            status: {
              conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: stamp, lastTransitionTime: stamp }],
            },
          },
          undefined,
          'status',
        )
        .catch(() => {});
    }
  }, 250);
  // The kubelets' end of a graceful delete: a pod marked Terminating on a live node is removed with grace 0
  // (its containers "stopped" at once), preconditioned on its uid, as the real kubelet's final delete.
  // The terminating pods are found in the store (a kubelet learns of them by its watch): listing every pod
  // over HTTP each 50 ms cost more than anything under test once there were thousands (3000 replicas, 2000
  // pods), and starved the controllers on a loaded machine. One pass at a time; the next 50 ms after it ends.
  let finalizing: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const finalizePass = async (): Promise<void> => {
    for (const p of server.service.store.list('/pods') as Pod[]) {
      if (!p.metadata.deletionTimestamp || !alive.has(p.spec.nodeName ?? '')) continue;
      const path = `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`;
      await client
        .raw('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } })
        .catch(() => {});
    }
  };
  const finalize = (): void => {
    finalizing = setTimeout(() => {
      void finalizePass()
        .catch(() => {})
        .then(() => {
          if (!closed) finalize();
        });
    }, 50);
  };
  finalize();
  return {
    server,
    client,
    alive,
    async close() {
      clearInterval(beat);
      closed = true;
      clearTimeout(finalizing);
      await client.close();
      await server.close();
    },
  };
}

/** What a kubelet posts once a pod's containers run and pass their readiness probes. */
export async function markReady(client: KubeClient, pod: Pod): Promise<void> {
  const now = rfc3339();
  const conditions = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
    type,
    status: 'True',
    lastTransitionTime: now,
  }));
  const containerStatuses = pod.spec.containers.map((c) => ({
    name: c.name,
    image: c.image,
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: now } },
  }));
  await client.patch(
    res.pods,
    pod.metadata.name!,
    { status: { phase: 'Running', hostIP: '172.30.0.3', podIP: '10.244.1.5', conditions, containerStatuses } },
    pod.metadata.namespace,
    'status',
  );
}

export const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Polls until `check` returns a value (not undefined/false), or fails naming what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function podsOf(client: KubeClient, selector: string): Promise<Pod[]> {
  return (await client.list<Pod>(res.pods, 'default', { labelSelector: selector })).items;
}

/** Marks every bound, not yet ready pod ready (the kubelets of all nodes at once). */
export async function kubeletPass(client: KubeClient, selector: string, limit = Infinity): Promise<number> {
  let n = 0;
  for (const p of await podsOf(client, selector)) {
    if (n >= limit) break;
    if (!p.spec.nodeName || isReady(p)) continue;
    await markReady(client, p).catch(() => {});
    n++;
  }
  return n;
}
