import { describe, expect, it } from 'vitest';
import { planAddresses } from './addressing';
import { describeRepair, planUp, recordedSpec, type Observed, type UpPlan } from './cluster-repair';
import { nodeContainerSpec, nodeNetworkSpec, nodePlans, podNetworkSpec } from './spec';

const cluster = 'lab';
const plan = planAddresses({ workers: 2 }, []);
const planned = nodePlans(cluster, plan);

/** What Docker lists for a 1 + 2 node cluster made from our specs, with the given node states. */
function observed(states: Array<string | undefined> = ['running', 'running', 'running']): Observed {
  return {
    containers: planned.flatMap((node, i) => {
      const state = states[i];
      if (state === undefined) return [];
      const spec = nodeContainerSpec({ cluster, image: 'kubelab/node:abc' }, plan, node);
      return [{ Id: `id-${node.name}`, Labels: spec.Labels ?? {}, State: state }];
    }),
    networks: [nodeNetworkSpec(cluster, plan), ...planned.map((n) => podNetworkSpec(cluster, n))].map((n) => ({
      Name: n.Name,
      Labels: n.Labels ?? {},
    })),
    volumes: [{ Name: 'lab-state' }],
  };
}

/** The repair steps as "verb node (why)" strings, or the plan's kind. */
function steps(p: UpPlan): string[] | string {
  if (p.kind !== 'repair') return p.kind;
  return [...p.networks.map((n) => `network ${n}`), ...p.steps.map((s) => `${s.verb} ${s.node.name} (${s.why})`)];
}

describe('planUp', () => {
  it('creates when nothing of that name exists', () => {
    expect(planUp(cluster, { containers: [], networks: [], volumes: [] })).toEqual({ kind: 'create' });
  });

  it('changes nothing when every node runs', () => {
    expect(planUp(cluster, observed())).toEqual({ kind: 'running' });
  });

  it('starts a stopped worker and nothing else', () => {
    const p = planUp(cluster, observed(['running', 'running', 'exited']));
    expect(steps(p)).toEqual(['start lab-worker2 (exited)']);
    expect(p.kind === 'repair' && p.steps[0].containerId).toBe('id-lab-worker2');
    expect(p.kind === 'repair' && describeRepair(p)).toBe('started lab-worker2 (exited)');
  });

  it('starts every node after a Docker daemon restart left them all exited', () => {
    expect(steps(planUp(cluster, observed(['exited', 'exited', 'created'])))).toEqual([
      'start lab-control-plane (exited)',
      'start lab-worker (exited)',
      'start lab-worker2 (created)',
    ]);
  });

  it('restarts a crash-looping control plane, unpauses a paused node', () => {
    expect(steps(planUp(cluster, observed(['restarting', 'paused', 'running'])))).toEqual([
      'restart lab-control-plane (crash-looping)',
      'unpause lab-worker (paused)',
    ]);
  });

  it('recreates a dead container and a missing one from the recorded spec, with their planned addresses', () => {
    const p = planUp(cluster, observed(['dead', 'running', undefined]));
    expect(steps(p)).toEqual(['recreate lab-control-plane (dead)', 'recreate lab-worker2 (missing)']);
    if (p.kind !== 'repair') throw new Error('expected a repair');
    expect(p.steps[1].containerId).toBeUndefined();
    expect(p.steps[1].node).toEqual(planned[2]);
    expect(p.steps[0].node.addresses.ip).toBe('172.30.0.2');
    expect(describeRepair(p)).toBe('recreated lab-control-plane (dead), recreated lab-worker2 (missing)');
  });

  it('recreates every node from the node network labels when all node containers are gone but the state is kept', () => {
    const o = observed([undefined, undefined, undefined]);
    expect(recordedSpec(cluster, o)).toEqual({ nodeSubnet: '172.30.0.0/24', podSubnet: '10.244.0.0/16', nodeCount: 3 });
    expect(steps(planUp(cluster, o))).toEqual([
      'recreate lab-control-plane (missing)',
      'recreate lab-worker (missing)',
      'recreate lab-worker2 (missing)',
    ]);
  });

  it('recreates a missing network and the containers that were attached to it', () => {
    const o = observed(['running', 'exited', 'exited']);
    o.networks = o.networks.filter((n) => n.Name !== 'lab-pods-lab-worker');
    expect(steps(planUp(cluster, o))).toEqual([
      'network lab-pods-lab-worker',
      'recreate lab-worker (network lab-pods-lab-worker was missing)',
      'start lab-worker2 (exited)',
    ]);
  });

  it('refuses to start nodes whose state volume is gone', () => {
    const o = observed(['exited', 'running', 'running']);
    o.volumes = [];
    expect(planUp(cluster, o)).toEqual({
      kind: 'broken',
      problems: ['its state volume lab-state is missing, so its API objects are gone'],
    });
  });

  it('calls a state volume without any record of the cluster broken, not something to wipe', () => {
    expect(planUp(cluster, { containers: [], networks: [], volumes: [{ Name: 'lab-state' }] })).toEqual({
      kind: 'broken',
      problems: ['it has its state volume lab-state but no node containers, and no record of its subnets to recreate them from'],
    });
  });

  it('clears leftovers that hold no state (networks of a failed create, a stray pod container)', () => {
    const o = observed([undefined, undefined, undefined]);
    o.volumes = [];
    o.containers = [{ Id: 'p', Labels: { 'kubelab.cluster': cluster, 'kubelab.role': 'pod' }, State: 'exited' }];
    expect(planUp(cluster, o)).toEqual({ kind: 'clear-leftovers', leftovers: '1 container(s), 4 network(s)' });
  });
});
