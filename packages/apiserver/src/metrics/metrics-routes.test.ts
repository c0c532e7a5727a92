// metrics.k8s.io over real HTTP against a fake usage source: discovery, lists, one object, selectors, and
// metrics-server's NotFound wording.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeObject, resolveResource, StatusError } from '@kubelab/api';
import { KubeClient } from '@kubelab/client';
import { type RunningApiServer, startApiServer } from '../api-server';
import type { ContainerMetrics, MetricsSource } from './metrics-source';

const at = Date.parse('2026-11-30T12:00:00Z') * 1e6;
const usage = (nanocores: number, mib: number) => ({ nanocores, workingSetBytes: mib * 2 ** 20, atNs: at, windowNs: 1e9 });
const fake: MetricsSource = {
  containers: async (): Promise<ContainerMetrics[]> => [
    { node: 'w1', usage: usage(5e6, 50) },
    { node: 'w1', namespace: 'default', pod: 'web', container: 'POD', usage: usage(1e3, 1) },
    { node: 'w1', namespace: 'default', pod: 'web', container: 'echo', usage: usage(2e6, 10) },
    { node: 'w1', namespace: 'default', pod: 'db', container: 'pg', usage: usage(3e6, 20) },
  ],
};

describe('metrics.k8s.io', () => {
  let server: RunningApiServer;
  let client: KubeClient;

  beforeAll(async () => {
    server = await startApiServer({
      port: 0,
      host: '127.0.0.1',
      stateDir: mkdtempSync(path.join(tmpdir(), 'kubelab-metrics-')),
      log: pino({ level: 'silent' }),
      metrics: fake,
    });
    client = new KubeClient({ baseUrl: `http://127.0.0.1:${server.port}` });
    await client.create(resolveResource('nodes')!, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'w1', labels: { role: 'worker' } },
    } as KubeObject);
    for (const [name, app] of [
      ['web', 'web'],
      ['db', 'db'],
    ])
      await client.create(
        resolveResource('pods')!,
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: 'default', labels: { app } },
          spec: { containers: [{ name: 'c', image: 'x' }] },
        } as KubeObject,
        'default',
      );
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('is in discovery as metrics-server registers it', async () => {
    const groups = (await client.raw<{ groups: { name: string }[] }>('GET', '/apis')).object.groups.map((g) => g.name);
    expect(groups).toContain('metrics.k8s.io');
    const rl = (await client.raw<{ resources: { name: string; kind: string }[] }>('GET', '/apis/metrics.k8s.io/v1beta1')).object;
    expect(rl.resources.map((r) => `${r.name}:${r.kind}`)).toEqual(['nodes:NodeMetrics', 'pods:PodMetrics']);
  });

  it("serves pods' app containers and nodes' whole usage", async () => {
    const pods = (
      await client.raw<{ kind: string; items: Array<{ metadata: { name: string }; containers: unknown[] }> }>(
        'GET',
        '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods',
      )
    ).object;
    expect(pods.kind).toBe('PodMetricsList');
    const web = pods.items.find((p) => p.metadata.name === 'web')!;
    expect(web.containers).toEqual([{ name: 'echo', usage: { cpu: '2000000n', memory: '10240Ki' } }]);
    const node = (await client.raw<{ usage: object; window: string; timestamp: string }>('GET', '/apis/metrics.k8s.io/v1beta1/nodes/w1'))
      .object;
    expect(node).toMatchObject({ usage: { cpu: '10001000n', memory: `${81 * 1024}Ki` }, window: '1s', timestamp: '2026-11-30T12:00:00Z' });
  });

  it('filters by label and field, and answers NotFound as metrics-server does', async () => {
    const sel = (
      await client.raw<{ items: Array<{ metadata: { name: string } }> }>('GET', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Ddb')
    ).object;
    expect(sel.items.map((p) => p.metadata.name)).toEqual(['db']);
    const field = (
      await client.raw<{ items: Array<{ metadata: { name: string } }> }>(
        'GET',
        '/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.name%3Dweb',
      )
    ).object;
    expect(field.items.map((p) => p.metadata.name)).toEqual(['web']);
    const err = await client.raw('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope').catch((e) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).message).toBe('podmetrics.metrics.k8s.io "default/nope" not found');
  });
});
