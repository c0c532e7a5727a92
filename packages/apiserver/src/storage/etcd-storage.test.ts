// The API server on a real etcd (the host's etcd binary, on a temp dir): Kubernetes' key layout, revisions
// as resourceVersions, commits before answers, watches resuming across a restart, 410 after compaction,
// changes made with etcdctl, and the one-time import of an older cluster's JSON snapshot.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, type KubeObject, type WatchEvent } from '@kubelab/api';
import { KubeClient, watch } from '@kubelab/client';
import { startApiServer, type RunningApiServer } from '../api-server';
import { hasEtcd, startTestEtcd, type TestEtcd } from './etcd.test-helper';

const pods = resolveResource('pods')!;
const configMaps = resolveResource('configmaps')!;
const services = resolveResource('services')!;
const nodes = resolveResource('nodes')!;
const log = pino({ level: process.env.KUBELAB_TEST_LOG ?? 'silent' });

// ConfigMaps for the revision checks: no controller writes to them after the test does.
const cm = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data: { a: '1' },
});
const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'kubelab/echo:latest' }] },
});

interface EtcdGet {
  header: { revision: number };
  kvs?: { key: string; value: string; mod_revision: number; create_revision: number }[];
}

describe.skipIf(!hasEtcd)('API server on etcd', { timeout: 30_000 }, () => {
  let etcd: TestEtcd;
  let server: RunningApiServer;
  let client: KubeClient;
  const diverged: string[] = [];

  const start = async (stateDir?: string): Promise<void> => {
    server = await startApiServer({
      port: 0,
      host: '127.0.0.1',
      stateDir,
      etcdEndpoints: [etcd.endpoint],
      onStorageDiverged: (r) => diverged.push(r),
      log,
      controllers: { resyncMs: 60_000 },
    });
    client = new KubeClient({ baseUrl: `http://127.0.0.1:${server.port}` });
  };
  const stop = async (): Promise<void> => {
    await client.close();
    await server.close();
  };
  const get = (key: string): EtcdGet => JSON.parse(etcd.ctl('get', key, '-w', 'json')) as EtcdGet;

  beforeAll(async () => {
    etcd = await startTestEtcd();
    await start();
  }, 30_000);
  afterAll(async () => {
    await stop();
    await etcd.stop();
  });

  it('keeps objects under /registry as kube-apiserver lays them out, resourceVersion = mod_revision', async () => {
    const { object: web } = await client.create(pods, pod('web'));
    const { object: svc } = await client.create(services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    });
    await client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    const kv = get('/registry/pods/default/web').kvs![0];
    // The scheduler may have written it since: its first version is the create.
    expect(String(kv.create_revision)).toBe(web.metadata.resourceVersion);
    const stored = JSON.parse(Buffer.from(kv.value, 'base64').toString()) as KubeObject;
    expect(stored.metadata.uid).toBe(web.metadata.uid);
    expect(stored.metadata.resourceVersion).toBeUndefined();
    expect(String(get('/registry/services/specs/default/web').kvs![0].mod_revision)).toBe(svc.metadata.resourceVersion);
    await expect.poll(() => get('/registry/services/endpoints/default/web').kvs ?? []).toHaveLength(1);
    expect(get('/registry/minions/n1').kvs).toHaveLength(1);
    expect(get('/registry/namespaces/default').kvs).toHaveLength(1);
    // etcdctl's plain output: the key, then the JSON value.
    expect(etcd.ctl('get', '/registry/pods/default/web')).toMatch(/^\/registry\/pods\/default\/web\n\{"apiVersion":"v1","kind":"Pod"/);
  });

  it('answers a write only once etcd has it', async () => {
    for (let i = 0; i < 20; i++) {
      const { object } = await client.create(configMaps, cm(`seq-${i}`));
      const kvs = get(`/registry/configmaps/default/seq-${i}`).kvs!;
      expect(String(kvs[0].mod_revision)).toBe(object.metadata.resourceVersion);
    }
    // Updates move the key's mod_revision to the new resourceVersion; a stale one conflicts.
    const cur = await client.get(configMaps, 'seq-0', 'default');
    const patched = await client.patch(configMaps, 'seq-0', { metadata: { labels: { a: 'b' } } }, 'default');
    expect(String(get('/registry/configmaps/default/seq-0').kvs![0].mod_revision)).toBe(patched.metadata.resourceVersion);
    await expect(client.update(configMaps, { ...cur, metadata: { ...cur.metadata, labels: { x: 'y' } } })).rejects.toMatchObject({
      code: 409,
      message:
        'Operation cannot be fulfilled on configmaps "seq-0": the object has been modified; please apply your changes to the latest version and try again',
    });
    await client.delete(configMaps, 'seq-0', 'default');
    expect(get('/registry/configmaps/default/seq-0').kvs ?? []).toEqual([]);
  });

  it('commits concurrent writes as groups sharing a revision, and a watch gets every change of a group', async () => {
    const list = await client.list(configMaps, 'default');
    const seen: string[] = [];
    const abort = new AbortController();
    const names = Array.from({ length: 30 }, (_, i) => `burst-${i}`);
    const done = watch(
      client,
      configMaps,
      'default',
      { resourceVersion: list.metadata.resourceVersion, signal: abort.signal },
      (e: WatchEvent) => {
        if (e.type === 'ADDED' && e.object.metadata.name?.startsWith('burst-')) seen.push(e.object.metadata.name);
        if (seen.length === names.length) abort.abort();
      },
    );
    const created = await Promise.all(names.map((n) => client.create(configMaps, cm(n))));
    await done;
    expect([...seen].sort()).toEqual([...names].sort());
    // Fewer revisions than writes: they were grouped; each key's mod_revision is the one it was answered with.
    const rvs = new Set(created.map((c) => c.object.metadata.resourceVersion));
    expect(rvs.size).toBeLessThan(names.length);
    for (const c of created) {
      expect(String(get(`/registry/configmaps/default/${c.object.metadata.name}`).kvs![0].mod_revision)).toBe(
        c.object.metadata.resourceVersion,
      );
    }
  });

  it('resumes a watch from a resourceVersion given before an API server restart', async () => {
    const { object } = await client.create(configMaps, cm('resume'));
    const from = object.metadata.resourceVersion!;
    await client.patch(configMaps, 'resume', { metadata: { labels: { step: 'one' } } }, 'default');
    await stop();
    await start();
    expect((await client.get(configMaps, 'resume', 'default')).metadata.labels).toEqual({ step: 'one' });
    await client.patch(configMaps, 'resume', { metadata: { labels: { step: 'two' } } }, 'default');
    const seen: string[] = [];
    const abort = new AbortController();
    const done = watch(client, configMaps, 'default', { resourceVersion: from, signal: abort.signal }, (e: WatchEvent) => {
      if (e.object.metadata.name !== 'resume') return;
      seen.push(`${e.type} ${e.object.metadata.labels?.step ?? ''}`);
      if (seen.length === 2) abort.abort();
    });
    await done;
    expect(seen).toEqual(['MODIFIED one', 'MODIFIED two']);
  });

  it('answers 410 Gone for a watch from before the last compaction', async () => {
    const { object } = await client.create(pods, pod('compacted'));
    const old = Number(object.metadata.resourceVersion);
    await client.patch(pods, 'compacted', { metadata: { labels: { v: '2' } } }, 'default');
    await client.patch(pods, 'compacted', { metadata: { labels: { v: '3' } } }, 'default');
    // Compacted past the first change after `old`: that watch cannot be served any more.
    const rev = get('/registry/pods/default/compacted').header.revision;
    etcd.ctl('compact', String(rev));
    await stop();
    await start();
    const err = await watch(client, pods, 'default', { resourceVersion: String(old) }, () => {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 410, reason: 'Expired' });
    expect((err as Error).message).toBe(`too old resource version: ${old} (${rev - 1})`);
  });

  it('follows a change made with etcdctl', async () => {
    await client.create(configMaps, cm('by-hand'));
    etcd.ctl('del', '/registry/configmaps/default/by-hand');
    await expect.poll(() => client.get(configMaps, 'by-hand', 'default').catch((e: { code: number }) => e.code)).toBe(404);
    // A key outside /registry moves etcd's revision too; the cache follows, and writes go on at etcd's revisions.
    etcd.ctl('put', '/not-an-object', 'x');
    const moved = get('/not-an-object').header.revision;
    await expect.poll(() => server.service.store.resourceVersion).toBeGreaterThanOrEqual(moved);
    const { object } = await client.create(configMaps, cm('after-hand'));
    expect(String(get('/registry/configmaps/default/after-hand').kvs![0].mod_revision)).toBe(object.metadata.resourceVersion);
    expect(diverged).toEqual([]);
  });

  it('imports an older cluster JSON snapshot once, into an empty etcd', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'kubelab-migrate-'));
    try {
      const old = await startApiServer({ port: 0, host: '127.0.0.1', stateDir, log });
      const oldClient = new KubeClient({ baseUrl: `http://127.0.0.1:${old.port}` });
      await oldClient.create(pods, pod('from-snapshot'));
      await oldClient.close();
      await old.close();
      await stop();
      const fresh = await startTestEtcd();
      const previous = etcd;
      etcd = fresh;
      try {
        await start(stateDir);
        expect((await client.get(pods, 'from-snapshot', 'default')).metadata.name).toBe('from-snapshot');
        expect(get('/registry/pods/default/from-snapshot').kvs).toHaveLength(1);
        expect(existsSync(path.join(stateDir, 'state.json'))).toBe(false);
        expect(existsSync(path.join(stateDir, 'state.json.migrated-to-etcd'))).toBe(true);
        await stop();
        await start(stateDir);
      } finally {
        await previous.stop();
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
