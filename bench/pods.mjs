// Pod start-up figures (issue 3): pod create -> Ready, p50/p95 over 30 pods created one after another,
// and a 30-replica Deployment from create to all Ready. Talks to the API with fetch, times on this side.
import { clusterAccess } from './api-access.mjs';
import { percentile, until } from './lib.mjs';

let access;

async function api(base, method, path, body) {
  const res = await access.fetch(base + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${json.message}`);
  return json;
}

const ready = (p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

export async function benchPods({ name }) {
  access = clusterAccess(name);
  const base = access.base;
  const nodes = await api(base, 'GET', '/api/v1/nodes');
  if (!nodes.items.length) return [['pod start', '', 'no nodes', '']];

  const times = [];
  for (let i = 0; i < 30; i++) {
    const podName = `bench-${i}`;
    const started = performance.now();
    await api(base, 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName },
      spec: { containers: [{ name: 'echo', image: 'kubelab/echo:latest' }] },
    });
    await until(`pod ${podName} Ready`, async () => ready(await api(base, 'GET', `/api/v1/namespaces/default/pods/${podName}`)));
    times.push(performance.now() - started);
  }
  await api(base, 'DELETE', '/api/v1/namespaces/default/pods');

  const started = performance.now();
  await api(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bench30' },
    spec: {
      replicas: 30,
      selector: { matchLabels: { app: 'bench30' } },
      template: { metadata: { labels: { app: 'bench30' } }, spec: { containers: [{ name: 'echo', image: 'kubelab/echo:latest' }] } },
    },
  });
  await until(
    '30 replicas Ready',
    async () => (await api(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/bench30')).status?.readyReplicas === 30,
    { timeoutMs: 300_000 },
  );
  const deployMs = performance.now() - started;
  await api(base, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/bench30');

  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  return [
    [
      'pod create -> Ready, p50 over 30 pods (one after another, kubelab/echo)',
      'POST pod, poll until Ready',
      s(percentile(times, 50)),
      'target < 1.2 s',
    ],
    ['pod create -> Ready, p95 over 30 pods', 'same', s(percentile(times, 95)), 'target < 2.5 s'],
    ['Deployment of 30 replicas, create -> 30 Ready', 'POST deployment, poll status.readyReplicas', s(deployMs), 'target < 15 s'],
  ];
}
