// ?fieldValidation=Strict|Warn as kubectl 1.27+ sends it: unknown fields by their path, 400 or warnings.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '../api-server';
import { checkFields, parseFieldValidation, unknownFields } from './field-validation';

const deployment = (container: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { a: 'b' }, creationTimestamp: null },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    strategy: { rollingUpdate: { maxSurge: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        // Probe's handler and Volume's source are embedded structs: their fields sit in the parent.
        containers: [
          { name: 'web', image: 'nginx', resources: { limits: { cpu: '1' } }, readinessProbe: { httpGet: { port: 80 } }, ...container },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
});

describe('unknown fields', () => {
  it('are found by path, through lists, maps and wrapper types', () => {
    expect(unknownFields('Deployment', deployment({}))).toEqual([]);
    expect(unknownFields('Deployment', { ...deployment({ imagex: 'x' }), spec2: 1 })).toEqual([
      'spec.template.spec.containers[0].imagex',
      'spec2',
    ]);
    // Patch directives and deletions are not fields.
    expect(
      unknownFields('Pod', { spec: { '$setElementOrder/containers': [], containers: [{ name: 'a', $patch: 'delete' }], foo: null } }),
    ).toEqual([]);
  });

  it('Strict refuses with the decoder wording, Warn warns, other values are 422', () => {
    expect(() => checkFields('Deployment', 'apps/v1', deployment({ imagex: 'x' }), 'Strict')).toThrow(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagex"',
    );
    expect(checkFields('ConfigMap', 'v1', { data: {}, datax: {} }, 'Warn')).toEqual(['unknown field "datax"']);
    expect(checkFields('ConfigMap', 'v1', { datax: {} }, 'Ignore')).toEqual([]);
    expect(() => parseFieldValidation('strict', 'CreateOptions')).toThrow(/^CreateOptions.meta.k8s.io "" is invalid: fieldValidation/);
  });
});

describe('fieldValidation over HTTP', () => {
  let server: RunningApiServer;
  beforeAll(async () => {
    server = await startApiServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }) });
  });
  afterAll(() => server.close());

  it('a Strict create with an unknown field stores nothing; Warn stores with a Warning header', async () => {
    const post = (q: string, body: unknown) =>
      fetch(`http://127.0.0.1:${server.port}/api/v1/namespaces/default/configmaps${q}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const strict = await post('?fieldValidation=Strict', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, dat: {} });
    expect(strict.status).toBe(400);
    const warn = await post('?fieldValidation=Warn', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, dat: {} });
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toContain('unknown field \\"dat\\"');
  });
});
