// The OpenAPI documents kubectl reads: the v3 index, a group-version document whose PATCH operations carry
// the GVK and fieldValidation (kubectl's query_param_verifier_v3), and schemas kubectl explain walks.
import pino from 'pino';
import protobuf from 'protobufjs/minimal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from './api-server';

interface V3 {
  paths: Record<string, { patch?: { 'x-kubernetes-group-version-kind': object; parameters: { name: string; in: string }[] } }>;
  components: { schemas: Record<string, { properties: Record<string, object> }> };
}

describe('OpenAPI', () => {
  let server: RunningApiServer;
  const get = async <T>(p: string): Promise<T> => (await fetch(`http://127.0.0.1:${server.port}${p}`)).json() as Promise<T>;
  beforeAll(async () => {
    server = await startApiServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }) });
  });
  afterAll(() => server.close());

  it('indexes one v3 document per group-version, each with PATCH operations kubectl can verify', async () => {
    const index = await get<{ paths: Record<string, { serverRelativeURL: string }> }>('/openapi/v3');
    expect(Object.keys(index.paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/discovery.k8s.io/v1']));
    const apps = await get<V3>(index.paths['apis/apps/v1'].serverRelativeURL);
    const patch = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch!;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patch.parameters).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
  });

  it('describes the kinds with Kubernetes schema names, refs and field types', async () => {
    const core = await get<V3>('/openapi/v3/api/v1');
    const schemas = core.components.schemas;
    expect(schemas['io.k8s.api.core.v1.Pod']).toMatchObject({
      'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Pod' }],
      properties: { spec: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }] }, kind: { type: 'string' } },
    });
    expect(schemas['io.k8s.api.core.v1.PodSpec'].properties.containers).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' },
      description: expect.stringMatching(/^List of containers belonging to the pod/),
    });
    // A described reference is wrapped in allOf, as Kubernetes' v3 documents do.
    expect(schemas['io.k8s.api.core.v1.Container'].properties.readinessProbe).toMatchObject({
      allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Probe' }],
    });
    expect(schemas['io.k8s.api.core.v1.ContainerPort'].properties.containerPort).toMatchObject({ type: 'integer', format: 'int32' });
    expect(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).toEqual({ type: 'string', format: 'date-time' });
    // Embedded structs are flattened as JSON has them: Probe.httpGet, Volume.emptyDir.
    expect(schemas['io.k8s.api.core.v1.Probe'].properties.httpGet).toEqual({
      $ref: '#/components/schemas/io.k8s.api.core.v1.HTTPGetAction',
    });
    expect(schemas['io.k8s.api.core.v1.Volume'].properties.emptyDir).toBeTruthy();
    const v2 = await get<{ swagger: string; definitions: Record<string, unknown> }>('/openapi/v2');
    expect(v2.swagger).toBe('2.0');
    expect(v2.definitions['io.k8s.api.apps.v1.Deployment']).toBeTruthy();
    // kubectl 1.27/1.28 ask for gnostic protobuf: a parseable Document (swagger "2.0"), labelled without `@`.
    const pb = await fetch(`http://127.0.0.1:${server.port}/openapi/v2`, {
      headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' },
    });
    expect(pb.headers.get('content-type')).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    const r = protobuf.Reader.create(new Uint8Array(await pb.arrayBuffer()));
    expect(r.uint32()).toBe((1 << 3) | 2);
    expect(r.string()).toBe('2.0');
  });
});
