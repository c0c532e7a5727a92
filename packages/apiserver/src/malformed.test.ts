// Servers survive malformed requests: structurally wrong bodies for every kind come back as 4xx Status
// objects (never a 500 from a TypeError deep in validation), and the server keeps serving.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from './api-server';

let server: RunningApiServer;
let base: string;

const collections = [
  '/api/v1/namespaces',
  '/api/v1/nodes',
  '/api/v1/namespaces/default/events',
  '/api/v1/namespaces/default/pods',
  '/api/v1/namespaces/default/configmaps',
  '/api/v1/namespaces/default/secrets',
  '/apis/apps/v1/namespaces/default/deployments',
  '/apis/apps/v1/namespaces/default/replicasets',
];

// Every top-level and nested field of the wrong JSON type somewhere kubelab reads it.
const wrongShapes: unknown[] = [
  null,
  42,
  'a string',
  [],
  [{ metadata: { name: 'x' } }],
  {},
  { metadata: null },
  { metadata: [] },
  { metadata: { name: 42 } },
  { metadata: { name: 'x', labels: 'app=web' } },
  { metadata: { name: 'x', labels: { app: 5 } } },
  { metadata: { name: 'x', annotations: [] } },
  { metadata: { name: 'x', ownerReferences: 'me' } },
  { metadata: { name: 'x' }, spec: 'nope' },
  { metadata: { name: 'x' }, spec: [] },
  { metadata: { name: 'x' }, spec: { containers: 'web' } },
  { metadata: { name: 'x' }, spec: { containers: [null] } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i', ports: 'http' }] } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i', ports: [null] }] } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i', env: { A: 'b' } }] } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i', env: [{ name: 'A', valueFrom: 'cm' }] }] } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i', readinessProbe: { httpGet: 'x' } }] } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i', command: 'sh -c true' }] } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i', resources: { limits: [] } }] } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i', volumeMounts: [{}] }], volumes: 'v' } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i' }], volumes: [null, { name: 5 }] } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i' }], initContainers: {} } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i' }], nodeSelector: ['a'] } },
  { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i' }], tolerations: [7] } },
  { metadata: { name: 'x' }, spec: { replicas: 'three', selector: 'app=x', template: [] } },
  { metadata: { name: 'x' }, spec: { replicas: 1, selector: { matchLabels: 'x' }, template: { metadata: 1, spec: 1 } } },
  { metadata: { name: 'x' }, spec: { selector: { matchExpressions: [{ key: 'a', operator: 'Bogus' }] }, template: {} } },
  { metadata: { name: 'x' }, spec: { strategy: { rollingUpdate: { maxSurge: [] } } } },
  { metadata: { name: 'x' }, data: ['a'] },
  { metadata: { name: 'x' }, data: { k: 5 } },
  { metadata: { name: 'x' }, stringData: 'x' },
  { metadata: { name: 'x' }, spec: { podCIDR: 7, taints: 'none' } },
  { metadata: { name: 'x' }, involvedObject: 'pod/x' },
];

async function send(method: string, path: string, body: unknown, contentType = 'application/json'): Promise<number> {
  const res = await fetch(base + path, { method, headers: { 'content-type': contentType }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 500) throw new Error(`${method} ${path} ${JSON.stringify(body)} -> ${res.status} ${text}`);
  return res.status;
}

// About 700 requests one after another: a few seconds on a loaded 2-core machine (CI runs at load ~10), so the
// tests get a deadline that fits there rather than vitest's 5 s.
describe('malformed requests', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    server = await startApiServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }) });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates with wrong shapes are refused with 4xx, never 500', async () => {
    for (const path of collections) {
      for (const body of wrongShapes) {
        const status = await send('POST', path, body);
        if (status < 300) {
          // A few shapes are valid for some kinds (e.g. `{metadata:{name:'x'}}` is a fine Namespace): clean up.
          await fetch(`${base}${path}/x`, { method: 'DELETE' });
          continue;
        }
        expect(status, `${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it('updates and patches with wrong shapes are refused with 4xx, never 500', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'i' }] } };
    expect(await send('POST', '/api/v1/namespaces/default/pods', pod)).toBe(201);
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'i' }] } },
      },
    };
    expect(await send('POST', '/apis/apps/v1/namespaces/default/deployments', dep)).toBe(201);
    const targets = [
      '/api/v1/namespaces/default/pods/p',
      '/api/v1/namespaces/default/pods/p/status',
      '/apis/apps/v1/namespaces/default/deployments/d',
      '/apis/apps/v1/namespaces/default/deployments/d/scale',
      '/apis/apps/v1/namespaces/default/deployments/d/status',
    ];
    for (const path of targets) {
      for (const body of wrongShapes) {
        await send('PUT', path, body);
        await send('PATCH', path, body, 'application/merge-patch+json');
      }
    }
    await send('POST', '/api/v1/namespaces/default/pods/p/binding', { target: 'node' });
    await send('POST', '/api/v1/namespaces/default/pods/p/binding', null);
  });

  it('odd paths, methods, selectors and watch parameters get Status answers', async () => {
    const probes: [string, string][] = [
      ['GET', '/api/v1/namespaces/default/pods?labelSelector=a%20in%20(b'],
      ['GET', '/api/v1/namespaces/default/pods?fieldSelector=%3D%3D%3D'],
      ['GET', '/api/v1/namespaces/default/pods?watch=true&resourceVersion=abc&timeoutSeconds=1'],
      ['GET', '/api/v1/namespaces/default/pods?watch=true&resourceVersion=1&timeoutSeconds=1'],
      ['GET', '/api/v1/namespaces/%E0%A4%A/pods'],
      ['GET', '/api/v1/namespaces/default/pods/p/exec'],
      ['GET', '/apis/apps/v1/namespaces/default/deployments/d/scale/extra'],
      ['DELETE', '/api/v1/namespaces/default/pods?labelSelector=!!!'],
      ['OPTIONS', '/api/v1/nodes'],
      ['GET', '/apis/nope.io/v9/things'],
    ];
    // At once: the two watches run their full second before their bodies end.
    await Promise.all(
      probes.map(async ([method, path]) => {
        const res = await fetch(base + path, { method });
        await res.text();
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
      }),
    );
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});

describe('probe headers and hosts that would break an HTTP request', () => {
  it('are refused naming the field', async () => {
    const s = await startApiServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }) });
    try {
      const probe = { httpGet: { port: 8080, host: 'bad host/x', httpHeaders: [{ name: 'X Bad', value: 'a\r\nb' }] } };
      const res = await fetch(`http://127.0.0.1:${s.port}/api/v1/namespaces/default/pods`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p' },
          spec: { containers: [{ name: 'a', image: 'i', readinessProbe: probe }] },
        }),
      });
      expect(res.status).toBe(422);
      const fields = ((await res.json()) as { details: { causes: { field: string }[] } }).details.causes.map((c) => c.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          'spec.containers[0].readinessProbe.httpGet.httpHeaders[0].name',
          'spec.containers[0].readinessProbe.httpGet.httpHeaders[0].value',
          'spec.containers[0].readinessProbe.httpGet.host',
        ]),
      );
    } finally {
      await s.close();
    }
  });
});
