import { describe, expect, it } from 'vitest';
import type { Node, Pod, Taint } from '@kubelab/api';
import { schedule } from './schedule';

function node(
  name: string,
  opts: {
    ready?: 'True' | 'False' | 'Unknown';
    taints?: Taint[];
    labels?: Record<string, string>;
    unschedulable?: boolean;
    allocatable?: Record<string, string>;
  } = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
    status: {
      conditions: [{ type: 'Ready', status: opts.ready ?? 'True' }],
      allocatable: opts.allocatable ?? { cpu: '2', memory: '4Gi', pods: '110' },
    },
  };
}

let seq = 0;
function pod(spec: Partial<Pod['spec']> = {}, nodeName?: string): Pod {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${seq}`, namespace: 'default', uid: `uid-${seq}` },
    spec: { containers: [{ name: 'c', image: 'x' }], nodeName, ...spec },
    status: { phase: 'Running' },
  };
}

const controlPlaneTaint: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
const cluster = [node('kubelab-control-plane', { taints: [controlPlaneTaint] }), node('kubelab-worker'), node('kubelab-worker2')];

describe('schedule', () => {
  it('keeps workloads off the tainted control plane and spreads over the workers', () => {
    const placed: Pod[] = [];
    for (let i = 0; i < 5; i++) {
      const p = pod();
      const result = schedule(p, cluster, placed);
      expect(result).toHaveProperty('node');
      placed.push({ ...p, spec: { ...p.spec, nodeName: (result as { node: string }).node } });
    }
    const perNode: Record<string, number> = {};
    for (const p of placed) perNode[p.spec.nodeName!] = (perNode[p.spec.nodeName!] ?? 0) + 1;
    expect(perNode).toEqual({ 'kubelab-worker': 3, 'kubelab-worker2': 2 });
  });

  it('lets a toleration in and honours nodeSelector', () => {
    const tolerant = pod({
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
      nodeSelector: { 'kubernetes.io/hostname': 'kubelab-control-plane' },
    });
    expect(schedule(tolerant, cluster, [])).toEqual({ node: 'kubelab-control-plane' });
    expect(schedule(pod({ nodeSelector: { 'kubernetes.io/hostname': 'kubelab-worker2' } }), cluster, [])).toEqual({
      node: 'kubelab-worker2',
    });
  });

  it('explains an unschedulable pod like kube-scheduler', () => {
    expect(schedule(pod({ nodeSelector: { disk: 'ssd' } }), cluster, [])).toEqual({
      reason:
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    });
    expect(schedule(pod(), [], [])).toEqual({ reason: 'no nodes available to schedule pods' });
  });

  it('skips nodes that are not Ready or cordoned', () => {
    const nodes = [node('a', { ready: 'Unknown' }), node('b', { ready: 'False' }), node('c', { unschedulable: true })];
    expect(schedule(pod(), nodes, [])).toEqual({
      reason:
        '0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    });
    expect(schedule(pod(), [...nodes, node('d')], [])).toEqual({ node: 'd' });
  });

  it('checks host ports and requested resources', () => {
    const nodes = [node('a', { allocatable: { cpu: '1', memory: '1Gi', pods: '2' } })];
    const web = (hostPort: number): Partial<Pod['spec']> => ({
      containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort }] }],
    });
    expect(schedule(pod(web(8080)), nodes, [pod(web(8080), 'a')])).toEqual({
      reason:
        "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    });
    const big = pod({ containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '1500m', memory: '2Gi' } } }] });
    expect(schedule(big, nodes, [pod({}, 'a'), pod({}, 'a')])).toEqual({
      reason:
        '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    });
  });

  it('counts pods against max-pods: extra pods stay Pending with the control-plane taint and Too many pods', () => {
    const small = { cpu: '2', memory: '4Gi', pods: '5' };
    const nodes = [
      node('kubelab-control-plane', { taints: [controlPlaneTaint], allocatable: small }),
      node('kubelab-worker', { allocatable: small }),
      node('kubelab-worker2', { allocatable: small }),
    ];
    const bound = [
      ...Array.from({ length: 5 }, () => pod({}, 'kubelab-worker')),
      ...Array.from({ length: 4 }, () => pod({}, 'kubelab-worker2')),
    ];
    expect(schedule(pod(), nodes, bound)).toEqual({ node: 'kubelab-worker2' });
    expect(schedule(pod(), nodes, [...bound, pod({}, 'kubelab-worker2')])).toEqual({
      reason:
        '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Too many pods. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    });
  });

  it('ignores finished pods when counting load', () => {
    const done = { ...pod({}, 'kubelab-worker'), status: { phase: 'Succeeded' as const } };
    expect(schedule(pod(), cluster, [done, done])).toEqual({ node: 'kubelab-worker' });
  });
});
