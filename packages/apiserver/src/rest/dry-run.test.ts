// dryRun=All on every write verb, over real HTTP on loopback: the answer is what would be stored, nothing
// is stored, no watch event is sent, Service allocations go back; other values answer 422 as
// ValidateDryRun does. Also the boolean query parameters as Convert_Slice_string_To_bool reads them.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, type KubeObject, type Service } from '@kubelab/api';
import { KubeClient } from '@kubelab/client';
import { startApiServer, type RunningApiServer } from '../api-server';
import { parseDryRun, queryBool } from './query-params';

const log = pino({ level: 'silent' });
const svcs = resolveResource('services')!;
const deploys = resolveResource('deployments')!;

describe('query parameters', () => {
  it.each([
    [undefined, false],
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['t', true],
    ['1', true],
    ['', true],
    ['0', false],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    [['false', 'true'], false],
  ])('bool %j is %s', (value, want) => {
    expect(queryBool(value)).toBe(want);
  });

  it('dryRun accepts All only, with the wording of ValidateDryRun', () => {
    expect(parseDryRun([], 'CreateOptions')).toBe(false);
    expect(parseDryRun(['All', 'All'], 'PatchOptions')).toBe(true);
    expect(() => parseDryRun(['all'], 'CreateOptions')).toThrow(
      'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"all"}: supported values: "All"',
    );
  });
});

describe('dryRun=All', () => {
  let server: RunningApiServer;
  let client: KubeClient;
  const base = () => `http://127.0.0.1:${server.port}`;
  const send = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(base() + path, {
      method,
      headers: { 'content-type': type, accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as KubeObject & Record<string, unknown> };
  };
  /** Store events of one resource ("group/plural") from now on; call the result to stop and read them. */
  const record = (resource: string) => {
    const seen: KubeObject[] = [];
    const off = server.service.store.subscribe((e) => {
      if (e.resource === resource) seen.push(e.object);
    });
    return () => {
      off();
      return seen;
    };
  };

  beforeAll(async () => {
    server = await startApiServer({ port: 0, host: '127.0.0.1', log });
    client = new KubeClient({ baseUrl: base() });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('POST answers the defaulted object and stores nothing, sends no event', async () => {
    const stop = record('apps/deployments');
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'dry', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'dry' } },
        template: { metadata: { labels: { app: 'dry' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    };
    const res = await send('POST', '/apis/apps/v1/namespaces/default/deployments?dryRun=All', dep);
    expect(res.status).toBe(201);
    expect(res.body.metadata.uid).toBeTruthy();
    expect(res.body.metadata.resourceVersion).toBeUndefined();
    // Defaulting ran.
    expect((res.body.spec as { replicas: number }).replicas).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(stop()).toEqual([]);
    await expect(client.get(deploys, 'dry', 'default')).rejects.toThrow('not found');
    // Validation ran too.
    const bad = await send('POST', '/apis/apps/v1/namespaces/default/deployments?dryRun=All', {
      ...dep,
      spec: { ...dep.spec, replicas: -1 },
    });
    expect(bad.status).toBe(422);
  });

  it('PUT, PATCH and the status sub-resource answer the result without storing it', async () => {
    const created = (await client.create(svcs, svcObj('dry-svc', {}))).object as Service;
    const stop = record('/services');
    const put = await send('PUT', '/api/v1/namespaces/default/services/dry-svc?dryRun=All', {
      ...created,
      metadata: { ...created.metadata, labels: { a: 'b' } },
    });
    expect(put.status).toBe(200);
    expect(put.body.metadata.labels).toEqual({ a: 'b' });
    expect(put.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const patch = await send(
      'PATCH',
      '/api/v1/namespaces/default/services/dry-svc?dryRun=All',
      { metadata: { labels: { c: 'd' } } },
      'application/merge-patch+json',
    );
    expect(patch.status).toBe(200);
    expect(patch.body.metadata.labels).toEqual({ c: 'd' });
    const status = await send(
      'PATCH',
      '/api/v1/namespaces/default/services/dry-svc/status?dryRun=All',
      { status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } },
      'application/merge-patch+json',
    );
    expect(status.status).toBe(200);
    expect(stop()).toEqual([]);
    const now = await client.get<Service>(svcs, 'dry-svc', 'default');
    expect(now.metadata.labels).toBeUndefined();
    expect(now.status).toEqual(created.status);
  });

  it('a dry-run Service keeps no ClusterIP or NodePort', async () => {
    const res = await send('POST', '/api/v1/namespaces/default/services?dryRun=All', svcObj('dry-np', { type: 'NodePort' }));
    expect(res.status).toBe(201);
    const spec = (res.body as unknown as Service).spec;
    expect(spec.clusterIP).toMatch(/^10\./);
    expect(spec.ports![0].nodePort).toBeGreaterThanOrEqual(30000);
    // The same IP and port can be asked for at once by a real create: nothing was kept.
    const real = await client.create<Service>(
      svcs,
      svcObj('real-np', { type: 'NodePort', clusterIP: spec.clusterIP, ports: [{ port: 80, nodePort: spec.ports![0].nodePort }] }),
    );
    expect(real.object.spec.clusterIP).toBe(spec.clusterIP);
  });

  it('DELETE answers the object and deletes nothing (query or DeleteOptions body)', async () => {
    const stop = record('/services');
    const q = await send('DELETE', '/api/v1/namespaces/default/services/dry-svc?dryRun=All');
    expect(q.status).toBe(200);
    const b = await send('DELETE', '/api/v1/namespaces/default/services/dry-svc', {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      dryRun: ['All'],
    });
    expect(b.status).toBe(200);
    const ns = await send('DELETE', '/api/v1/namespaces/default?dryRun=All');
    expect(ns.status).toBe(405);
    const coll = await send('DELETE', '/api/v1/namespaces/default/services?dryRun=All');
    expect(coll.status).toBe(200);
    expect(stop()).toEqual([]);
    expect((await client.get(svcs, 'dry-svc', 'default')).metadata.name).toBe('dry-svc');
  });

  it('sub-resources: a dry-run scale changes nothing', async () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'scaled', namespace: 'default' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 's' } },
        template: { metadata: { labels: { app: 's' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    };
    await client.create(deploys, dep as KubeObject);
    const stop = record('apps/deployments');
    const res = await send(
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/scaled/scale?dryRun=All',
      { spec: { replicas: 3 } },
      'application/merge-patch+json',
    );
    expect(res.status).toBe(200);
    expect((res.body.spec as { replicas: number }).replicas).toBe(3);
    const after = await client.get(deploys, 'scaled', 'default');
    expect((after as unknown as { spec: { replicas: number } }).spec.replicas).toBe(0);
    // The controllers may write the Deployment's status meanwhile; nothing wrote its replicas.
    expect(stop().filter((d) => (d as unknown as { spec: { replicas: number } }).spec.replicas !== 0)).toEqual([]);
  });

  it('an unknown dryRun value is refused on every verb with 422', async () => {
    const post = await send('POST', '/api/v1/namespaces/default/services?dryRun=Foo', svcObj('x', {}));
    expect(post.status).toBe(422);
    expect(post.body.message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Foo"}: supported values: "All"',
    );
    const del = await send('DELETE', '/api/v1/namespaces/default/services/dry-svc?dryRun=true');
    expect(del.status).toBe(422);
    expect(del.body.message).toMatch(/^DeleteOptions\.meta\.k8s\.io "" is invalid: dryRun/);
    const patch = await send('PATCH', '/api/v1/namespaces/default/services/dry-svc?dryRun=x', {}, 'application/merge-patch+json');
    expect(patch.body.message).toMatch(/^PatchOptions/);
  });
});

function svcObj(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
  } as KubeObject;
}
