// Issue 6, deliverable 4: input that cannot be stored is refused before it is acknowledged, and a negative
// grace period neither wedges a node nor blocks its shutdown. Through the CLI and plain HTTP as a user sends
// them, against real containers: a deeply nested object is refused naming the field and a control-plane
// restart afterwards loses nothing; pods with terminationGracePeriodSeconds: -1 whose process ignores
// SIGTERM go away in bounded time, the node still starts pods, and `docker stop` of the node finishes well
// inside Docker's kill timeout; bodies too large or in unreadable types get 413 and 415; IDs and memory
// limits Docker would refuse are reported by the API or by the kubelet in words.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '@kubelab/api';
import { adminFetch, startCluster, type TestCluster } from '../support/cluster';
import { docker, eventually } from '../support/docker';

const name = 'kltest-hardening-input';
const worker = `${name}-worker`;
let c: TestCluster;
// The API as the cluster admin (token and CA): raw HTTP answers.
let api: (path: string, init?: RequestInit) => Promise<Response>;

function nest(levels: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

async function http(method: string, path: string, body?: string, contentType = 'application/json') {
  const res = await api(path, { method, headers: body === undefined ? {} : { 'content-type': contentType }, body });
  return { status: res.status, body: (await res.json()) as { reason?: string; message?: string; items?: KubeObject[] } };
}

/** A pod on the worker whose only process, `sleep` as PID 1, ignores SIGTERM: only SIGKILL ends it. */
function stubbornPod(podName: string, grace: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName, labels: { app: 'stubborn' } },
    spec: {
      nodeName: worker,
      terminationGracePeriodSeconds: grace,
      containers: [{ name: 'main', image: 'kubelab/toolbox:latest', command: ['sleep', 'infinity'] }],
    },
  });
}

async function podContainerCount(pod: string): Promise<number> {
  return (await docker.listContainers({ all: true, filters: { label: [`kubelab.cluster=${name}`, `kubelab.pod=${pod}`] } })).length;
}

describe('input that cannot be stored, and negative grace periods', () => {
  beforeAll(async () => {
    c = await startCluster(name, { workers: 1, env: { KUBELAB_BACKOFF_BASE_MS: '1000' } });
    api = await adminFetch(name);
  });
  afterAll(async () => {
    await c?.down();
  });

  it('refuses a deep object naming the field, storing nothing', async () => {
    // Through the CLI: a manifest nested 150 levels deep.
    const deep = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'deep' }, data: { k: 'v' }, extra: nest(150) };
    const cli = await c.try(['apply', '-f', '-'], JSON.stringify(deep));
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('exceeded max depth: extra.a.a.a');
    // Over HTTP: the 2100- and 3000-level objects of the issue (then accepted, or stored after a 500).
    for (const levels of [2100, 3000]) {
      const res = await http('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ ...deep, extra: nest(levels) }));
      expect(res.status).toBe(400);
      expect(res.body.reason).toBe('BadRequest');
      expect(res.body.message).toMatch(
        /^ConfigMap in version "v1" cannot be handled as a ConfigMap: exceeded max depth: extra(\.a){99} is nested more than 100 levels deep$/,
      );
    }
    expect((await c.try(['get', 'configmap', 'deep'])).code).not.toBe(0);
    expect((await http('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
  });

  it('pods with a negative grace period that ignore SIGTERM go away in bounded time, and the node still starts pods', async () => {
    for (let i = 1; i <= 4; i++) await c.run(['apply', '-f', '-'], stubbornPod(`stubborn-${i}`, -1));
    const pods = await Promise.all([1, 2, 3, 4].map((i) => c.waitPod(`stubborn-${i}`, 'Running', (p) => p.status?.phase === 'Running')));
    // Stored as Kubernetes stores it: a negative grace period is 1.
    expect(pods.map((p) => p.spec.terminationGracePeriodSeconds)).toEqual([1, 1, 1, 1]);

    const started = Date.now();
    await c.run(['delete', 'pod', 'stubborn-1', 'stubborn-2', 'stubborn-3', 'stubborn-4']);
    await eventually(
      'the stubborn pods to be gone from Docker',
      async () => (await Promise.all([1, 2, 3, 4].map((i) => podContainerCount(`stubborn-${i}`)))).every((n) => n === 0),
      30_000,
    );
    // SIGKILL after the kubelet's 2 s minimum grace: well under the 30 s bound waited for above.
    const gone = Date.now() - started;
    console.info(`4 SIGTERM-ignoring pods with terminationGracePeriodSeconds -1 gone from Docker in ${gone} ms`);
    expect(gone).toBeLessThan(30_000);

    await c.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'after-stubborn' },
        spec: { nodeName: worker, containers: [{ name: 'main', image: 'kubelab/toolbox:latest' }] },
      }),
    );
    await c.waitReady('after-stubborn', 30_000);
  });

  it('answers 413 and 415 as Status objects, and refuses IDs Docker would reject', async () => {
    const big = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big' },
      data: { k: 'x'.repeat(50 * 1024 * 1024) },
    });
    const tooLarge = await http('POST', '/api/v1/namespaces/default/configmaps', big);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' });
    const wrongType = await http('POST', '/api/v1/namespaces/default/configmaps', 'name=x', 'application/x-www-form-urlencoded');
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf',
    );

    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'uid' },
      spec: { containers: [{ name: 'main', image: 'kubelab/toolbox:latest', securityContext: { runAsUser: -1 } }] },
    });
    const refused = await c.try(['apply', '-f', '-'], manifest);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive',
    );
  });

  it("a memory limit below Docker's minimum is accepted, and the kubelet says why the container cannot be created", async () => {
    await c.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'tiny' },
        spec: { nodeName: worker, containers: [{ name: 'main', image: 'kubelab/toolbox:latest', resources: { limits: { memory: '1' } } }] },
      }),
    );
    const pod = await c.waitPod(
      'tiny',
      'waiting with CreateContainerError',
      (p: Pod) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerError',
    );
    expect((pod.status?.containerStatuses?.[0]?.state?.waiting as { message?: string } | undefined)?.message).toBe(
      'container "main": memory limit "1" (1 byte) is below the container runtime\'s minimum of 6Mi (6291456 bytes); raise resources.limits.memory',
    );
    expect(await c.run(['describe', 'pod', 'tiny'])).toContain('memory limit "1" (1 byte) is below the container runtime\'s minimum');
  });

  it('a control-plane restart after the refusals loses nothing', async () => {
    for (let i = 1; i <= 5; i++) await c.run(['create', 'configmap', `after-${i}`, `--from-literal=n=${i}`]);
    await c.run(['create', 'deployment', 'web', '--image=kubelab/echo:latest', '--replicas=2']);
    await eventually(
      'two web pods running',
      async () => (await c.pods('app=web')).filter((p) => p.status?.phase === 'Running').length === 2,
    );
    const listed = async (resource: string): Promise<string[]> =>
      ((await http('GET', `/api/v1/namespaces/default/${resource}`)).body.items ?? [])
        .map((o) => `${o.metadata.name}/${o.metadata.uid}`)
        .sort();
    const before = { configmaps: await listed('configmaps'), pods: await listed('pods') };
    expect(before.configmaps.filter((n) => n.startsWith('after-'))).toHaveLength(5);

    await docker.getContainer(`${name}-control-plane`).restart({ t: 10 });
    // The API's host port is picked by Docker and changes with a restart: look it up again, as the CLI does.
    await eventually(
      'the API server back after the restart',
      async () => {
        api = await adminFetch(name);
        return (await api('/readyz').catch(() => undefined))?.ok;
      },
      90_000,
    );
    expect(await listed('configmaps')).toEqual(before.configmaps);
    expect(await listed('pods')).toEqual(before.pods);
    expect((await c.run(['get', 'configmap', 'after-5', '-o', 'jsonpath={.data.n}'])).trim()).toBe('5');
  });

  it('a node whose pods ignore SIGTERM still stops quickly on docker stop', async () => {
    for (let i = 5; i <= 8; i++) await c.run(['apply', '-f', '-'], stubbornPod(`stubborn-${i}`, -1));
    // Over HTTP, not c.waitPod: the API's host port changed with the control-plane restart above.
    const running = async (i: number): Promise<boolean> =>
      ((await http('GET', `/api/v1/namespaces/default/pods/stubborn-${i}`)).body as Pod).status?.phase === 'Running';
    await eventually('stubborn pods 5-8 running', async () => (await Promise.all([5, 6, 7, 8].map(running))).every(Boolean));
    // Deletions under way (the kubelet's sync workers busy stopping containers) when the node is stopped.
    await c.run(['delete', 'pod', 'stubborn-5', 'stubborn-6', 'stubborn-7', 'stubborn-8', '--wait=false']);
    const started = Date.now();
    await docker.getContainer(worker).stop({ t: 30 });
    const took = Date.now() - started;
    console.info(`docker stop -t 30 of the worker, 4 pod deletions under way: ${took} ms`);
    // Docker would SIGKILL the agent after 30 s; it exits on SIGTERM by itself, well before.
    expect(took).toBeLessThan(20_000);
    const info = await docker.getContainer(worker).inspect();
    expect(info.State.ExitCode).toBe(0);
  });
});
