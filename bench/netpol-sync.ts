// NetworkPolicy rule sync cost: 200 policies over 300 pods (10 namespaces x 30 pods, 3 nodes, this node
// holding 100), rendered as the node agent renders them (model + filter table), and (with --apply, inside a
// node container with NET_ADMIN) applied the way it applies them: one `iptables-restore --noflush`, whole
// table first, then partial syncs. Bundled and run by bench/netpol.mjs; prints one JSON line.
import { execFileSync } from 'node:child_process';
import type { Namespace, NetworkPolicy, Pod } from '@kubelab/api';
import { chainContents, type ChainContents, renderTables, restoreInput } from '../packages/node-agent/src/network/iptables';
import { buildNetworkModel, type ModelInput, type NodeFacts } from '../packages/node-agent/src/network/model';

const node: NodeFacts = {
  name: 'bench-worker0',
  ip: '172.30.0.3',
  nodeInterface: 'eth0',
  podCidr: '10.244.0.0/24',
  clusterPodCidr: '10.244.0.0/16',
  serviceCidr: '10.96.0.0/12',
};

const NS = 10;
const PODS_PER_NS = 30;
const APPS = 10;

function objects(policyCount: number, variant = 0): Pick<ModelInput, 'pods' | 'namespaces' | 'policies'> {
  const namespaces: Namespace[] = [];
  const pods: Pod[] = [];
  for (let n = 0; n < NS; n++) {
    const ns = `team-${n}`;
    namespaces.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns, tier: n % 2 ? 'back' : 'front' } },
    });
    for (let i = 0; i < PODS_PER_NS; i++) {
      const k = n * PODS_PER_NS + i;
      pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `p-${i}`, namespace: ns, labels: { app: `app-${i % APPS}`, role: i % 3 ? 'web' : 'db' } },
        spec: {
          nodeName: `bench-worker${k % 3}`,
          containers: [{ name: 'main', image: 'kubelab/echo:latest', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
        },
        status: { phase: 'Running', podIP: `10.244.${k % 3}.${2 + Math.floor(k / 3)}` },
      });
    }
  }
  const policies: NetworkPolicy[] = [];
  for (let p = 0; p < policyCount; p++) {
    const n = p % NS;
    const app = Math.floor(p / NS) % APPS;
    // The variant changes the first 10 policies only (a partial sync).
    const kind = (p + (p < 10 ? variant : 0)) % 4;
    const spec: NetworkPolicy['spec'] = { podSelector: { matchLabels: { app: `app-${app}` } } };
    if (kind === 0)
      spec.ingress = [
        { from: [{ podSelector: { matchLabels: { app: `app-${(app + 1) % APPS}` } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      ];
    else if (kind === 1)
      spec.ingress = [
        {
          from: [{ namespaceSelector: { matchLabels: { tier: 'front' } }, podSelector: { matchLabels: { role: 'web' } } }],
          ports: [{ protocol: 'TCP', port: 'http' }],
        },
      ];
    else if (kind === 2)
      spec.ingress = [
        {
          from: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.2.0/24'] } }],
          ports: [{ protocol: 'TCP', port: 8000, endPort: 8100 }],
        },
      ];
    else {
      spec.policyTypes = ['Ingress', 'Egress'];
      spec.ingress = [{ from: [{ podSelector: {} }] }];
      spec.egress = [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
          ports: [{ protocol: 'UDP', port: 53 }],
        },
        { to: [{ podSelector: { matchLabels: { role: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      ];
    }
    policies.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `pol-${p}`, namespace: `team-${n}` },
      spec,
    });
  }
  return { namespaces, pods, policies };
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = fn();
  return { ms: performance.now() - t, value };
}

function render(policyCount: number, variant = 0) {
  return renderTables(buildNetworkModel({ node, nodes: [], services: [], slices: [], ...objects(policyCount, variant) }));
}

function listChains(table: string): string[] {
  return execFileSync('iptables-save', ['-t', table], { encoding: 'utf8', maxBuffer: 1 << 28 })
    .split('\n')
    .filter((l) => l.startsWith(':'))
    .map((l) => l.slice(1).split(' ')[0]);
}

const out: Record<string, unknown> = {};
const samples: number[] = [];
let tables = render(200);
for (let i = 0; i < 5; i++) samples.push(time(() => (tables = render(200))).ms);
samples.sort((a, b) => a - b);
const model = buildNetworkModel({ node, nodes: [], services: [], slices: [], ...objects(200) });
out.render = {
  medianMs: samples[2],
  filterRules: tables.filter.rules.length,
  filterChains: tables.filter.chains.length,
  bytes: tables.filter.text.length,
  isolatedPods: model.policy.ingress.length + model.policy.egress.length,
};

if (process.argv.includes('--apply')) {
  const apply = (text: string) => (text ? execFileSync('iptables-restore', ['--noflush'], { input: text, maxBuffer: 1 << 28 }) : undefined);
  const step = (prev: ChainContents | undefined, variant: number) => {
    const r = time(() => render(200, variant));
    const text = restoreInput(r.value.filter, prev, prev ? [] : listChains('filter'));
    const a = time(() => apply(text));
    return { renderMs: r.ms, applyMs: a.ms, bytes: text.length, contents: chainContents(r.value.filter) };
  };
  const first = step(undefined, 0);
  const full = step(undefined, 0);
  const again = step(full.contents, 0);
  // Ten policies change what they allow: their pods' chains and rule chains are rewritten.
  const changed = step(again.contents, 1);
  const strip = ({ contents: _c, ...rest }: { contents: ChainContents; renderMs: number; applyMs: number; bytes: number }) => rest;
  out.apply = { first: strip(first), full: strip(full), again: strip(again), changed: strip(changed) };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
