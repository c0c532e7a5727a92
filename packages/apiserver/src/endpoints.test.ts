// The Endpoints and EndpointSlice controllers in an in-process API server: pods entering and leaving by
// readiness, named ports, hand-written endpoints of selector-less Services left alone, cleanup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, rfc3339, type Endpoints, type EndpointSlice, type KubeObject, type Pod } from '@kubelab/api';
import { res, startFakeCluster, waitFor, type FakeCluster } from './fake-cluster.test-helper';

const svcs = resolveResource('services')!;
const eps = resolveResource('endpoints')!;
const slices = resolveResource('endpointslices')!;

describe('endpoint controllers', () => {
  let c: FakeCluster;
  beforeAll(async () => {
    // No node is ever stopped here: a long grace period, so a stall on a loaded machine evicts nothing.
    c = await startFakeCluster({ nodeGracePeriodMs: 60_000 });
  });
  afterAll(async () => {
    await c?.close();
  });

  const makePod = async (name: string, ip: string, ready: boolean): Promise<void> => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app: 'web' } },
      spec: {
        nodeName: 'kubelab-worker',
        containers: [{ name: 'c', image: 'kubelab/echo:latest', ports: [{ name: 'http', containerPort: 8080 }] }],
      },
    };
    await c.client.create(res.pods, pod);
    await setReady(name, ip, ready);
  };
  const setReady = async (name: string, ip: string, ready: boolean): Promise<void> => {
    const status = ready ? 'True' : 'False';
    await c.client.patch(
      res.pods,
      name,
      { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status, lastTransitionTime: rfc3339() }] } },
      'default',
      'status',
    );
  };
  const endpoints = () => c.client.get<Endpoints>(eps, 'web', 'default').catch(() => undefined);
  const sliceList = async () =>
    (await c.client.list<EndpointSlice>(slices, 'default', { labelSelector: 'kubernetes.io/service-name=web' })).items;

  it('keeps Endpoints and an EndpointSlice of the selected pods by readiness', async () => {
    await c.client.create(svcs, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    await makePod('web-a', '10.244.1.10', true);
    await makePod('web-b', '10.244.1.11', false);
    const ep = await waitFor('endpoints of both pods', async () => {
      const e = await endpoints();
      return e?.subsets?.[0]?.addresses?.length === 1 && e.subsets[0].notReadyAddresses?.length === 1 ? e : undefined;
    });
    expect(ep.metadata.labels).toEqual({ tier: 'front' });
    expect(ep.subsets).toEqual([
      {
        addresses: [{ ip: '10.244.1.10', nodeName: 'kubelab-worker', targetRef: expect.objectContaining({ kind: 'Pod', name: 'web-a' }) }],
        notReadyAddresses: [{ ip: '10.244.1.11', nodeName: 'kubelab-worker', targetRef: expect.objectContaining({ name: 'web-b' }) }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
    const [slice] = await waitFor('a slice with both pods', async () => {
      const s = await sliceList();
      return s.length === 1 && s[0].endpoints.length === 2 ? s : undefined;
    });
    expect(slice.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slice.metadata.labels).toEqual({
      tier: 'front',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(slice.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Service', name: 'web', controller: true })]);
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice.endpoints.map((e) => [e.addresses[0], e.conditions?.ready])).toEqual([
      ['10.244.1.10', true],
      ['10.244.1.11', false],
    ]);
  });

  it('moves a pod that turns ready, and empties both when the pods go', async () => {
    await setReady('web-b', '10.244.1.11', true);
    await waitFor('both ready', async () => (await endpoints())?.subsets?.[0]?.addresses?.length === 2);
    await c.client.delete(res.pods, 'web-a', 'default');
    await c.client.delete(res.pods, 'web-b', 'default');
    await waitFor('empty endpoints', async () => {
      const e = await endpoints();
      return e && !e.subsets;
    });
    const placeholder = await waitFor('the placeholder slice', async () => {
      const s = await sliceList();
      return s.length === 1 && s[0].endpoints.length === 0 ? s[0] : undefined;
    });
    expect(placeholder.ports).toEqual([]);
  });

  it('leaves the hand-written endpoints of a Service without selector alone', async () => {
    await c.client.create(svcs, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'external', namespace: 'default' },
      spec: { ports: [{ port: 5432 }] },
    });
    const written = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'external', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '192.168.1.50' }], ports: [{ port: 5432 }] }],
    };
    await c.client.create(eps, written);
    await new Promise((r) => setTimeout(r, 300));
    const ep = await c.client.get<Endpoints>(eps, 'external', 'default');
    expect(ep.subsets).toEqual([{ addresses: [{ ip: '192.168.1.50' }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
    // Mirrored into a slice (the mirroring controller) so slice readers route to it too.
    const mirrored = await waitFor('the mirrored slice', async () => {
      const items = (await c.client.list<EndpointSlice>(slices, 'default', { labelSelector: 'kubernetes.io/service-name=external' })).items;
      return items.length === 1 ? items[0] : undefined;
    });
    expect(mirrored.metadata.labels?.['endpointslice.kubernetes.io/managed-by']).toBe('endpointslicemirroring-controller.k8s.io');
    expect(mirrored.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Endpoints', name: 'external' });
    expect(mirrored.endpoints).toEqual([{ addresses: ['192.168.1.50'], conditions: { ready: true } }]);
    expect(mirrored.ports).toEqual([{ name: '', port: 5432, protocol: 'TCP' }]);
    // A hand-written slice is nobody else's business either.
    await c.client.create(slices, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'external-manual', namespace: 'default', labels: { 'kubernetes.io/service-name': 'external' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['192.168.1.51'] }],
      ports: [{ port: 5432 }],
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await c.client.get<EndpointSlice>(slices, 'external-manual', 'default')).endpoints).toEqual([{ addresses: ['192.168.1.51'] }]);
  });

  it('removes the Endpoints and slices with their Service', async () => {
    await c.client.delete(svcs, 'web', 'default');
    await waitFor('endpoints gone', async () => !(await endpoints()));
    await waitFor('slices gone', async () => (await sliceList()).length === 0);
  });

  it('answers for a Service among 2000 pods without rescanning them', async () => {
    const service = c.server.service;
    const podsStrategy = service.registry.find('', 'v1', 'pods')!;
    for (let i = 0; i < 2000; i++) {
      // Yield now and then: the fake nodes keep heartbeating.
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      service.create(podsStrategy, 'default', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `bulk-${i}`, namespace: 'default', labels: { app: `bulk-${i % 100}` } },
        spec: { nodeName: 'kubelab-worker', containers: [{ name: 'c', image: 'i' }] },
      } as Pod);
    }
    await c.client.create(svcs, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'bulk-7', namespace: 'default' },
      spec: { selector: { app: 'bulk-7' }, ports: [{ port: 80 }] },
    });
    for (let i = 7; i < 2000; i += 100) await setReady(`bulk-${i}`, `10.244.3.${1 + Math.floor(i / 100)}`, true);
    await waitFor(
      '20 endpoints',
      async () => {
        const e = await c.client.get<Endpoints>(eps, 'bulk-7', 'default').catch(() => undefined);
        return e?.subsets?.[0]?.addresses?.length === 20;
      },
      30_000,
    );
    // 2000 creations and 20 patches: seconds, not milliseconds, on a loaded 2-core machine (CI runs at load ~10).
  }, 60_000);
});
