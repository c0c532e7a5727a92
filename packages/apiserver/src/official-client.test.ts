// The official JavaScript client (@kubernetes/client-node) against kubelab's API server, in-process over
// real HTTP on loopback: typed CoreV1/AppsV1 calls, merge patch, the scale sub-resource, Status errors,
// the Watch class, and a ListWatch informer. If kubelab is Kubernetes-shaped, none of this needs shims.
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
  Watch,
  makeInformer,
  setHeaderOptions,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from './api-server';

const log = pino({ level: 'silent' });

/** The Status object an ApiException carries (the generated client leaves error bodies as text). */
function statusOf(err: unknown): {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { field?: string; message?: string }[] };
} {
  expect(err).toBeInstanceOf(ApiException);
  const body = (err as ApiException<unknown>).body;
  return typeof body === 'string' ? JSON.parse(body) : (body as never);
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err,
  );
}

/** Resolves when `check` holds, polling briefly; the events here arrive within milliseconds. */
async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const pod = (name: string, labels: Record<string, string>, nodeName?: string): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'web', image: 'kubelab/echo:latest' }] },
});

describe('official @kubernetes/client-node against kubelab', () => {
  let server: RunningApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  beforeAll(async () => {
    server = await startApiServer({ port: 0, host: '127.0.0.1', log });
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'k', server: `http://127.0.0.1:${server.port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'c', cluster: 'k', user: 'u' }],
      currentContext: 'c',
    });
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('reads the version and lists namespaces', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toMatch(/^v1\.\d+/);
    const list = await core.listNamespace();
    expect(list.kind).toBe('NamespaceList');
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(list.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(['default', 'kube-system']));
  });

  it('creates, reads, merge-patches and deletes a Namespace', async () => {
    const created = await core.createNamespace({ body: { metadata: { name: 'oc-lab', labels: { a: 'b' } } } });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.status?.phase).toBe('Active');
    const read = await core.readNamespace({ name: 'oc-lab' });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const patched = await core.patchNamespace(
      { name: 'oc-lab', body: { metadata: { labels: { a: null, c: 'd' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.labels).toEqual({ c: 'd', 'kubernetes.io/metadata.name': 'oc-lab' });
    await core.deleteNamespace({ name: 'oc-lab' });
    const gone = statusOf(await failure(core.readNamespace({ name: 'oc-lab' })));
    expect(gone).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound', message: 'namespaces "oc-lab" not found' });
  });

  it('patches with a JSON patch (the client default content type for patch)', async () => {
    await core.createNamespace({ body: { metadata: { name: 'oc-jsonpatch', labels: { a: 'b' } } } });
    const patched = await core.patchNamespace({
      name: 'oc-jsonpatch',
      body: [
        { op: 'test', path: '/metadata/labels/a', value: 'b' },
        { op: 'add', path: '/metadata/labels/c', value: 'd' },
        { op: 'remove', path: '/metadata/labels/a' },
      ],
    });
    expect(patched.metadata?.labels).toEqual({ c: 'd', 'kubernetes.io/metadata.name': 'oc-jsonpatch' });
    const failed = statusOf(
      await failure(core.patchNamespace({ name: 'oc-jsonpatch', body: [{ op: 'test', path: '/metadata/labels/c', value: 'x' }] })),
    );
    expect(failed).toMatchObject({ code: 422, reason: 'Invalid' });
    // Server-side apply needs a field manager (422, as ValidatePatchOptions answers), then merges.
    const body = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'oc-jsonpatch', labels: { e: 'f' } } };
    const apply = statusOf(
      await failure(core.patchNamespace({ name: 'oc-jsonpatch', body }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply))),
    );
    expect(apply).toMatchObject({ code: 422, reason: 'Invalid' });
    const applied = await core.patchNamespace(
      { name: 'oc-jsonpatch', body, fieldManager: 'client-node' },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(applied.metadata?.labels).toMatchObject({ c: 'd', e: 'f' });
    expect(applied.metadata?.managedFields?.map((m) => m.manager)).toContain('client-node');
    await core.deleteNamespace({ name: 'oc-jsonpatch' });
  });

  it('creates a Node and Pods, and lists pods by label and field selector', async () => {
    await core.createNamespace({ body: { metadata: { name: 'oc-pods' } } });
    const node = await core.createNode({
      body: { metadata: { name: 'oc-node', labels: { role: 'worker' } }, spec: { podCIDR: '10.244.9.0/24' } },
    });
    expect(node.spec?.podCIDR).toBe('10.244.9.0/24');
    expect((await core.listNode({ labelSelector: 'role=worker' })).items.map((n) => n.metadata?.name)).toEqual(['oc-node']);

    const a = await core.createNamespacedPod({ namespace: 'oc-pods', body: pod('a', { app: 'web', tier: 'front' }, 'oc-node') });
    expect(a.spec?.nodeName).toBe('oc-node');
    expect(a.status?.phase).toBe('Pending');
    await core.createNamespacedPod({ namespace: 'oc-pods', body: pod('b', { app: 'web', tier: 'back' }) });
    await core.createNamespacedPod({ namespace: 'oc-pods', body: pod('c', { app: 'db' }) });

    const web = await core.listNamespacedPod({ namespace: 'oc-pods', labelSelector: 'app=web' });
    expect(web.kind).toBe('PodList');
    expect(web.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(web.items.map((p) => p.metadata?.name).sort()).toEqual(['a', 'b']);
    const front = await core.listNamespacedPod({ namespace: 'oc-pods', labelSelector: 'app in (web,db),tier!=back' });
    expect(front.items.map((p) => p.metadata?.name).sort()).toEqual(['a', 'c']);
    const onNode = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=oc-node' });
    expect(onNode.items.map((p) => p.metadata?.name)).toEqual(['a']);
    const byName = await core.listNamespacedPod({ namespace: 'oc-pods', fieldSelector: 'metadata.name=b' });
    expect(byName.items.map((p) => p.metadata?.name)).toEqual(['b']);

    const deleted = await core.deleteNamespacedPod({ name: 'c', namespace: 'oc-pods' });
    expect(deleted.metadata?.name).toBe('c');
    expect((await core.listNamespacedPod({ namespace: 'oc-pods' })).items).toHaveLength(2);
    // Kinds without ReturnDeletedObject answer a DELETE with a Success Status naming the resource.
    const nodeGone = await core.deleteNode({ name: 'oc-node' });
    expect(nodeGone).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'oc-node', kind: 'nodes', uid: node.metadata?.uid },
    });
  });

  it('creates a Deployment and reads and replaces its scale sub-resource', async () => {
    const d = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'oc-web' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'oc-web' } },
          template: { metadata: { labels: { app: 'oc-web' } }, spec: { containers: [{ name: 'web', image: 'kubelab/echo:latest' }] } },
        },
      },
    });
    expect(d.metadata?.generation).toBe(1);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'oc-web', namespace: 'default' });
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 0 }, status: { selector: 'app=oc-web' } });
    const replaced = await apps.replaceNamespacedDeploymentScale({
      name: 'oc-web',
      namespace: 'default',
      body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'oc-web', namespace: 'default' }, spec: { replicas: 2 } },
    });
    expect(replaced.spec?.replicas).toBe(2);
    expect((await apps.readNamespacedDeployment({ name: 'oc-web', namespace: 'default' })).spec?.replicas).toBe(2);
    const patched = await apps.patchNamespacedDeploymentScale(
      { name: 'oc-web', namespace: 'default', body: { spec: { replicas: 0 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.spec?.replicas).toBe(0);
    const deleted = await apps.deleteNamespacedDeployment({ name: 'oc-web', namespace: 'default' });
    expect(deleted).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'oc-web', group: 'apps', kind: 'deployments' } });
  });

  it('reports an invalid object as a Status with reason Invalid naming the field', async () => {
    const err = await failure(core.createNode({ body: { metadata: { name: 'bad-node' }, spec: { podCIDR: 'nope' } } }));
    expect((err as ApiException<string>).code).toBe(422);
    const status = statusOf(err);
    expect(status).toMatchObject({ kind: 'Status', code: 422, reason: 'Invalid', details: { name: 'bad-node', kind: 'Node' } });
    expect(status.message).toBe('Node "bad-node" is invalid: spec.podCIDR: Invalid value: "nope": must be a valid CIDR');
    expect(status.details?.causes).toEqual([expect.objectContaining({ field: 'spec.podCIDR' })]);
  });

  it('serves the generic KubernetesObjectApi through discovery', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const cm: KubernetesObject & { data: Record<string, string> } = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'oc-cm', namespace: 'default' },
      data: { a: '1' },
    };
    await objects.create(cm);
    const read = await objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'oc-cm', namespace: 'default' } });
    expect((read as typeof cm).data).toEqual({ a: '1' });
    const deps = await objects.list('apps/v1', 'Deployment', 'default');
    expect(deps.kind).toBe('DeploymentList');
    await objects.delete(cm);
  });

  it('streams ADDED, MODIFIED and DELETED through the Watch class', async () => {
    const events: [string, string | undefined][] = [];
    let ended: unknown = 'open';
    const list = await core.listNamespace();
    const request = await new Watch(kc).watch(
      '/api/v1/namespaces',
      { resourceVersion: list.metadata?.resourceVersion },
      (type, obj: KubernetesObject) => events.push([type, obj.metadata?.name]),
      (err) => (ended = err),
    );
    await core.createNamespace({ body: { metadata: { name: 'oc-watched' } } });
    await core.patchNamespace(
      { name: 'oc-watched', body: { metadata: { labels: { x: 'y' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.deleteNamespace({ name: 'oc-watched' });
    // A namespace goes Terminating (MODIFIED), is emptied by the namespace controller, then DELETED.
    await until('the DELETED event', () => events.some(([t]) => t === 'DELETED'));
    request.abort();
    expect(events).toEqual([
      ['ADDED', 'oc-watched'],
      ['MODIFIED', 'oc-watched'],
      ['MODIFIED', 'oc-watched'],
      ['DELETED', 'oc-watched'],
    ]);
    await until('the watch to end', () => ended !== 'open');
  });

  it('feeds a pod informer (ListWatch) with the existing pods and new ones', async () => {
    await core.createNamespace({ body: { metadata: { name: 'oc-informer' } } });
    await core.createNamespacedPod({ namespace: 'oc-informer', body: pod('before', { app: 'inf' }) });
    const informer = makeInformer(kc, '/api/v1/namespaces/oc-informer/pods', () => core.listNamespacedPod({ namespace: 'oc-informer' }));
    const added: string[] = [];
    const errors: unknown[] = [];
    let stopped = false;
    informer.on('add', (p) => added.push(p.metadata!.name!));
    informer.on('error', (err) => {
      if (!stopped) errors.push(err);
    });
    await informer.start();
    expect(added).toEqual(['before']);
    await core.createNamespacedPod({ namespace: 'oc-informer', body: pod('after', { app: 'inf' }) });
    await until('the informer to see the new pod', () => added.includes('after'));
    expect(
      informer
        .list('oc-informer')
        .map((p) => p.metadata?.name)
        .sort(),
    ).toEqual(['after', 'before']);
    stopped = true;
    await informer.stop();
    expect(errors).toEqual([]);
  });
});
