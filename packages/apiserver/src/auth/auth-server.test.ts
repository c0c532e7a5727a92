// The API server with authentication and RBAC on, over HTTPS: anonymous and bad tokens, the Forbidden
// wording, ServiceAccounts and TokenRequest, the admission plugin's token volume, NodeRestriction,
// impersonation and the access reviews. The credentials are what `cluster up` generates.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, StatusError, type Pod } from '@kubelab/api';
import { KubeClient } from '@kubelab/client';
import { generateClusterPki } from '../../../cluster/src/pki';
import { INSECURE_NO_AUTH_ENV, startApiServer, type RunningApiServer } from '../api-server';
import { runApiServerFromEnv } from '../main';
import { parseTokenFile } from './authenticator';
import { ServiceAccountTokens } from './service-account-tokens';

const pki = generateClusterPki({
  cluster: 't',
  controlPlaneIp: '127.0.0.1',
  controlPlaneName: 'cp',
  serviceIp: '10.96.0.1',
  nodeNames: ['n1', 'n2'],
});
let server: RunningApiServer;
let base: string;
const r = (plural: string) => resolveResource(plural)!;
const client = (token?: string, headers: Record<string, string> = {}) => {
  const c = new KubeClient({ baseUrl: base, token, ca: pki.caCert });
  if (Object.keys(headers).length) {
    const auth = c.authHeaders.bind(c);
    c.authHeaders = () => ({ ...auth(), ...headers });
  }
  return c;
};
async function status(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StatusError) return { code: err.code, message: err.message };
    throw err;
  }
  return { code: 200, message: '' };
}
const pod = (name: string, extra: Partial<Pod['spec']> = {}): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'i' }], ...extra } }) as Pod;

describe('API server with authentication and RBAC', () => {
  let admin: KubeClient;
  beforeAll(async () => {
    server = await startApiServer({
      port: 0,
      host: '127.0.0.1',
      log: pino({ level: 'silent' }),
      auth: {
        tls: { cert: pki.files['apiserver.crt'], key: pki.files['apiserver.key'] },
        config: {
          caCert: pki.caCert,
          staticTokens: parseTokenFile(pki.files['tokens.csv']),
          serviceAccountTokens: new ServiceAccountTokens(createPrivateKey(pki.files['sa.key'])),
        },
      },
    });
    base = `https://127.0.0.1:${server.port}`;
    admin = client(pki.adminToken);
  });
  afterAll(async () => {
    await server.close();
  });

  it('lets anonymous read /healthz and /version only; a bad token is 401', async () => {
    const anon = client();
    expect((await anon.raw('GET', '/healthz')).object).toBe('ok');
    expect((await anon.raw<{ gitVersion: string }>('GET', '/version')).object.gitVersion).toMatch(/^v1\./);
    expect(await status(anon.list(r('pods'), 'default'))).toEqual({
      code: 403,
      message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"',
    });
    expect(await status(anon.raw('GET', '/api'))).toEqual({
      code: 403,
      message: 'forbidden: User "system:anonymous" cannot get path "/api"',
    });
    expect(await status(client('nope').list(r('nodes')))).toEqual({ code: 401, message: 'Unauthorized' });
    // Plain HTTP on the HTTPS port is told so, as kube-apiserver (Go's net/http) answers it.
    const plain = await new Promise<string>((resolve, reject) => {
      const sock = connect(server.port, '127.0.0.1', () => sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      let text = '';
      sock.on('data', (d) => (text += d));
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
    });
    expect(plain).toBe('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
    // Authorization comes before the body is read: an anonymous write in a foreign media type is 403, not 415.
    expect(await status(anon.raw('POST', '/api/v1/namespaces', 'x', 'text/plain'))).toMatchObject({ code: 403 });
  });

  it('a pod created right after its namespace finds kube-root-ca.crt already there (no FailedMount wait)', async () => {
    await admin.create(r('namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } });
    await admin.create<Pod>(r('pods'), pod('first'), 'fresh');
    const cm = await admin.get<{ data: Record<string, string> } & import('@kubelab/api').KubeObject>(
      r('configmaps'),
      'kube-root-ca.crt',
      'fresh',
    );
    expect(cm.data['ca.crt']).toBe(pki.caCert);
  });

  it('gives every namespace a default ServiceAccount and kube-root-ca.crt; pods get the token volume', async () => {
    const sa = await admin.get(r('serviceaccounts'), 'default', 'default');
    expect(sa.metadata.uid).toBeDefined();
    const cm = await admin.get<{ data: Record<string, string> } & import('@kubelab/api').KubeObject>(
      r('configmaps'),
      'kube-root-ca.crt',
      'default',
    );
    expect(cm.data['ca.crt']).toBe(pki.caCert);
    const { object } = await admin.create<Pod>(r('pods'), pod('web'), 'default');
    const spec = object.spec as unknown as { serviceAccountName?: string; volumes?: { name: string; projected?: { sources: object[] } }[] };
    expect(spec.serviceAccountName).toBe('default');
    const vol = spec.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!;
    expect(vol.projected!.sources).toEqual([
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ]);
    expect(object.spec.containers[0].volumeMounts).toEqual([
      { name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
    ]);
    const { object: off } = await admin.create<Pod>(
      r('pods'),
      pod('no-token', { automountServiceAccountToken: false } as never),
      'default',
    );
    expect(off.spec.volumes ?? []).toEqual([]);
    expect(await status(admin.create(r('pods'), pod('ghost', { serviceAccountName: 'ghost' } as never), 'default'))).toEqual({
      code: 403,
      message: 'pods "ghost" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found',
    });
  });

  it('issues bound tokens by TokenRequest; the ServiceAccount needs a RoleBinding to list pods', async () => {
    const web = await admin.get<Pod>(r('pods'), 'web', 'default');
    const { object: tr } = await admin.raw<{ status: { token: string; expirationTimestamp: string } }>(
      'POST',
      '/api/v1/namespaces/default/serviceaccounts/default/token',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: web.metadata.uid } },
      },
    );
    const sa = client(tr.status.token);
    expect(await status(sa.list(r('pods'), 'default'))).toEqual({
      code: 403,
      message:
        'pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"',
    });
    await admin.create(
      r('rolebindings'),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'default-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
      } as never,
      'default',
    );
    expect((await sa.list(r('pods'), 'default')).items.length).toBeGreaterThan(0);
    expect(await status(sa.list(r('secrets'), 'default'))).toMatchObject({ code: 403 });
    // The token dies with its pod.
    await admin.delete(r('pods'), 'web', 'default', { gracePeriodSeconds: 0 });
    await new Promise((res) => setTimeout(res, 50));
    if ((await status(admin.get(r('pods'), 'web', 'default'))).code === 404)
      expect(await status(sa.list(r('pods'), 'default'))).toEqual({ code: 401, message: 'Unauthorized' });
    expect(
      await status(admin.raw('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { spec: { expirationSeconds: 60 } })),
    ).toMatchObject({
      code: 422,
      message: expect.stringContaining('spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes'),
    });
  });

  it('prevents escalation: a Role or binding may grant only what its author holds, unless escalate/bind', async () => {
    const rbac = (kind: string, body: object) => admin.create(r(`${kind}.rbac.authorization.k8s.io`), body as never, 'default');
    await rbac('roles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'rbac-writer' },
      rules: [{ verbs: ['create', 'update'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] }],
    });
    const bind = (name: string, roleKind: string, role: string, user: string) =>
      rbac('rolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
      });
    await bind('jane-rbac', 'Role', 'rbac-writer', 'jane');
    const jane = client(pki.adminToken, { 'impersonate-user': 'jane' });
    const secretsRole = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'secret-reader' },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }],
    };
    expect(await status(jane.create(r('roles.rbac.authorization.k8s.io'), secretsRole as never, 'default'))).toEqual({
      code: 403,
      message:
        'roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    });
    const viewBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'friend-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'friend' }],
    };
    expect(await status(jane.create(r('rolebindings.rbac.authorization.k8s.io'), viewBinding as never, 'default'))).toMatchObject({
      code: 403,
    });
    // A role that does not exist cannot be bound without `bind` (GetRoleReferenceRules' NotFound is Forbidden).
    expect(await status(bind('admin-ghost', 'Role', 'ghost', 'friend'))).toMatchObject({ code: 200 }); // system:masters may
    expect(
      await status(
        jane.create(
          r('rolebindings.rbac.authorization.k8s.io'),
          { ...viewBinding, metadata: { name: 'ghost' }, roleRef: { ...viewBinding.roleRef, kind: 'Role', name: 'ghost' } } as never,
          'default',
        ),
      ),
    ).toEqual({
      code: 403,
      message: 'rolebindings.rbac.authorization.k8s.io "ghost" is forbidden: roles.rbac.authorization.k8s.io "ghost" not found',
    });
    // Holding view herself, jane may hand it on.
    await bind('jane-view', 'ClusterRole', 'view', 'jane');
    await jane.create(r('rolebindings.rbac.authorization.k8s.io'), viewBinding as never, 'default');
  });

  it('checks the merged object of a PATCH or apply for escalation; an apply that creates needs create', async () => {
    const rbacGroup = 'rbac.authorization.k8s.io';
    await admin.create(
      r(`roles.${rbacGroup}`),
      {
        apiVersion: `${rbacGroup}/v1`,
        kind: 'Role',
        metadata: { name: 'patcher' },
        rules: [
          { verbs: ['get', 'patch'], apiGroups: [rbacGroup], resources: ['roles'] },
          { verbs: ['patch'], apiGroups: [''], resources: ['configmaps'] },
        ],
      } as never,
      'default',
    );
    await admin.create(
      r(`rolebindings.${rbacGroup}`),
      {
        apiVersion: `${rbacGroup}/v1`,
        kind: 'RoleBinding',
        metadata: { name: 'pat-patcher' },
        roleRef: { apiGroup: rbacGroup, kind: 'Role', name: 'patcher' },
        subjects: [{ kind: 'User', apiGroup: rbacGroup, name: 'pat' }],
      } as never,
      'default',
    );
    const pat = client(pki.adminToken, { 'impersonate-user': 'pat' });
    const secrets = { verbs: ['get'], apiGroups: [''], resources: ['secrets'] };
    const escalating =
      'roles.rbac.authorization.k8s.io "patcher" is forbidden: user "pat" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}';
    // A merge patch that adds a rule pat does not hold: the merged Role is checked, as kube-apiserver does.
    expect(await status(pat.patch(r(`roles.${rbacGroup}`), 'patcher', { rules: [secrets] }, 'default'))).toEqual({
      code: 403,
      message: escalating,
    });
    const apply = (path: string, body: object) =>
      pat.raw('PATCH', `${path}?fieldManager=pat&force=true`, body, 'application/apply-patch+yaml');
    const rolePath = '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/patcher';
    expect(
      await status(apply(rolePath, { apiVersion: `${rbacGroup}/v1`, kind: 'Role', metadata: { name: 'patcher' }, rules: [secrets] })),
    ).toEqual({
      code: 403,
      message: escalating,
    });
    // A patch within what pat holds goes through.
    await pat.patch(r(`roles.${rbacGroup}`), 'patcher', { metadata: { labels: { ok: 'yes' } } }, 'default');
    // Apply that would create needs the create verb, which pat lacks.
    expect(
      await status(
        apply('/api/v1/namespaces/default/configmaps/made-by-apply', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'made-by-apply' },
        }),
      ),
    ).toEqual({
      code: 403,
      message:
        'configmaps "made-by-apply" is forbidden: User "pat" cannot create resource "configmaps" in API group "" in the namespace "default"',
    });
    expect(await status(admin.get(r('configmaps'), 'made-by-apply', 'default'))).toMatchObject({ code: 404 });
    // A node applying a Node that does not exist yet is held to NodeRestriction as a create.
    const n1 = client(pki.nodeTokens.n1);
    expect(
      await status(
        n1.raw(
          'PATCH',
          '/api/v1/nodes/n9?fieldManager=n1',
          { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n9' } },
          'application/apply-patch+yaml',
        ),
      ),
    ).toMatchObject({
      code: 403,
    });
  });

  it('answers 400 for a path with dot-segments or backslashes and routes case-sensitively, as the authorizer reads it', async () => {
    // node:https sends the path as given (a URL-based client would resolve the dot-segments itself).
    const send = (method: string, path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          { host: '127.0.0.1', port: server.port, method, path, ca: pki.caCert, headers: { authorization: `Bearer ${pki.adminToken}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await send('GET', '/api/v1/namespaces/default/pods/../secrets')).toBe(400);
    expect(await send('GET', '/api/v1/namespaces/default/pods/%2e%2e/secrets')).toBe(400);
    expect(await send('GET', '/api/v1/namespaces/default/pods%5cweb')).toBe(400);
    expect(await send('POST', '/API/v1/namespaces/default/pods/web/eviction')).toBe(404);
    expect(await send('GET', '/api/v1/namespaces/default/pods')).toBe(200);
  });

  it('answers TokenReviews for ServiceAccount, node and admin tokens, to those allowed to create them', { timeout: 20_000 }, async () => {
    await admin.create(
      r('serviceaccounts'),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reviewer' } } as never,
      'default',
    );
    const tokenFor = async (sa: string): Promise<string> =>
      (await admin.raw<{ status: { token: string } }>('POST', `/api/v1/namespaces/default/serviceaccounts/${sa}/token`, { spec: {} }))
        .object.status.token;
    const review = async (c: KubeClient, token: string, audiences?: string[]) =>
      (
        await c.raw<{ spec: object; status: Record<string, unknown> }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token, ...(audiences ? { audiences } : {}) },
        })
      ).object;
    const issuer = 'https://kubernetes.default.svc.cluster.local';
    const saToken = await tokenFor('default');
    const sa = await review(admin, saToken);
    expect(sa.spec).toEqual({ token: saToken });
    expect(sa.status).toMatchObject({
      authenticated: true,
      user: {
        username: 'system:serviceaccount:default:default',
        uid: expect.any(String),
        groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      },
      audiences: [issuer],
    });
    expect((await review(admin, pki.nodeTokens.n1)).status).toMatchObject({
      authenticated: true,
      user: { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] },
      audiences: [issuer],
    });
    expect((await review(admin, pki.adminToken)).status).toMatchObject({
      authenticated: true,
      user: { username: 'kubelab-admin', groups: ['system:masters', 'system:authenticated'] },
    });
    expect((await review(admin, 'not-a-token')).status).toEqual({ user: {}, error: 'invalid bearer token' });
    expect((await review(admin, saToken, ['vault'])).status).toEqual({
      user: {},
      error: `[invalid bearer token, token audiences ["${issuer}"] is invalid for the target audiences ["vault"]]`,
    });
    // Another signer's token of the same issuer: the signature does not hold.
    const other = new ServiceAccountTokens(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const forged = other.issue({
      namespace: 'default',
      serviceAccount: { name: 'default', uid: 'x' },
      audiences: [issuer],
      expirationSeconds: 3600,
    }).token;
    expect((await review(admin, forged)).status).toEqual({
      user: {},
      error: '[invalid bearer token, go-jose/go-jose: error in cryptographic primitive]',
    });
    expect(await status(admin.raw('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { kind: 'TokenReview', spec: {} }))).toEqual({
      code: 400,
      message: 'token is required for TokenReview in authentication',
    });
    // Only with create tokenreviews: system:auth-delegator.
    const reviewer = client(await tokenFor('reviewer'));
    expect(await status(review(reviewer, saToken))).toEqual({
      code: 403,
      message:
        'tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:default:reviewer" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope',
    });
    await admin.create(r('clusterrolebindings'), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'reviewer-auth-delegator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects: [{ kind: 'ServiceAccount', name: 'reviewer', namespace: 'default' }],
    } as never);
    expect((await review(reviewer, saToken)).status).toMatchObject({ authenticated: true });
    const discovery = (await admin.raw<{ resources: { name: string; verbs: string[] }[] }>('GET', '/apis/authentication.k8s.io/v1')).object;
    expect(discovery.resources).toContainEqual(expect.objectContaining({ name: 'tokenreviews', kind: 'TokenReview', verbs: ['create'] }));
  });

  it('keeps a node agent to its own Node', async () => {
    const n1 = client(pki.nodeTokens.n1);
    await n1.create(r('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await admin.create(r('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    await n1.patch(r('nodes'), 'n1', { metadata: { labels: { mine: 'yes' } } });
    expect(await status(n1.patch(r('nodes'), 'n2', { metadata: { labels: { mine: 'no' } } }))).toEqual({
      code: 403,
      message: 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
    });
    expect(
      await status(n1.create(r('deployments'), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }, 'default')),
    ).toMatchObject({ code: 403 });
  });

  it('impersonates only with the impersonate verb; access reviews answer from the rules', async () => {
    const asSa = client(pki.adminToken, { 'impersonate-user': 'system:serviceaccount:default:default' });
    expect((await asSa.list(r('pods'), 'default')).kind).toBe('PodList');
    expect(await status(asSa.list(r('secrets'), 'default'))).toMatchObject({
      code: 403,
      message:
        'secrets is forbidden: User "system:serviceaccount:default:default" cannot list resource "secrets" in API group "" in the namespace "default"',
    });
    const { object: tr } = await admin.raw<{ status: { token: string } }>(
      'POST',
      '/api/v1/namespaces/default/serviceaccounts/default/token',
      {},
    );
    const plain = client(tr.status.token, { 'impersonate-user': 'jane' });
    expect(await status(plain.list(r('pods'), 'default'))).toEqual({
      code: 403,
      message:
        'users "jane" is forbidden: User "system:serviceaccount:default:default" cannot impersonate resource "users" in API group "" at the cluster scope',
    });
    const review = (c: KubeClient, verb: string, resource: string) =>
      c.raw<{ status: { allowed: boolean; reason?: string } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { namespace: 'default', verb, resource } },
      });
    expect((await review(asSa, 'list', 'pods')).object.status).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "default-view/default" of ClusterRole "view" to ServiceAccount "default/default"',
    });
    expect((await review(asSa, 'delete', 'pods')).object.status.allowed).toBe(false);
    const sar = await admin.raw<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      kind: 'SubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      spec: {
        user: 'stranger',
        groups: ['system:authenticated'],
        resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' },
      },
    });
    expect(sar.object.status.allowed).toBe(false);
  });
});

describe('never serving without authentication', () => {
  it('refuses to start without credentials unless the unit-test opt-out is set', async () => {
    const saved = process.env[INSECURE_NO_AUTH_ENV];
    delete process.env[INSECURE_NO_AUTH_ENV];
    try {
      await expect(startApiServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }) })).rejects.toThrow(
        'refusing to serve the API without authentication',
      );
    } finally {
      process.env[INSECURE_NO_AUTH_ENV] = saved;
    }
  });

  it('the control plane stops with the way out when its state volume has no pki/', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kubelab-nopki-'));
    const saved = process.env.KUBELAB_STATE_DIR;
    process.env.KUBELAB_STATE_DIR = dir;
    try {
      await expect(runApiServerFromEnv(pino({ level: 'silent' }))).rejects.toThrow(
        /^control plane not ready: no pki\/ .* run kubelab cluster up --recreate$/,
      );
    } finally {
      if (saved === undefined) delete process.env.KUBELAB_STATE_DIR;
      else process.env.KUBELAB_STATE_DIR = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
