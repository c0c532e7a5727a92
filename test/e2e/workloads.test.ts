// Issue 7 end to end: manifests written for Kubernetes behave as in Kubernetes, through the CLI and the real
// kubectl as a learner types them: YAML 1.1 scalars, rollout history and undo back to the same ReplicaSet,
// Recreate availability, the downward API's resource values, namespace name labels.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '@kubelab/api';
import { startCluster, type TestCluster } from '../support/cluster';
import { eventually } from '../support/docker';

const run = promisify(execFile);
let c: TestCluster;

async function kubectl(args: string[]): Promise<string> {
  // The context `cluster up` merged into the run's KUBECONFIG: the cluster's CA and admin token.
  const { stdout } = await run('kubectl', ['--context', 'kubelab-kltest-workloads', ...args], { timeout: 60_000 });
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

  it('runs a ConfigMap script mounted with defaultMode 0755 as the command, and mounts nginx.conf by subPath', async () => {
    const manifest = `apiVersion: v1
kind: ConfigMap
metadata: {name: files}
data:
  run.sh: |
    #!/bin/sh
    echo script ran; sleep 3600
  nginx.conf: "worker_processes 1;"
---
apiVersion: v1
kind: Pod
metadata: {name: script}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: kubelab/toolbox:latest
    command: [/scripts/run.sh]
    volumeMounts:
    - {name: scripts, mountPath: /scripts}
    - {name: conf, mountPath: /etc/nginx/nginx.conf, subPath: nginx.conf}
  volumes:
  - name: scripts
    configMap: {name: files, defaultMode: 0755, items: [{key: run.sh, path: run.sh}]}
  - name: conf
    configMap: {name: files}
`;
    await c.run(['apply', '-f', '-'], manifest);
    await c.waitReady('script');
    expect(await c.run(['logs', 'script'])).toContain('script ran');
    expect((await c.run(['exec', 'script', '--', 'stat', '-L', '-c', '%a', '/scripts/run.sh'])).trim()).toBe('755');
    expect((await c.run(['exec', 'script', '--', 'cat', '/etc/nginx/nginx.conf'])).trim()).toBe('worker_processes 1;');
    // The kubelet's layout: ..data swapped atomically, the visible name a symlink through it.
    expect((await c.run(['exec', 'script', '--', 'readlink', '/scripts/run.sh'])).trim()).toBe('..data/run.sh');
  });

  it('keeps a pod with an unsatisfiable required node affinity Pending with the scheduler message', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'needs-ssd' },
      spec: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'disktype', operator: 'In', values: ['ssd'] }] }],
            },
          },
        },
        containers: [{ name: 'main', image: 'kubelab/echo:latest' }],
      },
    };
    await c.run(['apply', '-f', '-'], JSON.stringify(pod));
    const pending = await c.waitPod(
      'needs-ssd',
      'unschedulable',
      (p) => !!p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.reason === 'Unschedulable'),
    );
    expect(pending.spec.nodeName).toBeUndefined();
    expect(pending.status?.conditions?.find((x) => x.type === 'PodScheduled')?.message).toContain(
      "2 node(s) didn't match Pod's node affinity/selector",
    );
    // Label a worker as the lesson does (kubectl label): the pod lands there.
    expect(await kubectl(['label', 'node', 'kltest-workloads-worker2', 'disktype=ssd'])).toContain('node/kltest-workloads-worker2 labeled');
    const placed = await c.waitPod('needs-ssd', 'scheduled', (p) => !!p.spec.nodeName);
    expect(placed.spec.nodeName).toBe('kltest-workloads-worker2');
  });

  it('spreads 3 replicas with required anti-affinity over the 2 workers and leaves the third Pending', async () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'spread' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'spread' } },
        template: {
          metadata: { labels: { app: 'spread' } },
          spec: {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  { labelSelector: { matchLabels: { app: 'spread' } }, topologyKey: 'kubernetes.io/hostname' },
                ],
              },
            },
            containers: [{ name: 'main', image: 'kubelab/echo:latest' }],
          },
        },
      },
    };
    await c.run(['apply', '-f', '-'], JSON.stringify(d));
    const pods = await eventually('two spread pods placed and one pending', async () => {
      const list = await c.pods('app=spread');
      const placed = list.filter((p) => p.spec.nodeName);
      const waiting = list.filter((p) => p.status?.conditions?.some((x) => x.reason === 'Unschedulable'));
      return list.length === 3 && placed.length === 2 && waiting.length === 1 ? list : undefined;
    });
    expect(new Set(pods.filter((p) => p.spec.nodeName).map((p) => p.spec.nodeName)).size).toBe(2);
    const waiting = pods.find((p) => !p.spec.nodeName)!;
    expect(waiting.status?.conditions?.find((x) => x.type === 'PodScheduled')?.message).toContain(
      "2 node(s) didn't match pod anti-affinity rules",
    );
  });

  it('delete --cascade=orphan keeps the pods of a deleted Deployment', async () => {
    await c.run(['apply', '-f', '-'], webDeployment('v1', { name: 'orphans' }));
    const before = await eventually('orphans pods', async () => {
      const list = await c.pods('app=orphans');
      return list.length === 2 ? list : undefined;
    });
    await c.run(['delete', 'deployment', 'orphans', '--cascade=orphan']);
    await eventually('the deployment gone', async () => ((await c.try(['get', 'deployment', 'orphans'])).code !== 0 ? true : undefined));
    // The ReplicaSet stays too (orphaned, not collected), and so do its pods.
    await new Promise((r) => setTimeout(r, 2000));
    const after = await c.pods('app=orphans');
    expect(after.map((p) => p.metadata.uid).sort()).toEqual(before.map((p) => p.metadata.uid).sort());
    const rs = JSON.parse(await c.run(['get', 'replicasets', '-l', 'app=orphans', '-o', 'json']));
    expect(rs.items).toHaveLength(1);
    expect(rs.items[0].metadata.ownerReferences ?? []).toEqual([]);
  });

  // Kubernetes docs, "Expose Pod Information to Containers Through Files": labels as key="value" lines, updated
  // in place when the labels change.
  it('a downwardAPI volume shows the pod labels as files, and follows a label change', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'podinfo', labels: { zone: 'us-est-coast', cluster: 'test-cluster1' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'kubelab/toolbox:latest', resources: { limits: { memory: '64Mi' } } }],
        volumes: [
          {
            name: 'podinfo',
            downwardAPI: {
              items: [
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                { path: 'mem_limit', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' } },
              ],
            },
          },
        ],
      },
    };
    const withMount = structuredClone(pod) as typeof pod & { spec: { containers: Record<string, unknown>[] } };
    withMount.spec.containers[0].volumeMounts = [{ name: 'podinfo', mountPath: '/etc/podinfo' }];
    await c.run(['apply', '-f', '-'], JSON.stringify(withMount));
    await c.waitReady('podinfo');
    expect(await c.run(['exec', 'podinfo', '--', 'cat', '/etc/podinfo/labels'])).toBe('cluster="test-cluster1"\nzone="us-est-coast"');
    expect(await c.run(['exec', 'podinfo', '--', 'cat', '/etc/podinfo/mem_limit'])).toBe('64');
    expect(await kubectl(['label', 'pod', 'podinfo', 'tier=web'])).toContain('pod/podinfo labeled');
    const updated = await eventually('the labels file to follow', async () => {
      const text = await c.run(['exec', 'podinfo', '--', 'cat', '/etc/podinfo/labels']);
      return text.includes('tier="web"') ? text : undefined;
    });
    expect(updated).toBe('cluster="test-cluster1"\ntier="web"\nzone="us-est-coast"');
  });
});
