// Issue 6, the frozen API server, end to end on a real cluster whose nodes take 5 pods each (the kubelet's
// max-pods): a 3000-replica Deployment leaves all but ten pods Pending with kube-scheduler's "Too many
// pods" event, and deleting it, which used to hold the API server's thread for 49 s, now returns at once
// while the garbage collector removes the 3000 pods in the background and /healthz keeps answering within
// 100 ms throughout (the one timed assertion here; the issue asks for exactly it).
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, type Event, type KubeObject, type Node, type Pod, type ReplicaSet } from '@kubelab/api';
import { watch } from '@kubelab/client';
import { clusterCredentials, findCluster } from '@kubelab/cluster';
import { eventually } from '../support/docker';
import { startCluster, type TestCluster } from '../support/cluster';

const name = 'kltest-hardening-load';
const replicas = 3000;
const res = {
  nodes: resolveResource('nodes')!,
  pods: resolveResource('pods')!,
  events: resolveResource('events')!,
  replicasets: resolveResource('replicasets')!,
  deployments: resolveResource('deployments')!,
};

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'load', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'load' } },
    template: {
      metadata: { labels: { app: 'load' } },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: 'kubelab/toolbox:latest' }] },
    },
  },
};

const tooManyPods =
  '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Too many pods. ' +
  'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';

/** Worker thread: GET the URL every `everyMs` until told to stop, then post [{ at, ms, ok }] (at: performance.timeOrigin-based). */
const healthzPoller = `
const { parentPort, workerData } = require('node:worker_threads');
const https = require('node:https');
// HTTPS with the cluster CA; /healthz is public (system:public-info-viewer), so no token.
const agent = new https.Agent({ keepAlive: true, ca: workerData.ca });
const get = (url) =>
  new Promise((resolve, reject) => {
    const req = https.get(url, { agent, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
let stop = false;
parentPort.on('message', () => { stop = true; });
(async () => {
  const out = [];
  while (!stop) {
    const t = performance.now();
    let ok = false;
    try {
      ok = (await get(workerData.url)) === 'ok';
    } catch {}
    out.push({ at: performance.timeOrigin + t, ms: performance.now() - t, ok });
    await new Promise((r) => setTimeout(r, workerData.everyMs));
  }
  parentPort.postMessage(out);
})();
`;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

describe('hardening: an API server that stays responsive under load', () => {
  let c: TestCluster;
  let apiUrl: string;
  let ca: string | undefined;

  beforeAll(async () => {
    c = await startCluster(name, { env: { KUBELAB_MAX_PODS: '5' } });
    const info = (await findCluster(name))!;
    apiUrl = info.apiUrl;
    ca = (await clusterCredentials(info))?.ca;
  }, 180_000);
  afterAll(async () => {
    await c?.down();
  });

  it('nodes report the kubelet max-pods as capacity and allocatable pods', async () => {
    const nodes = (await c.client.list<Node>(res.nodes)).items;
    expect(nodes).toHaveLength(3);
    for (const n of nodes) {
      expect(n.status?.capacity?.pods).toBe('5');
      expect(n.status?.allocatable?.pods).toBe('5');
    }
  });

  it('a 3000-replica Deployment: every pod object exists, pods beyond max-pods stay Pending with Too many pods', async () => {
    await c.client.create(res.deployments, deployment, 'default');
    const rs = await eventually(
      `${replicas} pod objects`,
      async () => {
        const [set] = (await c.client.list<ReplicaSet>(res.replicasets, 'default', { labelSelector: 'app=load' })).items;
        return set?.status?.replicas === replicas ? set : undefined;
      },
      120_000,
      1000,
    );
    const pods = (await c.client.list<Pod>(res.pods, 'default', { labelSelector: 'app=load' })).items;
    expect(pods).toHaveLength(replicas);
    const bound = pods.filter((p) => p.spec.nodeName);
    // Two workers of 5 (system pods may take some of those slots); the control plane keeps its taint.
    expect(bound.length).toBeLessThanOrEqual(10);
    expect(bound.every((p) => p.spec.nodeName !== `${name}-control-plane`)).toBe(true);

    // A pod created late is certainly past the scheduler's first look.
    const pending = await eventually(
      'a Pending pod marked Unschedulable',
      async () => {
        const p = await c.pod(pods[pods.length - 1].metadata.name!);
        const cond = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
        return cond?.status === 'False' && cond.reason === 'Unschedulable' && cond.message === tooManyPods ? p : undefined;
      },
      60_000,
      1000,
    );
    expect(pending.status?.phase).toBe('Pending');
    const events = (await c.client.list<Event>(res.events, 'default', { fieldSelector: `involvedObject.name=${pending.metadata.name}` }))
      .items;
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'FailedScheduling',
        message: tooManyPods,
        source: { component: 'default-scheduler' },
      }),
    );
    // The ReplicaSet's 3000 creations are a handful of Events (client-go's correlator), not 3000.
    const rsEvents = (
      await c.client.list<Event>(res.events, 'default', { fieldSelector: `involvedObject.name=${rs.metadata.name}` })
    ).items.filter((e) => e.reason === 'SuccessfulCreate');
    expect(rsEvents.length).toBeLessThanOrEqual(10);
    expect(rsEvents.reduce((n, e) => n + (e.count ?? 1), 0)).toBeGreaterThan(10);
  }, 240_000);

  it('deleting it returns at once, /healthz answers within 100 ms throughout, and all 3000 pods go', async () => {
    // Count the pods going through one watch (listing 3000 pods over and over would be load of its own).
    const list = await c.client.list<Pod>(res.pods, 'default', { labelSelector: 'app=load' });
    const left = new Set(list.items.map((p) => p.metadata.uid));
    expect(left.size).toBe(replicas);
    const abort = new AbortController();
    const watching = watch<Pod>(
      c.client,
      res.pods,
      'default',
      { labelSelector: 'app=load', resourceVersion: list.metadata.resourceVersion, signal: abort.signal },
      (e) => {
        if (e.type === 'DELETED') left.delete(e.object.metadata.uid);
      },
    ).catch(() => undefined);

    // /healthz is polled from a worker thread, so this thread's work (the watch above) never skews the timings.
    const poller = new Worker(healthzPoller, { eval: true, workerData: { url: `${apiUrl}/healthz`, everyMs: 10, ca } });
    const samples = new Promise<{ at: number; ms: number; ok: boolean }[]>((resolve, reject) => {
      poller.once('message', resolve);
      poller.once('error', reject);
    });
    await new Promise((resolve) => poller.once('online', resolve));
    await new Promise((resolve) => setTimeout(resolve, 2000));

    const deleteStarted = performance.timeOrigin + performance.now();
    const { object } = await c.client.raw<{ kind: string; status: string }>('DELETE', '/apis/apps/v1/namespaces/default/deployments/load', {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Background',
    });
    const answeredMs = performance.timeOrigin + performance.now() - deleteStarted;
    expect(object).toMatchObject({ kind: 'Status', status: 'Success' });
    try {
      await eventually('all 3000 pods to be deleted', async () => left.size === 0, 150_000, 100);
    } finally {
      poller.postMessage('stop');
      abort.abort();
      await watching;
    }
    const polled = await samples;
    await poller.terminate();
    const during = polled.filter((x) => x.at >= deleteStarted);
    const latencies = during.map((x) => x.ms);
    const slowest = [...during].sort((a, b) => b.ms - a.ms).slice(0, 3);
    const goneMs = performance.timeOrigin + performance.now() - deleteStarted;
    console.log(
      `DELETE answered in ${answeredMs.toFixed(0)} ms; 3000 pods gone after ${(goneMs / 1000).toFixed(1)} s; ` +
        `/healthz x${latencies.length}: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
    );
    const before = polled.filter((x) => x.at < deleteStarted).map((x) => x.ms);
    console.log(
      `before the delete: /healthz x${before.length}: p50 ${percentile(before, 50).toFixed(1)} ms, p99 ${percentile(before, 99).toFixed(1)} ms`,
    );
    console.log('slowest:', slowest.map((x) => `${x.ms.toFixed(1)} ms at +${(x.at - deleteStarted).toFixed(0)} ms`).join(', '));
    expect(polled.every((x) => x.ok)).toBe(true);
    expect(latencies.length).toBeGreaterThan(10);
    expect(Math.max(...latencies)).toBeLessThan(100);
    const remaining = (await c.client.list<Pod>(res.pods, 'default', { labelSelector: 'app=load' })).items;
    expect(remaining).toEqual([]);
    expect((await c.client.list<ReplicaSet>(res.replicasets, 'default', { labelSelector: 'app=load' })).items).toEqual([]);
  }, 240_000);
});
