// Issue 9: taint-based eviction end to end, as Kubernetes does it. Pods get the DefaultTolerationSeconds
// tolerations (300 s); a worker whose agent stops answering (its container paused) turns NotReady and is
// tainted node.kubernetes.io/unreachable:NoExecute; a Deployment pod that tolerates that for 5 s is deleted and
// recreated on the other worker, while a pod with the default 300 s stays bound to the silent node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, type Node, type Pod, type Taint } from '@kubelab/api';
import { podReady, startCluster, type TestCluster } from '../support/cluster';
import { docker, eventually } from '../support/docker';

let c: TestCluster;
const nodes = resolveResource('nodes')!;

const quick = `apiVersion: apps/v1
kind: Deployment
metadata: {name: quick}
spec:
  replicas: 1
  selector: {matchLabels: {app: quick}}
  template:
    metadata: {labels: {app: quick}}
    spec:
      terminationGracePeriodSeconds: 2
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 5}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 5}
      containers:
      - {name: main, image: kubelab/toolbox:latest}
`;

const patient = (node: string) => `apiVersion: v1
kind: Pod
metadata: {name: patient}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 2
  containers:
  - {name: main, image: kubelab/toolbox:latest}
`;

async function node(name: string): Promise<Node> {
  return JSON.parse(await c.run(['get', 'node', name, '-o', 'json'])) as Node;
}

const taintsOf = (n: Node): string[] => (n.spec?.taints ?? []).map((t: Taint) => `${t.key}:${t.effect}`);

describe('taint-based eviction', () => {
  beforeAll(async () => {
    c = await startCluster('kltest-taints', {
      workers: 2,
      env: { KUBELAB_HEARTBEAT_MS: '1000', KUBELAB_NODE_GRACE_PERIOD_MS: '5000' },
    });
  });
  afterAll(async () => {
    await c?.down();
  });

  it('a paused worker is tainted unreachable:NoExecute; a 5 s pod moves, a default (300 s) one stays', async () => {
    await c.run(['apply', '-f', '-'], quick);
    const first = await eventually('quick to be Ready', async () => (await c.pods('app=quick')).find(podReady), 90_000);
    const victim = first.spec.nodeName!;
    await c.run(['apply', '-f', '-'], patient(victim));
    const stay = await c.waitReady('patient', 90_000);
    // The DefaultTolerationSeconds admission, visible in the pod as in Kubernetes.
    expect(stay.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    expect(first.spec.tolerations?.filter((t) => t.tolerationSeconds === 300)).toEqual([]);

    await docker.getContainer(victim).pause();
    try {
      const tainted = await eventually(
        `${victim} tainted unreachable`,
        async () => {
          const n = await node(victim);
          return taintsOf(n).includes('node.kubernetes.io/unreachable:NoExecute') ? n : undefined;
        },
        60_000,
        500,
      );
      expect(taintsOf(tainted)).toContain('node.kubernetes.io/unreachable:NoSchedule');
      expect(tainted.spec?.taints?.find((t) => t.effect === 'NoExecute')?.timeAdded).toMatch(/^\d{4}-\d\d-\d\dT/);
      const moved = await eventually(
        'quick recreated on the other worker',
        async () => (await c.pods('app=quick')).find((p: Pod) => p.spec.nodeName !== victim && podReady(p)),
        90_000,
        500,
      );
      expect(moved.metadata.name).not.toBe(first.metadata.name);
      const kept = await c.pod('patient');
      expect(kept.spec.nodeName).toBe(victim);
      expect(kept.metadata.deletionTimestamp).toBeUndefined();
    } finally {
      await docker
        .getContainer(victim)
        .unpause()
        .catch(() => {});
    }
    // Back to Ready: the controller takes its taints away again.
    await eventually(
      `${victim} untainted`,
      async () => (taintsOf(await node(victim)).some((t) => t.startsWith('node.kubernetes.io/')) ? undefined : true),
      60_000,
      500,
    );
  });

  it('a cordoned node is tainted unschedulable:NoSchedule until uncordoned', async () => {
    const worker = 'kltest-taints-worker';
    await c.client.patch(nodes, worker, { spec: { unschedulable: true } });
    await eventually(
      'the unschedulable taint',
      async () => (taintsOf(await node(worker)).includes('node.kubernetes.io/unschedulable:NoSchedule') ? true : undefined),
      30_000,
      500,
    );
    await c.client.patch(nodes, worker, { spec: { unschedulable: null } });
    await eventually('no unschedulable taint', async () => (taintsOf(await node(worker)).length === 0 ? true : undefined), 30_000, 500);
  });
});
