// Issue 10 (HTTPS, tokens, RBAC, ServiceAccounts) end to end: a pod running @kubernetes/client-node with its
// in-cluster config (loadFromCluster: the mounted ServiceAccount token and ca.crt, KUBERNETES_SERVICE_HOST) is
// forbidden to list pods until a RoleBinding grants `view`, then allowed; anonymous requests from a pod are
// refused; a node agent cannot modify another node; the real kubectl asks `auth can-i --as` a ServiceAccount;
// the CLI's create role|rolebinding|serviceaccount|token and auth can-i; a TokenReview of a pod's token.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource } from '@kubelab/api';
import { clusterCredentials, findCluster } from '@kubelab/cluster';
import { repoRoot } from '../support/cli';
import { startCluster, type TestCluster } from '../support/cluster';
import { execIn } from '../support/docker';
import { installedKubectls, kubectl } from '../support/kubectl';

const name = 'kltest-auth';
const context = `kubelab-${name}`;
const newest = installedKubectls()[0];
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const forbiddenList = (user: string, ns = 'default') =>
  `pods is forbidden: User "${user}" cannot list resource "pods" in API group "" in the namespace "${ns}"`;

/** The program the pod runs: the official client, configured only by what the kubelet gave the pod. */
const inClusterProgram = `
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
const kc = new KubeConfig();
kc.loadFromCluster();
const core = kc.makeApiClient(CoreV1Api);
try {
  const list = await core.listNamespacedPod({ namespace: 'default' });
  console.log(JSON.stringify({ ok: true, server: kc.getCurrentCluster().server, pods: list.items.map((p) => p.metadata.name) }));
} catch (err) {
  const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
  console.log(JSON.stringify({ ok: false, code: err.code, message: body?.message }));
}
`;

/** Bundled with esbuild and gzipped, so it fits a ConfigMap (binaryData) the pod mounts. */
async function bundleProgram(): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubelab-auth-e2e-'));
  try {
    const entry = path.join(dir, 'in-cluster.mjs');
    writeFileSync(entry, inClusterProgram);
    await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: path.join(dir, 'out.mjs'),
      nodePaths: [path.join(repoRoot, 'node_modules')],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'warning',
    });
    return gzipSync(readFileSync(path.join(dir, 'out.mjs')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('authentication and RBAC', () => {
  let c: TestCluster;
  let image: string;

  beforeAll(async () => {
    c = await startCluster(name, { workers: 1 });
    const info = (await findCluster(name))!;
    image = info.image;
    const program = await bundleProgram();
    await c.client.create(
      resolveResource('configmaps')!,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'in-cluster' },
        binaryData: { 'in-cluster.mjs.gz': program.toString('base64') },
      } as never,
      'default',
    );
    const pods = `
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  containers:
  - name: node
    image: ${image}
    command: [sh, -c, 'gunzip -c /program/in-cluster.mjs.gz > /tmp/in-cluster.mjs && exec sleep infinity']
    volumeMounts: [{name: program, mountPath: /program}]
  volumes: [{name: program, configMap: {name: in-cluster}}]
---
apiVersion: v1
kind: Pod
metadata: {name: curl}
spec:
  containers: [{name: curl, image: kubelab/toolbox:latest}]
---
apiVersion: v1
kind: Pod
metadata: {name: no-token}
spec:
  automountServiceAccountToken: false
  containers: [{name: curl, image: kubelab/toolbox:latest}]
`;
    await c.run(['apply', '-f', '-'], pods);
    await Promise.all(['reader', 'curl', 'no-token'].map((p) => c.waitReady(p, 90_000)));
  }, 240_000);
  afterAll(async () => {
    await c?.down();
  });

  it('mounts token, ca.crt and namespace as the kubelet does, and the kubernetes Service env', async () => {
    const out = await c.run([
      'exec',
      'curl',
      '--',
      'sh',
      '-c',
      `ls ${SA_DIR}; cat ${SA_DIR}/namespace; echo; echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`,
    ]);
    expect(out.split('\n')).toEqual(['ca.crt', 'namespace', 'token', 'default', '10.96.0.1:443', '']);
    const pod = await c.pod('curl');
    expect((pod.spec as { serviceAccountName?: string }).serviceAccountName).toBe('default');
    expect(pod.spec.volumes?.map((v) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-[a-z0-9]{5}$/)]);
    const none = await c.try(['exec', 'no-token', '--', 'ls', SA_DIR]);
    expect(none.code).not.toBe(0);
  });

  it('a pod with the default ServiceAccount is forbidden to list pods until a RoleBinding grants view (client-node in-cluster config)', async () => {
    const run = async () =>
      JSON.parse(await c.run(['exec', 'reader', '--', 'node', '/tmp/in-cluster.mjs'])) as {
        ok: boolean;
        code?: number;
        message?: string;
        server?: string;
        pods?: string[];
      };
    const before = await run();
    expect(before).toEqual({ ok: false, code: 403, message: forbiddenList('system:serviceaccount:default:default') });
    expect(await c.run(['create', 'rolebinding', 'default-view', '--clusterrole=view', '--serviceaccount=default:default'])).toBe(
      'rolebinding.rbac.authorization.k8s.io/default-view created\n',
    );
    const after = await run();
    expect(after.ok).toBe(true);
    expect(after.server).toBe('https://10.96.0.1:443');
    expect(after.pods).toEqual(expect.arrayContaining(['reader', 'curl', 'no-token']));
    // view does not reach secrets, nor writes.
    const secrets = await c.run([
      'exec',
      'curl',
      '--',
      'sh',
      '-c',
      `curl -s --cacert ${SA_DIR}/ca.crt -H "Authorization: Bearer $(cat ${SA_DIR}/token)" https://kubernetes.default.svc/api/v1/namespaces/default/secrets`,
    ]);
    expect(JSON.parse(secrets)).toMatchObject({ code: 403, reason: 'Forbidden' });
    await c.run(['delete', 'rolebinding', 'default-view']);
    expect(await run()).toMatchObject({ ok: false, code: 403 });
  });

  it('refuses anonymous requests from a pod, and a token nobody issued', async () => {
    const curl = (args: string) => c.run(['exec', 'curl', '--', 'sh', '-c', `curl -s --cacert ${SA_DIR}/ca.crt ${args}; echo " code=$?"`]);
    expect(JSON.parse((await curl('https://kubernetes.default.svc/api/v1/nodes')).replace(/ code=0\n$/, ''))).toMatchObject({
      code: 403,
      message: 'nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope',
    });
    const post = await curl(
      `-X POST -H 'content-type: application/json' -d '{"metadata":{"name":"x"}}' https://kubernetes.default.svc/api/v1/namespaces`,
    );
    expect(post).toContain('namespaces is forbidden: User \\"system:anonymous\\" cannot create resource \\"namespaces\\"');
    expect(await curl('-H "Authorization: Bearer forged" https://kubernetes.default.svc/api/v1/namespaces')).toContain('"code":401');
    // What anonymous may read: health and version (system:public-info-viewer).
    expect(await curl('https://kubernetes.default.svc/healthz')).toBe('ok code=0\n');
    // The control plane's own address serves the same rules, over HTTPS only.
    const cp = (await findCluster(name))!.nodes[0].ip;
    expect(await curl(`https://${cp}:6443/api/v1/namespaces/kube-system/secrets`)).toContain('"code":403');
  });

  it("a TokenReview by the admin authenticates a pod's mounted token, not a garbage one; the pod may not ask itself", async () => {
    const token = (await c.run(['exec', 'curl', '--', 'cat', `${SA_DIR}/token`])).trim();
    const review = async (t: string) =>
      (
        await c.client.raw<{ status: Record<string, unknown> }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token: t },
        })
      ).object.status;
    const pod = await c.pod('curl');
    expect(await review(token)).toMatchObject({
      authenticated: true,
      user: {
        username: 'system:serviceaccount:default:default',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
        extra: { 'authentication.kubernetes.io/pod-name': ['curl'], 'authentication.kubernetes.io/pod-uid': [pod.metadata.uid] },
      },
      audiences: ['https://kubernetes.default.svc.cluster.local'],
    });
    expect(await review('garbage')).toEqual({ user: {}, error: 'invalid bearer token' });
    const fromPod = await c.run([
      'exec',
      'curl',
      '--',
      'sh',
      '-c',
      `curl -s --cacert ${SA_DIR}/ca.crt -H "Authorization: Bearer $(cat ${SA_DIR}/token)" -H 'content-type: application/json' -d '{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","spec":{"token":"x"}}' https://kubernetes.default.svc/apis/authentication.k8s.io/v1/tokenreviews`,
    ]);
    expect(JSON.parse(fromPod)).toMatchObject({ code: 403, reason: 'Forbidden' });
  });

  it('a node agent cannot modify another node', async () => {
    const worker = `${name}-worker`;
    const cp = `${name}-control-plane`;
    // In the worker's container, with the token and CA `cluster up` gave its agent (system:node:<worker>).
    const patch = (node: string) =>
      execIn(worker, [
        'sh',
        '-c',
        `echo "$KUBELAB_CA_DATA" | base64 -d > /tmp/ca.crt && curl -s --cacert /tmp/ca.crt -H "Authorization: Bearer $KUBELAB_TOKEN" ` +
          `-X PATCH -H 'content-type: application/merge-patch+json' -d '{"metadata":{"labels":{"touched":"yes"}}}' ` +
          `https://$(echo $KUBELAB_API_URL | sed 's|https://||')/api/v1/nodes/${node}`,
      ]);
    const other = JSON.parse((await patch(cp)).stdout);
    expect(other).toMatchObject({
      code: 403,
      message: `nodes "${cp}" is forbidden: node "${worker}" is not allowed to modify node "${cp}"`,
    });
    const own = JSON.parse((await patch(worker)).stdout);
    expect(own.metadata.labels.touched).toBe('yes');
    // Nor may it read the admin's credentials: they exist only on the control plane's state volume.
    const creds = await clusterCredentials((await findCluster(name))!);
    expect((await execIn(worker, ['sh', '-c', 'ls /var/lib/kubelab 2>&1; env'])).stdout).not.toContain(creds!.adminToken);
  });

  it('kubelab create serviceaccount|role|token and auth can-i teach RBAC, impersonating as kubectl --as does', async () => {
    expect(await c.run(['create', 'serviceaccount', 'robot'])).toBe('serviceaccount/robot created\n');
    expect(await c.run(['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods,pods/log'])).toBe(
      'role.rbac.authorization.k8s.io/pod-reader created\n',
    );
    const canList = () => c.try(['auth', 'can-i', 'list', 'pods', '--as=system:serviceaccount:default:robot']);
    expect(await canList()).toMatchObject({ code: 1, stdout: 'no\n' });
    await c.run(['create', 'rolebinding', 'robot-reads', '--role=pod-reader', '--serviceaccount=default:robot']);
    expect(await canList()).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect((await c.try(['auth', 'can-i', 'get', 'pods', '--subresource=log', '--as=system:serviceaccount:default:robot'])).stdout).toBe(
      'yes\n',
    );
    expect((await c.try(['auth', 'can-i', 'delete', 'pods', '--as=system:serviceaccount:default:robot'])).stdout).toBe('no\n');
    expect((await c.try(['auth', 'can-i', 'list', 'pods', '-n', 'kube-system', '--as=system:serviceaccount:default:robot'])).stdout).toBe(
      'no\n',
    );
    const denied = await c.try(['get', 'secrets', '--as=system:serviceaccount:default:robot']);
    expect(denied.stderr.trim()).toBe(
      'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:default:robot" cannot list resource "secrets" in API group "" in the namespace "default"',
    );
    // A token for the ServiceAccount, through TokenRequest: a JWT whose subject is the ServiceAccount.
    const token = (await c.run(['create', 'token', 'robot', '--duration=10m'])).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'system:serviceaccount:default:robot', aud: ['https://kubernetes.default.svc.cluster.local'] });
    expect(claims.exp - claims.iat).toBe(600);
    const out = await c.run([
      'exec',
      'curl',
      '--',
      'sh',
      '-c',
      `curl -s --cacert ${SA_DIR}/ca.crt -H "Authorization: Bearer ${token}" https://kubernetes.default.svc/api/v1/namespaces/default/pods -o /dev/null -w '%{http_code}'`,
    ]);
    expect(out).toBe('200');
    expect((await c.run(['auth', 'whoami', '--as=system:serviceaccount:default:robot'])).split('\n')[1]).toMatch(
      /^Username\s+system:serviceaccount:default:robot$/,
    );
  });

  it.skipIf(!newest)('the real kubectl: auth can-i --as a ServiceAccount, and --as-group', async () => {
    const k = (args: string[]) => kubectl(newest, context, args);
    expect(await k(['auth', 'can-i', 'list', 'pods', '--as=system:serviceaccount:default:robot'])).toMatchObject({
      code: 0,
      stdout: 'yes\n',
    });
    expect(await k(['auth', 'can-i', 'create', 'deployments', '--as=system:serviceaccount:default:robot'])).toMatchObject({
      code: 1,
      stdout: 'no\n',
    });
    expect(await k(['auth', 'can-i', 'list', 'pods', '--as=jane', '--as-group=system:masters'])).toMatchObject({
      code: 0,
      stdout: 'yes\n',
    });
    const get = await k(['get', 'nodes', '--as=system:serviceaccount:default:robot']);
    expect(get.stderr).toContain(
      'nodes is forbidden: User "system:serviceaccount:default:robot" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    // The kubeconfig holds the CA and the admin's token, nothing insecure.
    const config = execFileSync(newest.bin, ['config', 'view', '--raw', '--minify', '--context', context], { encoding: 'utf8' });
    expect(config).toContain('certificate-authority-data:');
    expect(config).not.toContain('insecure-skip-tls-verify');
    expect(config).toMatch(/server: https:\/\/127\.0\.0\.1:\d+/);
    expect((await k(['auth', 'whoami'])).stdout).toMatch(/^Username\s+kubelab-admin$/m);
    // kubectl's typed creates (protobuf from 1.32): ServiceAccount, TokenRequest, Role, RoleBinding.
    expect((await k(['create', 'serviceaccount', 'kbot'])).stdout).toBe('serviceaccount/kbot created\n');
    expect((await k(['create', 'token', 'kbot', '--duration=15m'])).stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n?$/);
    expect((await k(['create', 'role', 'kbot-pods', '--verb=get,list', '--resource=pods'])).stdout).toBe(
      'role.rbac.authorization.k8s.io/kbot-pods created\n',
    );
    await k(['create', 'rolebinding', 'kbot-pods', '--role=kbot-pods', '--serviceaccount=default:kbot']);
    expect(await k(['auth', 'can-i', 'list', 'pods', '--as=system:serviceaccount:default:kbot'])).toMatchObject({
      code: 0,
      stdout: 'yes\n',
    });
  });
});
