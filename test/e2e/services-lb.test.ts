// Issue 8 end to end: a LoadBalancer IP that moves to another node is announced by its new owner with a
// gratuitous ARP (node agent, iputils arping -U), so the Docker host's neighbour entry for the IP names the
// new node's MAC at once. The IP moves the way the placement logic moves it: the owner (first Ready node by
// name) is labelled node.kubernetes.io/exclude-from-external-load-balancers, then the label is removed.
//
// The host sends no packet to the IP while the entry is checked: without the announcement the entry would keep
// the former owner's MAC (a stale entry changes only when it is used and its probes fail), so only the
// gratuitous ARP can turn it. Linux hosts only (the host reaches the node network directly), as the other
// LoadBalancer tests.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, type Node, type Service } from '@kubelab/api';
import { docker, eventually, execIn } from '../support/docker';
import { startCluster, type TestCluster } from '../support/cluster';

const CLUSTER = 'kltest-services-lb';
const SERVICES = resolveResource('services')!;
const NODES = resolveResource('nodes')!;
const EXCLUDE = 'node.kubernetes.io/exclude-from-external-load-balancers';
let c: TestCluster;

/** One request on a connection of its own, closed after the answer (no kept-alive socket sends later). */
function getOnce(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 3000, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
  });
}

/** The host's neighbour entry for `ip`: its MAC, or undefined when there is none. */
function hostNeighbour(ip: string): string | undefined {
  const rows = JSON.parse(execFileSync('ip', ['-j', 'neigh', 'show', 'to', ip], { encoding: 'utf8' }) || '[]') as { lladdr?: string }[];
  return rows[0]?.lladdr;
}

/** The nodes holding `ip` as a /32 on an interface (the owner of a LoadBalancer IP). */
async function holders(ip: string, nodes: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of nodes) if ((await execIn(n, ['ip', '-4', '-o', 'addr', 'show'])).stdout.includes(` ${ip}/32 `)) out.push(n);
  return out;
}

/** Each node container's MAC on the node network (the network holding its InternalIP). */
async function nodeMacs(nodes: Node[]): Promise<Map<string, string>> {
  const macs = new Map<string, string>();
  for (const n of nodes) {
    const ip = n.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    const info = await docker.getContainer(n.metadata.name!).inspect();
    const net = Object.values(info.NetworkSettings.Networks).find((x) => x.IPAddress === ip)!;
    macs.set(n.metadata.name!, net.MacAddress.toLowerCase());
  }
  return macs;
}

describe('services: a LoadBalancer IP that moves between nodes', () => {
  beforeAll(async () => {
    c = await startCluster(CLUSTER);
    await c.run(['create', 'deployment', 'echo', '--image=kubelab/echo:latest', '--port=8080']);
    await c.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'echo' },
        spec: { type: 'LoadBalancer', selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] },
      }),
    );
    await c.run(['rollout', 'status', 'deployment/echo', '--timeout=90s']);
  });
  afterAll(async () => {
    await c?.down();
  });

  it('is announced by its new owner: the host neighbour entry turns to the new MAC with no traffic sent', async () => {
    if (process.platform !== 'linux') return;
    const nodes = (await c.client.list<Node>(NODES)).items;
    const names = nodes.map((n) => n.metadata.name!).sort();
    const macs = await nodeMacs(nodes);
    const lb = await eventually(
      'a LoadBalancer IP',
      async () => (await c.client.get<Service>(SERVICES, 'echo', 'default')).status?.loadBalancer?.ingress?.[0]?.ip,
    );
    // The host learns the owner's MAC by reaching the IP once.
    expect(await eventually(`the host to reach ${lb}`, () => getOnce(`http://${lb}/`))).toMatch(/^Hostname: echo-/m);
    const [first] = await eventually('one node to hold the IP', async () => {
      const h = await holders(lb, names);
      return h.length === 1 ? h : undefined;
    });
    expect(first).toBe(names[0]); // the first Ready node by name
    expect(hostNeighbour(lb)).toBe(macs.get(first));

    // Excluded from load balancers: the next node by name takes the IP and announces it.
    await c.client.patch(NODES, first, { metadata: { labels: { [EXCLUDE]: '' } } });
    const [second] = await eventually('the IP to move to another node', async () => {
      const h = await holders(lb, names);
      return h.length === 1 && h[0] !== first ? h : undefined;
    });
    expect(second).toBe(names[1]);
    await eventually(
      `the host neighbour entry for ${lb} to name ${second}'s MAC ${macs.get(second)}`,
      async () => hostNeighbour(lb) === macs.get(second),
    );
    expect(await getOnce(`http://${lb}/`)).toMatch(/^Hostname: echo-/m);

    // The label removed: the IP goes back, announced again.
    await c.client.patch(NODES, first, { metadata: { labels: { [EXCLUDE]: null } } });
    await eventually('the IP to move back', async () => (await holders(lb, names)).join() === first);
    await eventually(`the host neighbour entry for ${lb} to name ${first}'s MAC again`, async () => hostNeighbour(lb) === macs.get(first));
    expect(await getOnce(`http://${lb}/`)).toMatch(/^Hostname: echo-/m);
    // The agents said so in their logs.
    const log = String(await docker.getContainer(second).logs({ stdout: true, stderr: true }));
    expect(log).toContain('LoadBalancer IP announced (gratuitous ARP)');
  });
});
