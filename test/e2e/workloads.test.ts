// Issue 7 end to end: manifests written for Kubernetes behave as in Kubernetes, through the CLI and the real
// kubectl as a learner types them: YAML 1.1 scalars, rollout history and undo back to the same ReplicaSet,
// Recreate availability, the downward API's resource values, namespace name labels.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '@kubelab/api';
import { findCluster } from '@kubelab/cluster';
import { startCluster, type TestCluster } from '../support/cluster';
import { eventually } from '../support/docker';

const run = promisify(execFile);
let c: TestCluster;
let server = '';

async function kubectl(args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', [`--server=${server}`, ...args], { timeout: 60_000 });
  return stdout;
}

function webDeployment(version: string, extra: { strategy?: string; changeCause?: string; name?: string } = {}): string {
  const name = extra.name ?? 'web';
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  annotations:
    kubernetes.io/change-cause: ${extra.changeCause ?? `deploy ${version}`}
spec:
  replicas: 2
  ${extra.strategy ? `strategy: {type: ${extra.strategy}}` : ''}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: web
        image: kubelab/echo:latest
        env: [{name: VERSION, value: "${version}"}]
        readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
`;
}

async function replicaSetOf(deployment: string): Promise<string> {
  return eventually(`deployment ${deployment} to settle on one ReplicaSet`, async () => {
    const d = JSON.parse(await c.run(['get', 'deployment', deployment, '-o', 'json'])) as Deployment;
    const rsList = JSON.parse(await c.run(['get', 'replicasets', '-l', `app=${deployment}`, '-o', 'json'])) as { items: ReplicaSet[] };
    const active = rsList.items.filter((rs) => (rs.spec.replicas ?? 0) > 0);
    const done = d.status?.updatedReplicas === 2 && d.status?.availableReplicas === 2 && d.status?.replicas === 2;
    return done && active.length === 1 ? active[0].metadata.name : undefined;
  });
}

describe('workload fidelity', () => {
  beforeAll(async () => {
    c = await startCluster('kltest-workloads');
    const info = await findCluster('kltest-workloads');
    server = info!.apiUrl;
  });
  afterAll(async () => {
    await c?.down();
  });

  it('reads manifests as YAML 1.1: octal modes, merge keys, yes/no', async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: modes
  labels: {app: modes}
spec:
  containers:
  - name: main
    image: kubelab/toolbox:latest
    tty: yes
  volumes:
  - name: script
    configMap: {name: scripts, defaultMode: 0755, items: [{key: run.sh, path: run.sh, mode: 0400}]}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: scripts
  annotations: &common {team: net}
  labels:
    <<: *common
    tier: demo
data: {run.sh: "echo hi"}
`;
    await c.run(['apply', '-f', '-'], manifest);
    const pod = JSON.parse(await c.run(['get', 'pod', 'modes', '-o', 'json']));
    expect(pod.spec.volumes[0].configMap.defaultMode).toBe(0o755);
    expect(pod.spec.volumes[0].configMap.items[0].mode).toBe(0o400);
    expect(pod.spec.containers[0].tty).toBe(true);
    const cm = JSON.parse(await c.run(['get', 'configmap', 'scripts', '-o', 'json']));
    expect(cm.metadata.labels).toEqual({ team: 'net', tier: 'demo' });
  });

  it('rollout history shows CHANGE-CAUSE, and undo (kubectl and kubelab) scales the same old ReplicaSet back', async () => {
    await c.run(['apply', '-f', '-'], webDeployment('v1', { changeCause: 'first release' }));
    const first = await replicaSetOf('web');
    await c.run(['apply', '-f', '-'], webDeployment('v2', { changeCause: 'second release' }));
    const second = await replicaSetOf('web');
    expect(second).not.toBe(first);

    const history = await c.run(['rollout', 'history', 'deployment/web']);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+first release\n2\s+second release/);

    // The real kubectl: a typed client sends the template back with creationTimestamp: null and friends.
    expect(await kubectl(['rollout', 'undo', 'deployment/web'])).toContain('deployment.apps/web rolled back');
    expect(await replicaSetOf('web')).toBe(first);
    const rs = JSON.parse(await c.run(['get', 'replicaset', first, '-o', 'json'])) as ReplicaSet;
    expect(rs.metadata.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '3',
      'deployment.kubernetes.io/revision-history': '1',
    });
    expect(await c.run(['rollout', 'history', 'deployment/web'])).toMatch(/2\s+second release\n3\s+first release/);

    expect(await c.run(['rollout', 'undo', 'deployment/web'])).toContain('deployment.apps/web rolled back');
    expect(await replicaSetOf('web')).toBe(second);
    expect(await c.run(['rollout', 'undo', 'deployment/web', '--to-revision', '4'])).toContain(
      'skipped rollback (current template already matches revision 4)',
    );
  });

  it('a Recreate Deployment is not Available until its pods are', async () => {
    await c.run(['apply', '-f', '-'], webDeployment('v1', { strategy: 'Recreate', name: 'rec' }));
    const early = await eventually('the controller to report on rec', async () => {
      const d = JSON.parse(await c.run(['get', 'deployment', 'rec', '-o', 'json'])) as Deployment;
      return d.status?.conditions?.find((x) => x.type === 'Available');
    });
    // Its pods need a readiness probe to pass first, so the first report cannot be Available.
    expect(early).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    await c.run(['wait', '--for=condition=Available', 'deployment/rec', '--timeout=90s']);
    const d = JSON.parse(await c.run(['get', 'deployment', 'rec', '-o', 'json'])) as Deployment;
    expect(d.status?.availableReplicas).toBe(2);
  });

  it('the downward API gives resource values to env', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'downward' },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'kubelab/toolbox:latest',
            resources: { limits: { memory: '64Mi', cpu: '250m' } },
            env: [
              { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
              { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
              { name: 'NAME', value: '', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
          },
        ],
      },
    };
    await c.run(['apply', '-f', '-'], JSON.stringify(pod));
    await c.waitReady('downward');
    const env = await c.run(['exec', 'downward', '--', 'sh', '-c', 'echo $MEM_MI $CPU_M $NAME']);
    expect(env.trim()).toBe('64 250 downward');
  });

  it('namespaces carry their name label', async () => {
    await c.run(['create', 'namespace', 'team-a']);
    expect(await c.run(['get', 'namespaces', '-l', 'kubernetes.io/metadata.name=team-a', '-o', 'name'])).toBe('namespace/team-a\n');
  });
});
