// The commands against a real, in-memory kubelab API server (no Docker): what they print, in what order, and
// what they leave on the server.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, type ConfigMap, type Deployment } from '@kubelab/api';
import { startApiServer, type RunningApiServer } from '@kubelab/apiserver';
import { KubeClient } from '@kubelab/client';
import type { Io } from '../command-kit';
import { parseResourceArgs } from '../resource-args';
import { applyItems } from './apply';
import { deleteAll, resolveTargets, waitGone } from './delete';
import { get } from './get';
import { watchAndPrint } from './get-watch';
import { scaleOne } from './scale';

let server: RunningApiServer;
let client: KubeClient;

beforeAll(async () => {
  server = await startApiServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }) });
  client = new KubeClient({ baseUrl: `http://127.0.0.1:${server.port}` });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

function recorder(): Io & { out_: string[]; err_: string[] } {
  const r = {
    out_: [] as string[],
    err_: [] as string[],
    out: (l: string) => void r.out_.push(l),
    err: (l: string) => void r.err_.push(l),
  };
  return r;
}

const cm = (name: string, data: Record<string, string>, labels?: Record<string, string>): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

describe('apply', () => {
  it('creates, then reports unchanged, then configured, deleting removed keys', async () => {
    const io = recorder();
    expect(await applyItems(client, [{ source: 'a.yaml', object: cm('app', { a: '1', b: '2' }) }], undefined, io)).toBe(true);
    expect(await applyItems(client, [{ source: 'a.yaml', object: cm('app', { a: '1', b: '2' }) }], undefined, io)).toBe(true);
    expect(await applyItems(client, [{ source: 'a.yaml', object: cm('app', { a: '1' }) }], undefined, io)).toBe(true);
    expect(io.out_).toEqual(['configmap/app created', 'configmap/app unchanged', 'configmap/app configured']);
    expect((await client.get<ConfigMap>(resolveResource('configmaps')!, 'app', 'default')).data).toEqual({ a: '1' });
  });

  it('keeps going past a bad document and reports it like kubectl', async () => {
    const io = recorder();
    const items = [
      { source: 'x.yaml', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad' }, spec: { containers: [{ name: 'c' }] } } },
      { source: 'x.yaml', object: { apiVersion: 'v1', kind: 'Foo', metadata: { name: 'f' } } },
      { source: 'x.yaml', object: cm('after', {}) },
    ];
    expect(await applyItems(client, items, 'default', io)).toBe(false);
    expect(io.out_).toEqual(['configmap/after created']);
    expect(io.err_[0]).toMatch(
      /^Error from server \(Invalid\): error when creating "x\.yaml": Pod "bad" is invalid: spec\.containers\[0\]\.image: Required value/,
    );
    expect(io.err_[1]).toBe(
      'error: resource mapping not found for name: "f" namespace: "" from "x.yaml": no matches for kind "Foo" in version "v1"\nensure CRDs are installed first',
    );
  });
});

describe('get', () => {
  it('prints what exists and reports what does not on stderr', async () => {
    const res = await get(client, ['configmaps', 'app', 'missing'], {});
    expect(res.text.split('\n')[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect(res.text.split('\n')[1]).toMatch(/^app\s+1\s+\d+s$/);
    expect(res.errors).toEqual(['Error from server (NotFound): configmaps "missing" not found']);
  });

  it('says so when a namespace has none', async () => {
    expect(await get(client, ['secrets'], { namespace: 'kube-public' })).toEqual({
      text: '',
      errors: [],
      empty: 'No resources found in kube-public namespace.',
    });
  });
});

describe('get -w', () => {
  it('prints the table, then one row per change without a header', async () => {
    const io = recorder();
    const abort = new AbortController();
    const done = watchAndPrint(client, ['cm'], { namespace: 'default', selector: 'watched=yes' }, io, abort.signal);
    await new Promise((r) => setTimeout(r, 150));
    await client.create(resolveResource('configmaps')!, cm('w1', { k: 'v' }, { watched: 'yes' }));
    for (let i = 0; i < 50 && io.out_.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    await done;
    expect(io.err_).toEqual(['No resources found in default namespace.']);
    expect(io.out_[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect(io.out_[1]).toMatch(/^w1\s+1\s+\d+s$/);
  });
});

describe('scale and delete', () => {
  it('scales through the scale subresource', async () => {
    const deploys = resolveResource('deployments')!;
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    };
    await client.create(deploys, d, 'default');
    const io = recorder();
    await scaleOne(client, deploys, 'web', 'default', { replicas: 4 }, io);
    expect(io.out_).toEqual(['deployment.apps/web scaled']);
    expect((await client.get<Deployment>(deploys, 'web', 'default')).spec.replicas).toBe(4);
  });

  it('deletes by selector, waits until gone, and reports NotFound like kubectl', async () => {
    const io = recorder();
    const { targets } = await resolveTargets(client, ['cm'], { selector: 'watched=yes', wait: true }, io);
    const { deleted, ok } = await deleteAll(
      client,
      [...targets, { resource: parseResourceArgs(['pods'])[0].resource, name: 'ghost', namespace: 'default' }],
      { wait: true },
      io,
    );
    await waitGone(client, deleted, 5000);
    expect(ok).toBe(false);
    expect(io.out_).toEqual(['configmap "w1" deleted']);
    expect(io.err_).toEqual(['Error from server (NotFound): pods "ghost" not found']);
  });
});
