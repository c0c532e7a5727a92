// PATCH with application/strategic-merge-patch+json over real HTTP: what kubectl apply, set image and
// patch send, applied with Kubernetes' merge keys (issue 9: an edited apply dropped ports and probes; an env
// entry answered 422 "image: Required value").
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '@kubelab/api';
import { startApiServer, type RunningApiServer } from '../api-server';

const log = pino({ level: 'silent' });
const path = '/apis/apps/v1/namespaces/default/deployments';

describe('strategic merge patch over HTTP', () => {
  let server: RunningApiServer;
  const send = async (method: string, url: string, body: unknown, type = 'application/json') => {
    const res = await fetch(`http://127.0.0.1:${server.port}${url}`, {
      method,
      headers: { 'content-type': type, accept: 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Deployment & { message?: string; reason?: string } };
  };
  const smp = (name: string, patch: unknown) => send('PATCH', `${path}/${name}`, patch, 'application/strategic-merge-patch+json');

  beforeAll(async () => {
    server = await startApiServer({ port: 0, host: '127.0.0.1', log });
    const created = await send('POST', path, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx:1.25',
                ports: [{ containerPort: 80 }],
                readinessProbe: { httpGet: { path: '/', port: 80 } },
              },
            ],
          },
        },
      },
    });
    expect(created.status).toBe(201);
  });
  afterAll(() => server.close());

  it('an image change keeps the container ports and probe', async () => {
    const res = await smp('web', {
      spec: {
        template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    });
    expect(res.status).toBe(200);
    const c = res.body.spec.template.spec.containers[0];
    expect(c.image).toBe('nginx:1.27');
    expect(c.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(c.readinessProbe?.httpGet?.path).toBe('/');
  });

  it('adding an env entry merges into the named container', async () => {
    const res = await smp('web', { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'A', value: '1' }] }] } } } });
    expect(res.status).toBe(200);
    expect(res.body.spec.template.spec.containers[0]).toMatchObject({ image: 'nginx:1.27', env: [{ name: 'A', value: '1' }] });
  });

  it('a missing merge key answers 500 with Kubernetes wording; a dry run stores nothing', async () => {
    const bad = await smp('web', { spec: { template: { spec: { containers: [{ image: 'x' }] } } } });
    expect(bad.status).toBe(500);
    expect(bad.body.message).toBe('map: map[image:x] does not contain declared merge key: name');
    const dry = await send(
      'PATCH',
      `${path}/web?dryRun=All`,
      { spec: { template: { spec: { containers: [{ name: 'web', image: 'dry' }] } } } },
      'application/strategic-merge-patch+json',
    );
    expect(dry.body.spec.template.spec.containers[0].image).toBe('dry');
    const now = await fetch(`http://127.0.0.1:${server.port}${path}/web`).then((r) => r.json() as Promise<Deployment>);
    expect(now.spec.template.spec.containers[0].image).toBe('nginx:1.27');
  });

  it('the scale sub-resource takes a strategic patch', async () => {
    const res = await send('PATCH', `${path}/web/scale`, { spec: { replicas: 0 } }, 'application/strategic-merge-patch+json');
    expect(res.status).toBe(200);
    expect((res.body as unknown as { kind: string }).kind).toBe('Scale');
  });
});
