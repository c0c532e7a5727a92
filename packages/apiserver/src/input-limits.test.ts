// Input that cannot be stored is refused before it is acknowledged (issue 6): bodies nested too deep (and
// the results of patches) answer 400 naming the field and store nothing; bodies over 3 MiB answer
// 413 and unreadable media types 415, as Status objects; a huge watch timeoutSeconds means "long"; IDs
// Docker would refuse are refused by validation; a negative grace period becomes 1; and everything that
// was acknowledged comes back after a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from './api-server';
import type { Strategy } from './registry/strategy';

let server: RunningApiServer;
let base: string;
const cms = '/api/v1/namespaces/default/configmaps';
const pods = '/api/v1/namespaces/default/pods';

/** `{ a: { a: ... { a: 1 } } }` with `levels` objects. */
function nest(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

interface Answer {
  status: number;
  body: { reason?: string; message?: string; code?: number; kind?: string; [k: string]: unknown };
}

async function call(method: string, url: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const res = await fetch(base + url, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

function configMap(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' }, ...extra };
}

function pod(name: string, spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'i', ...container }], ...spec } };
}

describe('input that cannot be stored', () => {
  beforeAll(async () => {
    server = await startApiServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }) });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a deep JSON body with 400 naming the field, stores nothing, and lists keep working', async () => {
    for (const levels of [101, 2100, 3000]) {
      const res = await call('POST', cms, configMap(`deep-${levels}`, { extra: nest(levels) }));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
      // The body is level 1, so `extra` is level 2 and the 100th `a` below it is past the limit.
      expect(res.body.message).toBe(
        `ConfigMap in version "v1" cannot be handled as a ConfigMap: exceeded max depth: extra${'.a'.repeat(99)} is nested more than 100 levels deep`,
      );
      expect((await call('GET', `${cms}/deep-${levels}`)).status).toBe(404);
    }
    // A list nested a million levels deep costs no stack.
    const million = `{"metadata":{"name":"m"},"x":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
    const res = await call('POST', cms, million);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(`x${'[0]'.repeat(20)}`);
    expect((await call('GET', cms)).status).toBe(200);
  });

  it('accepts an object exactly at the limit and reads it back', async () => {
    const res = await call('POST', cms, configMap('at-limit', { extra: nest(99) }));
    expect(res.status).toBe(201);
    expect((await call('GET', `${cms}/at-limit`)).body.extra).toEqual(nest(99));
  });

  it('refuses patches whose result is too deep, leaving the object as it was', async () => {
    await call('POST', cms, configMap('patched', { extra: nest(60) }));
    // Each request is shallow, but copying the subtree under itself doubles the depth.
    const copy = [{ op: 'copy', from: '/extra', path: `/extra${'/a'.repeat(59)}/a` }];
    const res = await call('PATCH', `${cms}/patched`, copy, 'application/json-patch+json');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^ConfigMap in version "v1" cannot be handled as a ConfigMap: exceeded max depth: extra(\.a)+/);
    const merge = await call('PATCH', `${cms}/patched`, { extra: nest(120) }, 'application/merge-patch+json');
    expect(merge.status).toBe(400);
    expect((await call('GET', `${cms}/patched`)).body.extra).toEqual(nest(60));
  });

  it('answers 413 for bodies over 3 MiB, with or without Content-Length', async () => {
    const big = JSON.stringify(configMap('big', { data: { k: 'x'.repeat(4 * 1024 * 1024) } }));
    const res = await call('POST', cms, big);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'RequestEntityTooLarge',
      code: 413,
      message: 'Request entity too large: limit is 3145728',
    });
    // Chunked: no Content-Length to judge by, so the parser stops at the limit.
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode(i === 0 ? big.slice(0, 1_100_000) : 'x'.repeat(1_100_000)));
        c.close();
      },
    });
    const chunked = await fetch(base + cms, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { reason: string }).reason).toBe('RequestEntityTooLarge');
    expect((await call('GET', `${cms}/big`)).status).toBe(404);
  });

  it('answers 415 for media types it cannot read', async () => {
    const accepted =
      'the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf';
    // YAML too: the yaml library takes seconds on a large body (rest/body.ts).
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/yaml']) {
      const res = await call('POST', cms, configMap('typed'), type);
      expect(res.status, type).toBe(415);
      expect(res.body).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415, message: accepted });
    }
    // Protobuf is read (kubectl 1.32+ sends it), so JSON labelled as protobuf is a bad body, not an unknown type.
    expect((await call('POST', cms, configMap('typed'), 'application/vnd.kubernetes.protobuf')).status).toBe(400);
    await call('POST', cms, configMap('typed'));
    expect((await call('PUT', `${cms}/typed`, configMap('typed'), 'application/xml')).status).toBe(415);
    const patch = await call('PATCH', `${cms}/typed`, { data: { k: 'w' } }, 'text/plain');
    expect(patch.status).toBe(415);
    expect(patch.body.message).toMatch(/^the body of the request was in an unknown format - accepted media types include: /);
    // No Content-Type at all is read as JSON, as Kubernetes' negotiation does.
    const res = await fetch(base + cms, { method: 'POST', body: new TextEncoder().encode(JSON.stringify(configMap('untyped'))) });
    expect(res.status).toBe(201);
  });

  it('keeps a watch with a huge timeoutSeconds open, and closes one with a small timeout', async () => {
    for (const timeout of ['1e10', '9999999999999', String(2 ** 31)]) {
      const ctl = new AbortController();
      const res = await fetch(`${base}${cms}?watch=true&timeoutSeconds=${timeout}`, { signal: ctl.signal });
      const reader = res.body!.getReader();
      const ended = reader.read().then(async function drain(r): Promise<boolean> {
        return r.done ? true : drain(await reader.read());
      });
      const still = await Promise.race([ended, new Promise((r) => setTimeout(() => r('open'), 300))]);
      expect(still, timeout).toBe('open');
      ctl.abort();
      await ended.catch(() => undefined);
    }
    const short = await fetch(`${base}${cms}?watch=true&timeoutSeconds=1`);
    const started = Date.now();
    await short.text();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses user and group IDs outside 0-2147483647 with Kubernetes wording', async () => {
    const res = await call('POST', pods, pod('uid', {}, { securityContext: { runAsUser: -1, runAsGroup: 2 ** 31 } }));
    expect(res.status).toBe(422);
    expect(res.body.message).toBe(
      'Pod "uid" is invalid: [spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive, ' +
        'spec.containers[0].securityContext.runAsGroup: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive]',
    );
    const podLevel = await call('POST', pods, pod('fsg', { securityContext: { runAsUser: -2, fsGroup: -1, supplementalGroups: [1, -3] } }));
    expect(podLevel.status).toBe(422);
    const fields = (podLevel.body.details as { causes: { field: string }[] }).causes.map((c) => c.field);
    expect(fields).toEqual([
      'spec.securityContext.runAsUser',
      'spec.securityContext.fsGroup',
      'spec.securityContext.supplementalGroups[1]',
    ]);
    const init = await call('POST', pods, pod('init', { initContainers: [{ name: 'i', image: 'i', securityContext: { runAsUser: -1 } }] }));
    expect(init.body.message).toContain('spec.initContainers[0].securityContext.runAsUser: Invalid value: -1');
    expect((await call('POST', pods, pod('root', { securityContext: { runAsUser: 0, fsGroup: 0 } }))).status).toBe(201);
  });

  it('accepts a memory limit below what Docker runs, as Kubernetes does (the kubelet reports it)', async () => {
    const res = await call('POST', pods, pod('tiny', {}, { resources: { limits: { memory: '1' } } }));
    expect(res.status).toBe(201);
  });

  it('treats a negative grace period as 1 on create, update and delete', async () => {
    const created = await call('POST', pods, pod('grace', { terminationGracePeriodSeconds: -1 }));
    expect(created.status).toBe(201);
    expect((created.body.spec as { terminationGracePeriodSeconds: number }).terminationGracePeriodSeconds).toBe(1);
    // Without a resourceVersion: an unconditional update (the scheduler may have written the pod meanwhile).
    const updated = await call('PUT', `${pods}/grace`, {
      ...created.body,
      metadata: { name: 'grace' },
      spec: { ...(created.body.spec as object), terminationGracePeriodSeconds: -30 },
    });
    expect(updated.status).toBe(200);
    expect((updated.body.spec as { terminationGracePeriodSeconds: number }).terminationGracePeriodSeconds).toBe(1);
    const deleted = await call('DELETE', `${pods}/grace`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: -5 });
    expect(deleted.status).toBe(200);
    expect((await call('GET', `${pods}/grace`)).status).toBe(404);
  });
});

describe('acknowledged objects survive a restart', () => {
  it('restores everything acknowledged, and nothing that was refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kubelab-input-'));
    try {
      const first = await startApiServer({ port: 0, host: '127.0.0.1', stateDir: dir, log: pino({ level: 'silent' }) });
      base = `http://127.0.0.1:${first.port}`;
      expect((await call('POST', cms, configMap('before'))).status).toBe(201);
      expect((await call('POST', cms, configMap('deep', { extra: nest(2100) }))).status).toBe(400);
      expect((await call('POST', cms, configMap('after'))).status).toBe(201);
      expect((await call('POST', pods, pod('p1'))).status).toBe(201);
      await first.close();

      const second = await startApiServer({ port: 0, host: '127.0.0.1', stateDir: dir, log: pino({ level: 'silent' }) });
      base = `http://127.0.0.1:${second.port}`;
      try {
        const names = ((await call('GET', cms)).body.items as { metadata: { name: string } }[]).map((o) => o.metadata.name);
        expect(names).toEqual(expect.arrayContaining(['before', 'after']));
        expect(names).not.toContain('deep');
        expect((await call('GET', `${pods}/p1`)).status).toBe(200);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a write that fails answers an error and stores nothing', () => {
  it('computes everything that can fail before the object is stored', async () => {
    // A kind whose warnings step trips over the object: the create must not leave it behind.
    const widgets: Strategy = {
      info: {
        group: 'lab.test',
        version: 'v1',
        kind: 'Widget',
        plural: 'widgets',
        singular: 'widget',
        shortNames: [],
        namespaced: true,
        verbs: [],
      },
      nameRule: 'dns1123-subdomain',
      ignoredFields: (obj) => {
        if (obj.metadata.name === 'trip') throw new Error('boom');
        return [];
      },
    };
    const s = await startApiServer({ port: 0, host: '127.0.0.1', strategies: [widgets], log: pino({ level: 'silent' }) });
    base = `http://127.0.0.1:${s.port}`;
    try {
      const url = '/apis/lab.test/v1/namespaces/default/widgets';
      expect((await call('POST', url, { metadata: { name: 'trip' } })).status).toBe(500);
      expect((await call('GET', `${url}/trip`)).status).toBe(404);
      expect((await call('POST', url, { metadata: { name: 'ok' } })).status).toBe(201);
      expect((await call('PUT', `${url}/ok`, { metadata: { name: 'ok', labels: { a: 'b' } } })).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
