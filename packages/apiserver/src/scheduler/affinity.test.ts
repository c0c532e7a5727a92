import { describe, expect, it } from 'vitest';
import type { Node, Pod, PodSpec, Taint } from '@kubelab/api';
import { nodeSelectorTermMatches } from './affinity';
import { schedule } from './schedule';

// Cases after kube-scheduler's nodeaffinity, interpodaffinity and podtopologyspread filter tests.
function node(name: string, labels: Record<string, string> = {}, taints?: Taint[]): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: { taints },
    status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
  };
}

let seq = 0;
function pod(labels: Record<string, string>, spec: Partial<PodSpec> = {}, nodeName?: string, namespace = 'default'): Pod {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${seq}`, namespace, uid: `u${seq}`, labels },
    spec: { containers: [{ name: 'c', image: 'x' }], nodeName, ...spec },
    status: { phase: 'Running' },
  };
}

const cp = node('cp', { 'node-role.kubernetes.io/control-plane': '' }, [
  { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
]);
const ssd = node('w1', { disktype: 'ssd', zone: 'a' });
const hdd = node('w2', { disktype: 'hdd', zone: 'b' });
const nodes = [cp, ssd, hdd];

const requireNode = (
  key: string,
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt',
  values?: string[],
): Partial<PodSpec> => ({
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator, values }] }] },
    },
  },
});
const antiAffinity = (app: string, topologyKey = 'kubernetes.io/hostname'): Partial<PodSpec> => ({
  affinity: {
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey }] },
  },
});
const affinity = (app: string, topologyKey = 'zone'): Partial<PodSpec> => ({
  affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey }] } },
});

describe('node affinity', () => {
  it('matches terms with every operator', () => {
    const n = node('n', { disktype: 'ssd', gpus: '4' });
    const term = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt', key: string, values?: string[]) =>
      nodeSelectorTermMatches({ matchExpressions: [{ key, operator, values }] }, n);
    expect(term('In', 'disktype', ['ssd', 'nvme'])).toBe(true);
    expect(term('NotIn', 'disktype', ['ssd'])).toBe(false);
    expect(term('NotIn', 'absent', ['x'])).toBe(true);
    expect(term('Exists', 'gpus')).toBe(true);
    expect(term('DoesNotExist', 'gpus')).toBe(false);
    expect(term('Gt', 'gpus', ['3'])).toBe(true);
    expect(term('Lt', 'gpus', ['3'])).toBe(false);
    expect(nodeSelectorTermMatches({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }, n)).toBe(true);
    expect(nodeSelectorTermMatches({}, n)).toBe(false);
  });

  it('places a pod requiring disktype In [ssd] on the ssd node, and explains when none has it', () => {
    expect(schedule(pod({}, requireNode('disktype', 'In', ['ssd'])), nodes, [])).toEqual({ node: 'w1' });
    expect(schedule(pod({}, requireNode('disktype', 'In', ['nvme'])), nodes, [])).toEqual({
      reason:
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    });
  });
});

describe('inter-pod affinity', () => {
  it('anti-affinity by hostname spreads replicas and leaves the third Pending', () => {
    const placed: Pod[] = [];
    const results = [0, 1, 2].map(() => {
      const p = pod({ app: 'web' }, antiAffinity('web'));
      const r = schedule(p, nodes, placed);
      if ('node' in r) placed.push({ ...p, spec: { ...p.spec, nodeName: r.node } });
      return r;
    });
    expect(
      results
        .slice(0, 2)
        .map((r) => ('node' in r ? r.node : ''))
        .sort(),
    ).toEqual(['w1', 'w2']);
    expect(results[2]).toEqual({
      reason:
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    });
  });

  it("respects an existing pod's anti-affinity against the newcomer", () => {
    const guard = pod({ app: 'guard' }, antiAffinity('intruder'), 'w1');
    expect(schedule(pod({ app: 'intruder' }), [ssd], [guard])).toMatchObject({
      reason: expect.stringContaining("1 node(s) didn't satisfy existing pods anti-affinity rules"),
    });
    expect(schedule(pod({ app: 'friend' }), [ssd], [guard])).toEqual({ node: 'w1' });
  });

  it('affinity follows the matching pod into its zone; the first of a self-affine group goes anywhere', () => {
    const cache = pod({ app: 'cache' }, {}, 'w2');
    expect(schedule(pod({ app: 'web' }, affinity('cache')), nodes, [cache])).toEqual({ node: 'w2' });
    expect(schedule(pod({ app: 'web' }, affinity('nothing')), nodes, [cache])).toMatchObject({
      reason: expect.stringContaining("2 node(s) didn't match pod affinity rules"),
    });
    expect(schedule(pod({ app: 'self' }, affinity('self')), nodes, [])).toHaveProperty('node');
  });

  it('only counts pods in the term namespaces (default: the pod own)', () => {
    const other = pod({ app: 'cache' }, {}, 'w2', 'other');
    expect(schedule(pod({ app: 'web' }, affinity('cache')), nodes, [other])).toHaveProperty('reason');
    const anyNs: Partial<PodSpec> = {
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: 'cache' } }, namespaceSelector: {}, topologyKey: 'zone' },
          ],
        },
      },
    };
    expect(schedule(pod({ app: 'web' }, anyNs), nodes, [other])).toEqual({ node: 'w2' });
  });
});

describe('topology spread', () => {
  const spread = (maxSkew: number, key = 'zone'): Partial<PodSpec> => ({
    topologySpreadConstraints: [
      { maxSkew, topologyKey: key, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } },
    ],
  });

  it('keeps the skew within maxSkew across zones', () => {
    const existing = [pod({ app: 'web' }, {}, 'w1'), pod({ app: 'web' }, {}, 'w1')];
    // zone a has 2, zone b 0: w1 would make skew 3, w2 makes 1.
    expect(schedule(pod({ app: 'web' }, spread(1)), [ssd, hdd], existing)).toEqual({ node: 'w2' });
    expect(schedule(pod({ app: 'web' }, spread(1)), [ssd], existing)).toHaveProperty('node');
    const onlyA = [ssd, node('w3', { zone: 'b' })];
    const full = [...existing, pod({ app: 'web' }, {}, 'w3')];
    expect(schedule(pod({ app: 'web' }, spread(0)), [onlyA[0]], full)).toMatchObject({
      reason: expect.stringContaining("1 node(s) didn't match pod topology spread constraints"),
    });
  });

  it('a node without the topology key never fits', () => {
    expect(schedule(pod({ app: 'web' }, spread(1, 'rack')), [ssd], [])).toMatchObject({
      reason: expect.stringContaining("didn't match pod topology spread constraints (missing required label)"),
    });
  });
});

describe('soft rules', () => {
  it('prefers nodes by preferred node affinity weight, and away from pods of preferred anti-affinity', () => {
    const prefersHdd: Partial<PodSpec> = {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'disktype', operator: 'In', values: ['hdd'] }] } },
          ],
        },
      },
    };
    expect(schedule(pod({}, prefersHdd), nodes, [])).toEqual({ node: 'w2' });
    const avoidsWeb: Partial<PodSpec> = {
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } },
          ],
        },
      },
    };
    // w1 has fewer pods, but the web pod there is to be avoided.
    const existing = [pod({ app: 'web' }, {}, 'w1'), pod({ app: 'db' }, {}, 'w2'), pod({ app: 'db' }, {}, 'w2')];
    expect(schedule(pod({ app: 'web' }, avoidsWeb), nodes, existing)).toEqual({ node: 'w2' });
  });
});
