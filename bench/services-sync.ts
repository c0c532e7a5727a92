// Service proxy sync cost: builds the network model for N Services x 3 endpoints, renders it, and (with
// --apply, inside a node container with NET_ADMIN) applies it the way the node agent does: list chains,
// one `iptables-restore --noflush`. Bundled and run by bench/services.mjs; prints one JSON line.
import { execFileSync } from 'node:child_process';
import type { EndpointSlice, Service } from '@kubelab/api';
import { chainContents, type ChainContents, renderTables, restoreInput } from '../packages/node-agent/src/network/iptables';
import { buildNetworkModel, type NodeFacts } from '../packages/node-agent/src/network/model';

const node: NodeFacts = {
  name: 'bench-worker',
  ip: '172.30.0.3',
  nodeInterface: 'eth0',
  podCidr: '10.244.1.0/24',
  clusterPodCidr: '10.244.0.0/16',
  serviceCidr: '10.96.0.0/12',
};

function objects(n: number, shift = 0): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    const ip = `10.96.${Math.floor((i + 256) / 250)}.${((i + 256) % 250) + 2}`;
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'bench' },
      spec: { clusterIP: ip, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-x`, namespace: 'bench', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [0, 1, 2].map((k) => {
        const e = i * 3 + k + (i === 0 ? shift : 0);
        return {
          addresses: [`10.244.${1 + (e % 3)}.${2 + (Math.floor(e / 3) % 250)}`],
          nodeName: `bench-worker${e % 3}`,
          conditions: { ready: true },
        };
      }),
    });
  }
  return { services, slices };
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = fn();
  return { ms: performance.now() - t, value };
}

function listChains(table: string): string[] {
  return execFileSync('iptables-save', ['-t', table], { encoding: 'utf8', maxBuffer: 1 << 28 })
    .split('\n')
    .filter((l) => l.startsWith(':'))
    .map((l) => l.slice(1).split(' ')[0]);
}

const applied = new Map<string, ChainContents>();

/** As the node agent syncs: render, then restore only what changed since the last apply (all when `full`). */
function apply(model: ReturnType<typeof buildNetworkModel>, full: boolean): { renderMs: number; applyMs: number; bytes: number } {
  const r = time(() => renderTables(model));
  const t = performance.now();
  const text = [r.value.filter, r.value.nat]
    .map((x) => restoreInput(x, full ? undefined : applied.get(x.table), full ? listChains(x.table) : []))
    .join('');
  if (text) execFileSync('iptables-restore', ['--noflush'], { input: text, maxBuffer: 1 << 28 });
  for (const x of [r.value.filter, r.value.nat]) applied.set(x.table, chainContents(x));
  return { renderMs: r.ms, applyMs: performance.now() - t, bytes: text.length };
}

const sizes = process.argv
  .slice(2)
  .filter((a) => /^\d+$/.test(a))
  .map(Number);
const out: Record<string, unknown> = {};
for (const n of sizes.length ? sizes : [100, 1000, 5000]) {
  const objs = objects(n);
  const runs = [0, 1, 2, 3, 4].map(() => time(() => renderTables(buildNetworkModel({ node, nodes: [], pods: [], ...objs }))).ms);
  const model = buildNetworkModel({ node, nodes: [], pods: [], ...objs });
  const text = renderTables(model);
  out[`render_${n}`] = { medianMs: runs.sort((a, b) => a - b)[2], natLines: text.nat.rules.length, natBytes: text.nat.text.length };
}
if (process.argv.includes('--apply')) {
  for (const n of sizes.length ? sizes : [1000]) {
    const model = () => buildNetworkModel({ node, nodes: [], pods: [], ...objects(n) });
    const first = apply(model(), true);
    const full = apply(model(), true);
    const again = apply(model(), false);
    // One endpoint moved: its KUBE-SVC chain rewritten, the new KUBE-SEP added, the old one deleted.
    const moved = apply(buildNetworkModel({ node, nodes: [], pods: [], ...objects(n, 7) }), false);
    out[`apply_${n}`] = { first, full, again, oneEndpointMoved: moved };
  }
}
if (process.argv.includes('--legacy')) {
  // Reference: the same whole text through the legacy (x_tables) backend instead of nf_tables.
  const tables = renderTables(buildNetworkModel({ node, nodes: [], pods: [], ...objects(1000) }));
  const r = time(() => execFileSync('iptables-legacy-restore', ['--noflush'], { input: tables.filter.text + tables.nat.text }));
  out.legacy_1000 = { applyMs: r.ms };
}
console.log(JSON.stringify(out));
