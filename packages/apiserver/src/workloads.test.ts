// Deployments, ReplicaSets, the scheduler and node lifecycle together, over real HTTP on loopback, with fake
// nodes and a fake kubelet (see fake-cluster.test-helper.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, Event, KubeObject, Node, Pod, ReplicaSet, WatchEvent } from '@kubelab/api';
import { watch } from '@kubelab/client';
import {
  isReady,
  kubeletPass,
  markReady,
  podsOf,
  res,
  startFakeCluster,
  waitFor,
  workers,
  type FakeCluster,
} from './fake-cluster.test-helper';

const template = (image: string): Deployment['spec']['template'] => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }], priorityClassName: 'high' },
});

const webDeployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('kubelab/echo:latest') },
};

describe('workloads', () => {
  let c: FakeCluster;
  beforeAll(async () => {
    c = await startFakeCluster();
  });
  afterAll(async () => {
    await c?.close();
  });

  const deployment = (): Promise<Deployment> => c.client.get<Deployment>(res.deployments, 'web', 'default');
  const replicaSets = async (): Promise<ReplicaSet[]> =>
    (await c.client.list<ReplicaSet>(res.replicasets, 'default', { labelSelector: 'app=web' })).items;
  // Active as the controllers count them: Terminating pods (deleted gracefully, not yet removed) do not count.
  const activePods = async (): Promise<Pod[]> => (await podsOf(c.client, 'app=web')).filter((p) => !p.metadata.deletionTimestamp);
  const scaleTo = (replicas: number): Promise<unknown> =>
    c.client.raw('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web' },
      spec: { replicas },
    });

  /** Plays the kubelets until the deployment reports `replicas` available and fully updated. */
  async function settle(replicas: number): Promise<Deployment> {
    return waitFor(`deployment web with ${replicas} available replicas`, async () => {
      await kubeletPass(c.client, 'app=web');
      const d = await deployment();
      const s = d.status ?? {};
      return (
        s.availableReplicas === replicas &&
        s.updatedReplicas === replicas &&
        s.replicas === replicas &&
        s.observedGeneration === d.metadata.generation &&
        d
      );
    });
  }

  it('runs a Deployment of 3 as a ReplicaSet whose pods land on the workers', async () => {
    const { warnings } = await c.client.create(res.deployments, webDeployment);
    expect(warnings).toEqual(['Deployment "web": spec.template.spec.priorityClassName is accepted but not modelled by kubelab (ignored)']);
    const d = await settle(3);
    const [rs] = await replicaSets();
    const hash = rs.metadata.labels?.['pod-template-hash'];
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'web', controller: true })]);
    const pods = await activePods();
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: rs.metadata.name, controller: true });
      expect(workers).toContain(p.spec.nodeName);
    }
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }),
        expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }),
      ]),
    );
    const events = (await c.client.list<Event>(res.events, 'default')).items;
    expect(events.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        `Successfully assigned default/${pods[0].metadata.name} to ${pods[0].spec.nodeName}`,
        `Scaled up replica set ${rs.metadata.name} to 3 from 0`,
      ]),
    );
  });

  it('scales 3 -> 5 -> 2 through the scale sub-resource, spreading over both workers', async () => {
    await scaleTo(5);
    await settle(5);
    const perNode: Record<string, number> = {};
    for (const p of await activePods()) perNode[p.spec.nodeName!] = (perNode[p.spec.nodeName!] ?? 0) + 1;
    expect(Object.values(perNode).sort()).toEqual([2, 3]);
    const scale = (
      await c.client.raw<{ spec: { replicas: number }; status: { replicas: number; selector: string } }>(
        'GET',
        '/apis/apps/v1/namespaces/default/deployments/web/scale',
      )
    ).object;
    expect(scale).toMatchObject({ spec: { replicas: 5 }, status: { replicas: 5, selector: 'app=web' } });
    await c.client.patch(res.deployments, 'web', { spec: { replicas: 2 } }, 'default', 'scale');
    await settle(2);
    expect(await activePods()).toHaveLength(2);
  });

  it('rolls a template change to a new ReplicaSet without going below replicas - maxUnavailable ready pods', async () => {
    await c.client.patch(
      res.deployments,
      'web',
      { spec: { replicas: 4, strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } } },
      'default',
    );
    await settle(4);
    // Watch every state of the pods in-process: the ready count must never drop below 4 - 1.
    let minReady = Infinity;
    const unsubscribe = c.server.service.store.subscribe((e) => {
      if (e.resource !== '/pods') return;
      const pods = c.server.service.store.list('/pods', 'default') as Pod[];
      minReady = Math.min(minReady, pods.filter((p) => p.metadata.labels?.app === 'web' && isReady(p)).length);
    });
    await c.client.patch(res.deployments, 'web', { spec: { template: template('kubelab/echo:v2') } }, 'default');
    const d = await waitFor('the rollout to finish', async () => {
      await kubeletPass(c.client, 'app=web', 1); // one new pod at a time, like slow-starting containers
      const rs = await replicaSets();
      const d = await deployment();
      const s = d.status ?? {};
      return (
        rs.length === 2 &&
        rs.some((r) => r.spec.replicas === 0) &&
        s.replicas === 4 &&
        s.updatedReplicas === 4 &&
        s.availableReplicas === 4 &&
        d
      );
    });
    unsubscribe();
    expect(minReady).toBeGreaterThanOrEqual(3);
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const rs = await replicaSets();
    const old = rs.find((r) => r.spec.template.spec.containers[0].image === 'kubelab/echo:latest')!;
    expect(old.spec.replicas).toBe(0);
    expect(old.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect((await activePods()).every((p) => p.spec.containers[0].image === 'kubelab/echo:v2')).toBe(true);
  });

  it('replaces the pods of a node that stopped posting status', async () => {
    c.alive.delete('kubelab-worker');
    await waitFor('every web pod on kubelab-worker2, ready', async () => {
      await kubeletPass(c.client, 'app=web');
      const pods = await activePods();
      return pods.length === 4 && pods.every((p) => p.spec.nodeName === 'kubelab-worker2' && isReady(p));
    });
    const reasons = (await c.client.list<Event>(res.events, 'default')).items.map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['TaintManagerEviction']));
    c.alive.add('kubelab-worker');
    await waitFor('kubelab-worker to be Ready again, its taints gone', async () => {
      const n = await c.client.get<Node>(res.nodes, 'kubelab-worker');
      const tainted = (n.spec?.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/'));
      return !tainted && n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
    });
  });

  it('leaves an unfitting pod Pending with the scheduler’s reasons, and binds it once a node fits', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'picky' },
      spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'kubelab/toolbox:latest' }] },
    };
    await c.client.create(res.pods, pod, 'default');
    const message =
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    const pending = await waitFor('PodScheduled=False', async () => {
      const p = await c.client.get<Pod>(res.pods, 'picky', 'default');
      return p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False') && p;
    });
    expect(pending.status?.phase).toBe('Pending');
    expect(pending.status?.conditions).toEqual([
      expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }),
    ]);
    const events = (await c.client.list<Event>(res.events, 'default', { fieldSelector: 'involvedObject.name=picky' })).items;
    expect(events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'FailedScheduling', message, source: { component: 'default-scheduler' } }),
    ]);

    // The kubelet's view: a watch of the pods bound to its node.
    const seen: WatchEvent<Pod>[] = [];
    const abort = new AbortController();
    const watching = watch<Pod>(
      c.client,
      res.pods,
      undefined,
      { fieldSelector: 'spec.nodeName=kubelab-worker2', resourceVersion: pending.metadata.resourceVersion, signal: abort.signal },
      (e) => {
        if (e.object.metadata.name === 'picky') seen.push(e);
      },
    );
    await c.client.patch(res.nodes, 'kubelab-worker2', { metadata: { labels: { disk: 'ssd' } } });
    await waitFor('picky to be bound', () => seen.length > 0);
    abort.abort();
    await watching;
    expect(seen[0].object.spec.nodeName).toBe('kubelab-worker2');
    await markReady(c.client, seen[0].object);
  });

  it('binds through pods/binding for other schedulers, once', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'manual' },
      spec: { schedulerName: 'my-scheduler', containers: [{ name: 'c', image: 'busybox:1.36' }] },
    };
    await c.client.create(res.pods, pod, 'default');
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'manual' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'kubelab-worker' },
    };
    const ok = await c.client.raw('POST', '/api/v1/namespaces/default/pods/manual/binding', binding);
    expect(ok.object).toMatchObject({ kind: 'Status', status: 'Success', code: 201 });
    expect((await c.client.get<Pod>(res.pods, 'manual', 'default')).spec.nodeName).toBe('kubelab-worker');
    await expect(c.client.raw('POST', '/api/v1/namespaces/default/pods/manual/binding', binding)).rejects.toMatchObject({ code: 409 });
  });

  it('recreates: old pods are gone before new ones are created, and the steady state writes nothing', async () => {
    const batch = {
      ...webDeployment,
      metadata: { name: 'batch', namespace: 'default' },
      spec: {
        ...(webDeployment.spec as object),
        replicas: 2,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { app: 'batch' } },
        template: { ...template('kubelab/echo:latest'), metadata: { labels: { app: 'batch' } } },
      },
    };
    await c.client.create(res.deployments, batch);
    const settled = async (image: string): Promise<boolean> => {
      await kubeletPass(c.client, 'app=batch');
      const d = await c.client.get<Deployment>(res.deployments, 'batch', 'default');
      const pods = await podsOf(c.client, 'app=batch');
      return (
        d.status?.availableReplicas === 2 &&
        d.status.updatedReplicas === 2 &&
        pods.length === 2 &&
        pods.every((p) => p.spec.containers[0].image === image)
      );
    };
    await waitFor('batch to run', () => settled('kubelab/echo:latest'));
    const store = c.server.service.store;
    const rvBefore = store.resourceVersion;
    await new Promise((r) => setTimeout(r, 300));
    const writes =
      (store.changesSince('/pods', rvBefore) ?? []).length +
      (store.changesSince('apps/replicasets', rvBefore) ?? []).length +
      (store.changesSince('apps/deployments', rvBefore) ?? []).length;
    expect(writes).toBe(0);
    let mixed = false;
    const unsubscribe = store.subscribe(() => {
      const images = new Set(
        (store.list('/pods', 'default') as Pod[]).filter((p) => p.metadata.labels?.app === 'batch').map((p) => p.spec.containers[0].image),
      );
      if (images.size > 1) mixed = true;
    });
    await c.client.patch(
      res.deployments,
      'batch',
      {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'web', image: 'kubelab/echo:v2', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080 }] }],
            },
          },
        },
      },
      'default',
    );
    await waitFor('batch to run v2', () => settled('kubelab/echo:v2'));
    unsubscribe();
    expect(mixed).toBe(false);
  });

  it('deletes ReplicaSets and pods with their Deployment', async () => {
    await c.client.delete(res.deployments, 'web', 'default');
    expect(await replicaSets()).toEqual([]);
    // Pods are deleted gracefully: gone once their (fake) kubelet removed them.
    await waitFor('the pods to be gone', async () => (await podsOf(c.client, 'app=web')).length === 0);
  });
});
