// Server-side apply over real HTTP on loopback, as kubectl apply --server-side sends it: PATCH with
// application/apply-patch+yaml (JSON or YAML), ?fieldManager=, ?force=, ?dryRun=All; creates when missing,
// managedFields per manager, 409 conflicts with Kubernetes' message, and Update entries for other writes.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { startApiServer, type RunningApiServer } from '../api-server';

const log = pino({ level: 'silent' });
const applyType = 'application/apply-patch+yaml';

describe('server-side apply', () => {
  let server: RunningApiServer;
  const send = async (method: string, path: string, body?: unknown, type = 'application/json', agent?: string) => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method,
      headers: { 'content-type': type, accept: 'application/json', ...(agent ? { 'user-agent': agent } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: answers are read freely
    return { status: res.status, body: (await res.json()) as KubeObject & Record<string, any> };
  };
  const cmPath = '/api/v1/namespaces/default/configmaps';
  const deployPath = '/apis/apps/v1/namespaces/default/deployments';
  const deployment = (replicas: number) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
    },
  });

  beforeAll(async () => {
    server = await startApiServer({ port: 0, host: '127.0.0.1', log });
  });
  afterAll(async () => {
    await server.close();
  });

  it('needs a fieldManager (422 on PatchOptions, as ValidatePatchOptions answers)', async () => {
    const res = await send('PATCH', `${cmPath}/x`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, applyType);
    expect(res.status).toBe(422);
    expect(res.body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const forced = await send('PATCH', `${cmPath}/x?force=true`, { data: {} }, 'application/merge-patch+json');
    expect(forced.status).toBe(422);
    expect(forced.body.message).toContain('force: Forbidden: may not be specified for non-apply patch');
  });

  it('creates from YAML when missing (201), records the manager, then updates (200)', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: "1"\n  b: "2"\n';
    const created = await send('PATCH', `${cmPath}/cfg?fieldManager=lesson`, yaml, applyType);
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ a: '1', b: '2' });
    expect(created.body.metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: 'lesson',
        operation: 'Apply',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
      }),
    ]);
    // b dropped from the config: removed, since nobody else owns it.
    const again = await send(
      'PATCH',
      `${cmPath}/cfg?fieldManager=lesson`,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: "1"\n',
      applyType,
    );
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual({ a: '1' });
  });

  it('dryRun=All stores nothing', async () => {
    const res = await send(
      'PATCH',
      `${cmPath}/dry?fieldManager=x&dryRun=All`,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } },
      applyType,
    );
    expect(res.status).toBe(201);
    expect((await send('GET', `${cmPath}/dry`)).status).toBe(404);
  });

  it('conflicts with the manager of an ordinary write, 409 with the fields; force takes them', async () => {
    const created = await send('POST', `${deployPath}?fieldManager=kubectl-client-side-apply`, deployment(2));
    expect(created.status).toBe(201);
    expect(created.body.metadata.managedFields?.[0]).toMatchObject({ manager: 'kubectl-client-side-apply', operation: 'Update' });
    const res = await send('PATCH', `${deployPath}/web?fieldManager=other&force=false`, deployment(3), applyType);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      code: 409,
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      details: {
        causes: [
          { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
        ],
      },
    });
    const forced = await send('PATCH', `${deployPath}/web?fieldManager=other&force=true`, deployment(3), applyType);
    expect(forced.status).toBe(200);
    expect(forced.body.spec.replicas).toBe(3);
  });

  it('names Update managers after the User-Agent when no fieldManager is given', async () => {
    const res = await send(
      'POST',
      cmPath,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ua' }, data: { k: 'v' } },
      'application/json',
      'kubectl/v1.33.0 (linux/amd64)',
    );
    expect(res.body.metadata.managedFields?.[0]).toMatchObject({ manager: 'kubectl', operation: 'Update', apiVersion: 'v1' });
  });

  it('refuses an apply of another kind and a body that is not YAML', async () => {
    const wrong = await send(
      'PATCH',
      `${cmPath}/k?fieldManager=x`,
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k' } },
      applyType,
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toBe('invalid object type: /v1, Kind=Secret');
    const bad = await send('PATCH', `${cmPath}/k?fieldManager=x`, 'a: [1, 2\n', applyType);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^error decoding YAML: /);
  });
});
