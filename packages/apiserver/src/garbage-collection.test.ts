// The garbage collector and the ReplicaSet controller at scale, in process over real HTTP: propagation
// policies as Kubernetes has them, and thousands of dependents deleted in the background.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, Event, KubeObject, Pod, ReplicaSet, WatchEvent } from '@kubelab/api';
import { watch } from '@kubelab/client';
import { res, startFakeCluster, waitFor, type FakeCluster } from './fake-cluster.test-helper';

function deployment(name: string, replicas: number, nodeSelector?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { nodeSelector, containers: [{ name: 'c', image: 'kubelab/echo:latest' }] } },
    },
  };
}

describe('garbage collection', () => {
  let c: FakeCluster;
  beforeAll(async () => {
    c = await startFakeCluster();
  });
  afterAll(async () => {
    await c?.close();
  });

  const pods = async (app: string): Promise<Pod[]> =>
    (await c.client.list<Pod>(res.pods, 'default', { labelSelector: `app=${app}` })).items;
  const sets = async (app: string): Promise<ReplicaSet[]> =>
    (await c.client.list<ReplicaSet>(res.replicasets, 'default', { labelSelector: `app=${app}` })).items;
  const gone = async (r: typeof res.pods, name: string): Promise<boolean> =>
    c.client.get(r, name, 'default').then(
      () => false,
      (err) => err.reason === 'NotFound',
    );
  const deploymentPath = (name: string): string => `/apis/apps/v1/namespaces/default/deployments/${name}`;

  async function withPods(name: string, replicas: number): Promise<void> {
    // Pending pods (no node has the label): deleting them is immediate, with no kubelet to wait for.
    await c.client.create(res.deployments, deployment(name, replicas, { nowhere: 'true' }), 'default');
    await waitFor(`${replicas} pods of ${name}`, async () => (await pods(name)).length === replicas);
  }

  it('Background (the default): the owner goes at once, the collector deletes its ReplicaSet and pods after', async () => {
    await withPods('bg', 3);
    const { object } = await c.client.raw<{ kind: string; status: string }>('DELETE', deploymentPath('bg'));
    expect(object).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(await gone(res.deployments, 'bg')).toBe(true);
    await waitFor(
      'the ReplicaSet and pods of bg to be collected',
      async () => (await sets('bg')).length === 0 && (await pods('bg')).length === 0,
    );
  });

  it('Foreground: the owner waits with a foregroundDeletion finalizer until its dependents are gone', async () => {
    await withPods('fg', 3);
    const seen: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = Promise.all(
      [res.pods, res.replicasets, res.deployments].map((r) =>
        watch(c.client, r, 'default', { signal: abort.signal, resourceVersion: '1' }, (e) => {
          if (e.type === 'DELETED') seen.push(e);
        }).catch(() => {}),
      ),
    );
    const { object } = await c.client.raw<Deployment>('DELETE', deploymentPath('fg'), {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Foreground',
    });
    expect(object.kind).toBe('Deployment');
    expect(object.metadata.deletionTimestamp).toBeTruthy();
    expect(object.metadata.finalizers).toEqual(['foregroundDeletion']);
    await waitFor('fg and its dependents to be gone', async () => (await gone(res.deployments, 'fg')) && (await pods('fg')).length === 0);
    const mine = (): WatchEvent[] => seen.filter((e) => e.object.metadata.labels?.app === 'fg' || e.object.metadata.name === 'fg');
    await waitFor('the DELETED events', () => mine().length >= 5);
    abort.abort();
    await watching;
    // Three streams: order by resourceVersion, the order the store applied the deletions in.
    const order = mine()
      .sort((a, b) => Number(a.object.metadata.resourceVersion) - Number(b.object.metadata.resourceVersion))
      .map((e) => e.object.kind);
    // Pods, then their ReplicaSet, then the Deployment.
    expect(order.lastIndexOf('Pod')).toBeLessThan(order.indexOf('ReplicaSet'));
    expect(order.indexOf('ReplicaSet')).toBeLessThan(order.indexOf('Deployment'));
  });

  it('Orphan (?propagationPolicy=Orphan): the dependents stay, without the owner reference', async () => {
    await withPods('orph', 2);
    const { object } = await c.client.raw<Deployment>('DELETE', `${deploymentPath('orph')}?propagationPolicy=Orphan`);
    expect(object.metadata.finalizers).toEqual(['orphan']);
    await waitFor('orph to be gone', () => gone(res.deployments, 'orph'));
    const [rs] = await sets('orph');
    expect(rs.metadata.ownerReferences ?? []).toEqual([]);
    const left = await pods('orph');
    expect(left).toHaveLength(2);
    expect(left.every((p) => p.metadata.ownerReferences?.[0].uid === rs.metadata.uid)).toBe(true);
    // kubectl delete --cascade=background on the orphaned ReplicaSet cleans up the rest.
    await c.client.raw('DELETE', `/apis/apps/v1/namespaces/default/replicasets/${rs.metadata.name}`, { propagationPolicy: 'Background' });
    await waitFor('the orphaned pods to be collected', async () => (await pods('orph')).length === 0);
  });

  it('refuses an unknown propagation policy and a failed uid precondition', async () => {
    await withPods('bad', 1);
    await expect(c.client.raw('DELETE', `${deploymentPath('bad')}?propagationPolicy=Sideways`)).rejects.toMatchObject({
      code: 422,
      message:
        'DeleteOptions "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan"',
    });
    await expect(c.client.raw('DELETE', deploymentPath('bad'), { preconditions: { uid: 'not-it' } })).rejects.toMatchObject({
      code: 409,
      reason: 'Conflict',
    });
    await c.client.raw('DELETE', deploymentPath('bad'));
  });

  it('replicas: 1000000000 creates pods in bounded, yielding bursts with a handful of events, and stops when deleted', async () => {
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'huge', namespace: 'default' },
      spec: {
        replicas: 1_000_000_000,
        selector: { matchLabels: { app: 'huge' } },
        template: {
          metadata: { labels: { app: 'huge' } },
          spec: { nodeSelector: { nowhere: 'true' }, containers: [{ name: 'c', image: 'kubelab/echo:latest' }] },
        },
      },
    };
    await c.client.create(res.replicasets, rs, 'default');
    const store = c.server.service.store;
    const count = (): number => store.list('/pods', 'default').filter((p) => p.metadata.labels?.app === 'huge').length;
    await waitFor('1000 pods of huge', () => count() >= 1000, 60_000);
    // The API answers meanwhile, and the creations are a few combined events, not one per pod.
    expect(await fetch(`http://127.0.0.1:${c.server.port}/healthz`).then((r) => r.text())).toBe('ok');
    const events = store
      .list('/events', 'default')
      .filter((e) => (e as Event).involvedObject.name === 'huge' && (e as Event).reason === 'SuccessfulCreate') as Event[];
    expect(events.length).toBeLessThanOrEqual(10);
    await c.client.raw('DELETE', '/apis/apps/v1/namespaces/default/replicasets/huge');
    await waitFor('the pods of huge to be collected', () => count() === 0, 60_000);
    // Nothing creates pods for it any more.
    await new Promise((r) => setTimeout(r, 300));
    expect(count()).toBe(0);
  }, 120_000);

  it('creates 3000 replicas in bursts with few events, and collects them in slices while the API keeps answering', async () => {
    // Nothing fits (no node has the label): every pod stays Pending, as on a cluster out of capacity.
    await c.client.create(res.deployments, deployment('big', 3000, { nowhere: 'true' }), 'default');
    // Counted in the store while waiting (listing thousands of pods over HTTP every 20 ms was most of the CPU
    // this test used), then once over HTTP.
    const store = c.server.service.store;
    const count = (): number => store.list('/pods', 'default').filter((p) => p.metadata.labels?.app === 'big').length;
    await waitFor('3000 pods', () => count() === 3000, 60_000);
    expect(await pods('big')).toHaveLength(3000);
    const [rs] = await sets('big');
    const events = (await c.client.list<Event>(res.events, 'default', { fieldSelector: `involvedObject.name=${rs.metadata.name}` })).items;
    const created = events.filter((e) => e.reason === 'SuccessfulCreate');
    // Nine distinct events, then one combined and counted (the event correlator), never 3000.
    expect(created.length).toBeLessThanOrEqual(10);
    expect(created.some((e) => e.message?.startsWith('(combined from similar events): Created pod: big-'))).toBe(true);

    const base = `http://127.0.0.1:${c.server.port}`;
    let answered = 0;
    let worst = 0;
    let done = false;
    const poll = (async () => {
      while (!done) {
        const t = performance.now();
        await fetch(`${base}/healthz`).then((r) => r.text());
        worst = Math.max(worst, performance.now() - t);
        answered++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await c.client.raw('DELETE', deploymentPath('big'));
    // Asked of the store directly: listing 3000 pods over HTTP in this same process would be the slow part.
    await waitFor('all 3000 pods to be collected', () => count() === 0, 60_000);
    done = true;
    await poll;
    console.log(`/healthz answered ${answered} times during the collection, worst ${worst.toFixed(1)} ms`);
    expect(answered).toBeGreaterThan(1);
  }, 120_000);
});
