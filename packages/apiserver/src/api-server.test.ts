// The API server over real HTTP on loopback, in-process: the REST verbs, watches, Status errors, restart.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, StatusError, type Node, type WatchEvent } from '@kubelab/api';
import { KubeClient, watch } from '@kubelab/client';
import { startApiServer, type RunningApiServer } from './api-server';
import { waitFor } from './fake-cluster.test-helper';

const nodes = resolveResource('nodes')!;
const namespaces = resolveResource('namespaces')!;
const log = pino({ level: 'silent' });

describe('API server', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'kubelab-api-'));
  let server: RunningApiServer;
  let client: KubeClient;

  beforeAll(async () => {
    server = await startApiServer({ port: 0, host: '127.0.0.1', stateDir, log });
    client = new KubeClient({ baseUrl: `http://127.0.0.1:${server.port}` });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('serves discovery, version and health', async () => {
    expect((await client.raw('GET', '/healthz')).object).toBe('ok');
    expect((await client.raw<{ gitVersion: string }>('GET', '/version')).object.gitVersion).toMatch(/^v1\.\d+/);
    const v1 = (await client.raw<{ resources: { name: string }[] }>('GET', '/api/v1')).object;
    expect(v1.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['namespaces', 'nodes', 'events', 'nodes/status']));
  });

  it('creates the bootstrap namespaces', async () => {
    const list = await client.list(namespaces);
    expect(list.kind).toBe('NamespaceList');
    expect(list.items.map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['default', 'kube-system']));
    expect(list.items.find((n) => n.metadata.name === 'default')?.status).toEqual({ phase: 'Active' });
  });

  it('create, get, update with conflict detection, merge patch, delete', async () => {
    const { object: created } = await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lab' } });
    expect(created.metadata.uid).toBeTruthy();
    expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
    const stale = { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } };
    const { object: updated } = await client.update(namespaces, stale);
    expect(updated.metadata.labels).toEqual({ a: 'b', 'kubernetes.io/metadata.name': 'lab' });
    await expect(client.update(namespaces, stale)).rejects.toMatchObject({ reason: 'Conflict', code: 409 });
    const patched = await client.patch(namespaces, 'lab', { metadata: { labels: { a: null, c: 'd' } } });
    expect(patched.metadata.labels).toEqual({ c: 'd', 'kubernetes.io/metadata.name': 'lab' });
    await expect(client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lab' } })).rejects.toThrow(
      'namespaces "lab" already exists',
    );
    await client.delete(namespaces, 'lab');
    // A namespace goes Terminating first; the namespace controller removes it a moment later (later still on a
    // loaded machine), so wait for the NotFound rather than race it.
    const gone = await waitFor(
      'namespace lab to be gone',
      () =>
        client.get(namespaces, 'lab').then(
          () => undefined,
          (err: Error) => err,
        ),
      30_000,
    );
    expect(gone.message).toBe('namespaces "lab" not found');
  });

  it('refuses malformed objects with a Status naming the field, and keeps serving', async () => {
    const bad = await client
      .create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'Bad_Name' }, spec: { podCIDR: 'nope' } })
      .catch((e: StatusError) => e);
    expect(bad).toBeInstanceOf(StatusError);
    expect((bad as StatusError).code).toBe(422);
    expect((bad as StatusError).message).toMatch(
      /^Node "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name".*spec\.podCIDR: Invalid value: "nope"/,
    );
    const notJson = await client.raw('POST', '/api/v1/nodes', undefined).catch((e: StatusError) => e);
    expect((notJson as StatusError).code).toBe(400);
    const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/nodes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"kind": ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect((await client.list(nodes)).items).toEqual([]);
    await expect(client.delete(namespaces, 'kube-system')).rejects.toThrow('this namespace may not be deleted');
    expect((await client.raw('GET', '/healthz')).object).toBe('ok');
  });

  it('streams watch events from a resourceVersion, and says 410 when history is gone', async () => {
    const list = await client.list(nodes);
    const events: WatchEvent<Node>[] = [];
    const abort = new AbortController();
    const done = watch<Node>(client, nodes, undefined, { resourceVersion: list.metadata.resourceVersion, signal: abort.signal }, (e) => {
      events.push(e);
      if (events.length === 3) abort.abort();
    });
    await client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {} });
    await client.patch(nodes, 'n1', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, undefined, 'status');
    await client.delete(nodes, 'n1');
    await done;
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(events[1].object.status?.conditions?.[0].status).toBe('True');
  });

  it('keeps its state across a restart', async () => {
    await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'persisted' } });
    await server.close();
    server = await startApiServer({ port: 0, host: '127.0.0.1', stateDir, log });
    await client.close();
    client = new KubeClient({ baseUrl: `http://127.0.0.1:${server.port}` });
    expect((await client.get(namespaces, 'persisted')).metadata.name).toBe('persisted');
  });

  // kube-controller-manager's namespace controller and the NamespaceLifecycle admission plugin.
  it('deletes a namespace as Kubernetes does: Terminating, emptied, then gone; no new content meanwhile', async () => {
    const configmaps = resolveResource('configmaps')!;
    await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    for (let i = 0; i < 50; i++)
      await client.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm${i}`, namespace: 'doomed' } }, 'doomed');
    // One object with a finalizer holds the namespace in Terminating until it is released below: on a fast
    // or a loaded machine alike, the namespace cannot be gone before the refused create is tried.
    const held = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', namespace: 'doomed', finalizers: ['kubelab.test/hold'] },
    };
    await client.create(configmaps, held, 'doomed');
    const deleted = await client.delete(namespaces, 'doomed');
    expect(deleted.metadata.deletionTimestamp).toBeTruthy();
    expect((deleted.status as { phase: string }).phase).toBe('Terminating');
    await expect(
      client.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'doomed' } }, 'doomed'),
    ).rejects.toMatchObject({ code: 403, message: 'unable to create new content in namespace doomed because it is being terminated' });
    await client.patch(configmaps, 'held', { metadata: { finalizers: null } }, 'doomed');
    // 5 s of polling was too short on a loaded machine (CI runs at load ~10): 30 s, and the test 60 s.
    await waitFor(
      'namespace doomed to be gone',
      () =>
        client.get(namespaces, 'doomed').then(
          () => false,
          (err: StatusError) => err.code === 404,
        ),
      30_000,
    );
    await expect(client.get(namespaces, 'doomed')).rejects.toMatchObject({ code: 404 });
    expect((await client.list(configmaps, 'doomed')).items).toEqual([]);
  }, 60_000);
});
