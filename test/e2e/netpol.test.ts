// Issue 13 end to end: NetworkPolicy enforced by the node agents, checked case by case against the truth-table
// harness (test/support/netpol-matrix.ts: 3 namespaces x 3 pods, TCP and UDP on 9000 and 9001, every pair
// probed in parallel) the way the upstream e2e netpol suite checks its reachability matrix; plus DNS under an
// egress policy, ClusterIPs and Service names, policies changing while traffic flows, a pod started under a
// policy, the drop log and counters, refusal of bad policies, and an agent restart.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, type Node, type Service } from '@kubelab/api';
import { launcher, testKubeconfig } from '../support/cli';
import { startCluster, type TestCluster } from '../support/cluster';
import { docker, eventually, execIn } from '../support/docker';
import { ALL_CASES, type Expectation, type MatrixPod, NetpolMatrix } from '../support/netpol-matrix';

const CLUSTER = 'kltest-netpol';
const NODES = resolveResource('nodes')!;
const SERVICES = resolveResource('services')!;
let c: TestCluster;
let m: NetpolMatrix;
let nodeNames: string[] = [];

const self = (f: MatrixPod, t: MatrixPod): boolean => f.key === t.key;

function policy(ns: string, name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec });
}

async function apply(...docs: string[]): Promise<void> {
  for (const d of docs) await c.run(['apply', '-f', '-'], d);
}

/** Applies `docs`, checks the whole matrix against `expected`, then removes every policy again. */
async function truthTable(expected: Expectation, ...docs: string[]): Promise<void> {
  await apply(...docs);
  try {
    await m.expect(expected);
  } finally {
    await m.clearPolicies();
  }
}

const podA = { matchLabels: { pod: 'a' } };

describe('NetworkPolicy: enforced by the node agents, checked against a truth table', () => {
  beforeAll(async () => {
    c = await startCluster(CLUSTER);
    nodeNames = (await c.client.list<Node>(NODES)).items.map((n) => n.metadata.name!).sort();
    m = await NetpolMatrix.create(c, nodeNames);
  }, 240_000);
  afterAll(async () => {
    await c?.down();
  });

  it('connects everything to everything without policies', async () => {
    await m.expect(() => true);
  });

  it('default deny ingress: nothing reaches namespace x, which still reaches out', async () => {
    await truthTable((f, t) => self(f, t) || t.namespace !== 'x', policy('x', 'deny-in', { podSelector: {}, policyTypes: ['Ingress'] }));
  });

  it("lets a pod's own node reach it under default deny (kubelet probes), not another node", async () => {
    await apply(policy('x', 'deny-in', { podSelector: {}, policyTypes: ['Ingress'] }));
    try {
      const a = m.pod('x/a');
      const other = nodeNames.find((n) => n !== a.node)!;
      const from = async (node: string) => (await execIn(node, ['nc', '-z', '-w2', a.ip, '9000'])).code === 0;
      await eventually('another node refused', async () => !(await from(other)) || undefined, 10_000);
      expect(await from(a.node)).toBe(true);
    } finally {
      await m.clearPolicies();
    }
  });

  it('default deny egress: nothing leaves namespace x, which can still be reached', async () => {
    await truthTable((f, t) => self(f, t) || f.namespace !== 'x', policy('x', 'deny-out', { podSelector: {}, policyTypes: ['Egress'] }));
  });

  it('default deny both ways', async () => {
    await truthTable(
      (f, t) => self(f, t) || (f.namespace !== 'x' && t.namespace !== 'x'),
      policy('x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    );
  });

  it('allows ingress from a pod selector (same namespace only)', async () => {
    await truthTable(
      (f, t) => self(f, t) || t.key !== 'x/a' || f.key === 'x/b',
      policy('x', 'a-from-b', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] }),
    );
  });

  it('allows ingress from a namespace selector', async () => {
    await truthTable(
      (f, t) => self(f, t) || t.key !== 'x/a' || f.namespace === 'y',
      policy('x', 'a-from-y', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] }),
    );
  });

  it('ANDs namespaceSelector and podSelector in one peer, ORs separate peers', async () => {
    await truthTable(
      (f, t) => self(f, t) || t.key !== 'x/a' || f.key === 'y/b',
      policy('x', 'a-from-y-b', {
        podSelector: podA,
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { pod: 'b' } } }] }],
      }),
    );
    await truthTable(
      (f, t) => self(f, t) || t.key !== 'x/a' || f.namespace === 'y' || f.key === 'x/b',
      policy('x', 'a-from-y-or-b', {
        podSelector: podA,
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }, { podSelector: { matchLabels: { pod: 'b' } } }] }],
      }),
    );
  });

  it('allows an ipBlock minus its except', async () => {
    const podCidr = `${m.pod('y/b').ip.split('.').slice(0, 2).join('.')}.0.0/16`;
    await truthTable(
      (f, t) => self(f, t) || t.key !== 'x/a' || f.key !== 'y/b',
      policy('x', 'a-from-cidr', {
        podSelector: podA,
        ingress: [{ from: [{ ipBlock: { cidr: podCidr, except: [`${m.pod('y/b').ip}/32`] } }] }],
      }),
    );
    // Egress to an ipBlock: x/a may only reach z/c.
    await truthTable(
      (f, t) => self(f, t) || f.key !== 'x/a' || t.key === 'z/c',
      policy('x', 'a-to-cidr', {
        podSelector: podA,
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: `${m.pod('z/c').ip}/32` } }] }],
      }),
    );
  });

  it('resolves named ports on the destination pod, for ingress and for egress', async () => {
    await truthTable(
      (f, t, p) => self(f, t) || t.key !== 'x/a' || (p.protocol === 'UDP' && p.port === 9001),
      policy('x', 'a-named-in', { podSelector: podA, ingress: [{ ports: [{ protocol: 'UDP', port: 'serve-9001-udp' }] }] }),
    );
    await truthTable(
      (f, t, p) => self(f, t) || f.key !== 'x/a' || (p.protocol === 'TCP' && p.port === 9000),
      policy('x', 'a-named-out', {
        podSelector: podA,
        policyTypes: ['Egress'],
        egress: [{ ports: [{ protocol: 'TCP', port: 'serve-9000-tcp' }] }],
      }),
    );
  });

  it('allows port ranges with endPort, boundaries included', async () => {
    await truthTable(
      (f, t, p) => self(f, t) || t.key !== 'x/a' || (p.protocol === 'TCP' && p.port === 9000),
      policy('x', 'a-range', { podSelector: podA, ingress: [{ ports: [{ protocol: 'TCP', port: 8990, endPort: 9000 }] }] }),
    );
    await truthTable(
      (f, t, p) => self(f, t) || t.key !== 'x/a' || p.protocol === 'UDP',
      policy('x', 'a-range-udp', { podSelector: podA, ingress: [{ ports: [{ protocol: 'UDP', port: 9000, endPort: 9001 }] }] }),
    );
  });

  it('an egress policy that still allows DNS: names resolve, nothing else leaves', async () => {
    await apply(
      policy('x', 'a-dns-only', {
        podSelector: podA,
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      }),
    );
    try {
      await m.expect((f, t) => self(f, t) || f.key !== 'x/a');
      const dig = await execIn(m.pod('x/a').sandbox, ['dig', '+short', '+time=2', '+tries=2', 'kubernetes.default.svc.cluster.local']);
      expect(dig.stdout.trim()).toBe('10.96.0.1');
      const tcp = await execIn(m.pod('x/a').sandbox, ['dig', '+tcp', '+short', '+time=2', 'kube-dns.kube-system.svc.cluster.local']);
      expect(tcp.stdout.trim()).toBe('10.96.0.10');
    } finally {
      await m.clearPolicies();
    }
  });

  it('holds for traffic to a ClusterIP and to a Service name (policies see pod IPs after DNAT)', async () => {
    await c.client.create(
      SERVICES,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'y' },
        spec: { selector: { pod: 'b' }, ports: [{ name: 'tcp', port: 80, targetPort: 9000, protocol: 'TCP' }] },
      },
      'y',
    );
    const ip = await eventually('a ClusterIP', async () => (await c.client.get<Service>(SERVICES, 'web', 'y')).spec.clusterIP);
    const probe = (from: string, host: string) => m.probeFrom(m.pod(from), [{ host, port: 80, protocol: 'TCP' }], 2).then((r) => r[0]);
    await eventually('the Service answering', async () => (await probe('x/a', ip)) || undefined);
    await apply(policy('y', 'b-from-y', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [{ from: [{ podSelector: {} }] }] }));
    try {
      await eventually('x/a blocked at the ClusterIP', async () => !(await probe('x/a', ip)) || undefined, 10_000);
      expect(await probe('y/a', ip)).toBe(true);
      expect(await probe('y/c', 'web.y.svc.cluster.local')).toBe(true);
      expect(await probe('z/a', 'web.y.svc.cluster.local')).toBe(false);
    } finally {
      await m.clearPolicies();
      await c.client.delete(SERVICES, 'web', 'y');
    }
  });

  it('follows policies added and removed while traffic flows, and logs and counts the drops', async () => {
    // For 60 s, x/b connects to x/a over TCP and UDP every few hundred ms, one line per attempt (long enough
    // to outlast the waits below on a loaded machine, so the last attempts run after the policy is gone).
    const a = m.pod('x/a').ip;
    const started = `/tmp/netpol-flow-${process.pid}`;
    const loop = `end=$(($(date +%s) + 60)); i=0; while [ $(date +%s) -lt $end ]; do
      t=$(nc -z -w1 ${a} 9000 >/dev/null 2>&1 && echo 1 || echo 0)
      u=$(echo ping | nc -u -w1 ${a} 9001 2>/dev/null)
      echo "$i $t $([ "$u" = ping ] && echo 1 || echo 0)"; touch ${started}; i=$((i+1)); sleep 0.2; done`;
    const flow = execIn(m.pod('x/b').sandbox, ['sh', '-c', loop]);
    // `netpol drops -f` prints drops as they happen.
    const follow = spawn(process.execPath, [launcher, '--cluster', CLUSTER, 'netpol', 'drops', '-f', '-n', 'x', '--tail', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: testKubeconfig() },
    });
    let live = '';
    follow.stdout.on('data', (d) => (live += d));
    // The policy goes in once the loop has recorded an attempt without it (docker exec can take seconds
    // to start on a loaded machine).
    await eventually(
      'the traffic loop started',
      async () => (await execIn(m.pod('x/b').sandbox, ['test', '-f', started])).code === 0,
      30_000,
    );
    await apply(policy('x', 'deny-in', { podSelector: {}, policyTypes: ['Ingress'] }));
    // The drop log names source, destination, port and whose isolation denied it, for TCP and UDP.
    const ends = new RegExp(`x/b \\(${m.pod('x/b').ip}\\)\\s+x/a \\(${a}\\)`);
    const drops = await eventually(
      'TCP and UDP drops logged',
      async () => {
        const out = await c.run(['netpol', 'drops', '-n', 'x']);
        const rows = out.split('\n').filter((l) => ends.test(l) && l.includes('ingress of x/a [deny-in]'));
        return rows.some((l) => l.includes('9000/TCP')) && rows.some((l) => l.includes('9001/UDP')) ? out : undefined;
      },
      40_000,
    );
    const counts = await c.run(['describe', 'networkpolicy', 'deny-in', '-n', 'x']);
    await eventually('the drops followed live', async () => /ingress of x\/a \[deny-in\]/.test(live) || undefined, 10_000).finally(() =>
      follow.kill(),
    );
    await m.clearPolicies();
    const lines = (await flow).stdout.trim().split('\n');
    const states = lines.map((l) => l.split(' ').slice(1).join(''));
    // open -> closed -> open again, for TCP and UDP alike
    const first = states.indexOf('00');
    expect(states[0]).toBe('11');
    expect(first).toBeGreaterThan(0);
    expect(states.slice(first).indexOf('11')).toBeGreaterThan(0);
    expect(states[states.length - 1]).toBe('11');
    expect(drops).toContain('TIME');
    // describe prints kubectl's text, then the counters.
    expect(counts).toContain('Allowing ingress traffic:\n    <none> (Selected pods are isolated for ingress connectivity)');
    expect(Number(/Dropped:\s+(\d+)/.exec(counts)?.[1])).toBeGreaterThan(0);
  });

  it('covers a pod started under a policy before its containers run', async () => {
    await apply(policy('z', 'deny-out', { podSelector: {}, policyTypes: ['Egress'] }));
    try {
      // Its very first command connects out: with the policy in place before the container starts, it fails.
      const target = m.pod('y/a').ip;
      await c.client.create(
        resolveResource('pods')!,
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'late', namespace: 'z' },
          spec: {
            nodeName: nodeNames[1],
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'main',
                image: 'kubelab/echo:latest',
                command: ['sh', '-c', `nc -z -w2 ${target} 9000 && echo LEAKED || echo BLOCKED; sleep 3600`],
              },
            ],
          },
        },
        'z',
      );
      const log = await eventually('the late pod logging', async () => {
        const r = await c.try(['logs', 'late', '-n', 'z']);
        return /LEAKED|BLOCKED/.test(r.stdout) ? r.stdout : undefined;
      });
      expect(log.trim()).toBe('BLOCKED');
    } finally {
      await m.clearPolicies();
      await c.client.delete(resolveResource('pods')!, 'late', 'z', { gracePeriodSeconds: 0 });
    }
  });

  it('refuses bad policies with 422 naming the field', async () => {
    const bad = async (spec: Record<string, unknown>) => (await c.try(['apply', '-f', '-'], policy('x', 'bad', spec))).stderr;
    expect(await bad({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.300/8' } }] }] })).toContain(
      'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.300/8": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    );
    expect(await bad({ podSelector: {}, egress: [{ ports: [{ protocol: 'ICMP' }] }] })).toContain(
      'spec.egress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
    );
    expect(await bad({ podSelector: {}, ingress: [{ ports: [{ endPort: 90 }] }] })).toContain(
      'spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified',
    );
    expect(await bad({ podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }] })).toContain(
      'spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`',
    );
    expect(await c.run(['get', 'netpol', '-n', 'x'])).not.toContain('bad');
  });

  it('rebuilds the same rules after a node agent restart', async () => {
    await apply(
      policy('x', 'a-from-y', {
        podSelector: podA,
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }], ports: [{ port: 'serve-9000-tcp' }] }],
      }),
      policy('x', 'deny-out', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] } }] }],
      }),
    );
    const node = m.pod('x/a').node;
    const rules = async (): Promise<string> =>
      (await execIn(node, ['iptables-save', '-t', 'filter'])).stdout
        .split('\n')
        .filter((l) => /KUBELAB-N/.test(l))
        .join('\n');
    const before = await eventually('the policy rules', async () => {
      const r = await rules();
      return r.includes('netpol x/deny-out') && r.includes('netpol x/a-from-y') ? r : undefined;
    });
    await docker.getContainer(node).restart({ t: 2 });
    expect(await eventually('the same rules', async () => ((await rules()) === before ? true : undefined), 60_000)).toBe(true);
    await m.expect(
      // deny-out allows 10.0.0.0/8 (every pod) but the service range: only x/a's ingress policy shows.
      (f, t, p) => self(f, t) || t.key !== 'x/a' || (f.namespace === 'y' && p.protocol === 'TCP' && p.port === 9000),
      ALL_CASES,
      6,
    );
    await m.clearPolicies();
  });
});
