import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { planAddresses } from './addressing';
import { clusterHealth, infoFromContainers, summarize } from './cluster-model';
import { nodeContainerSpec, nodePlans } from './spec';

/** What `docker ps -a` would list for containers created from our specs. */
function listed(cluster: string, workers: number, states: string[] = [], port = 40123): Docker.ContainerInfo[] {
  const plan = planAddresses({ workers }, []);
  return nodePlans(cluster, plan).map((node, i) => {
    const spec = nodeContainerSpec({ cluster, image: 'kubelab/node:abc' }, plan, node);
    const state = states[i] ?? 'running';
    return {
      Id: `id-${node.name}`,
      Labels: spec.Labels!,
      State: state,
      Image: 'kubelab/node:abc',
      Ports: i === 0 && state === 'running' ? [{ IP: '127.0.0.1', PrivatePort: 6443, PublicPort: port, Type: 'tcp' }] : [],
      NetworkSettings: { Networks: state === 'running' ? { [`${cluster}-net`]: { IPAddress: node.addresses.ip } } : {} },
    } as unknown as Docker.ContainerInfo;
  });
}

const pod = (cluster: string): Docker.ContainerInfo =>
  ({
    Id: 'pod1',
    Labels: { 'kubelab.cluster': cluster, 'kubelab.role': 'pod' },
    State: 'running',
    Ports: [],
    NetworkSettings: { Networks: {} },
  }) as unknown as Docker.ContainerInfo;

describe('infoFromContainers', () => {
  it('reads a cluster back from labels, networks and published ports', () => {
    const info = infoFromContainers('lab', [...listed('lab', 2).reverse(), pod('lab')]);
    expect(info).toEqual({
      name: 'lab',
      apiUrl: 'http://127.0.0.1:40123',
      internalApiUrl: 'http://172.30.0.2:6443',
      nodeSubnet: '172.30.0.0/24',
      podSubnet: '10.244.0.0/16',
      serviceCidr: '10.96.0.0/12',
      image: 'kubelab/node:abc',
      nodes: [
        {
          name: 'lab-control-plane',
          role: 'control-plane',
          ip: '172.30.0.2',
          podCIDR: '10.244.0.0/24',
          containerId: 'id-lab-control-plane',
          state: 'running',
        },
        { name: 'lab-worker', role: 'worker', ip: '172.30.0.3', podCIDR: '10.244.1.0/24', containerId: 'id-lab-worker', state: 'running' },
        {
          name: 'lab-worker2',
          role: 'worker',
          ip: '172.30.0.4',
          podCIDR: '10.244.2.0/24',
          containerId: 'id-lab-worker2',
          state: 'running',
        },
      ],
    });
  });

  it('orders worker10 after worker9 and falls back to label IPs when stopped', () => {
    const info = infoFromContainers('lab', listed('lab', 10, Array(11).fill('exited')));
    expect(info?.nodes.map((n) => n.name).slice(-2)).toEqual(['lab-worker9', 'lab-worker10']);
    expect(info?.nodes[10].ip).toBe('172.30.0.12');
    expect(info?.apiUrl).toBe('');
  });

  it('is undefined without node containers', () => {
    expect(infoFromContainers('lab', [pod('lab')])).toBeUndefined();
  });
});

describe('clusterHealth', () => {
  it('is healthy when every expected node runs', () => {
    expect(clusterHealth(listed('lab', 2)).healthy).toBe(true);
  });

  it('names what is wrong', () => {
    expect(clusterHealth(listed('lab', 2, ['running', 'exited', 'dead']))).toEqual({
      healthy: false,
      reason: 'lab-worker exited, lab-worker2 dead',
    });
    expect(clusterHealth(listed('lab', 2).slice(0, 2))).toEqual({ healthy: false, reason: '1 of 3 nodes missing' });
    expect(clusterHealth(listed('lab', 2).slice(1))).toEqual({ healthy: false, reason: 'control plane missing' });
    expect(clusterHealth([pod('lab')]).healthy).toBe(false);
  });
});

describe('summarize', () => {
  it('groups containers and networks by cluster', () => {
    const containers = [...listed('a', 1), ...listed('b', 0, ['exited']), pod('a')];
    const networks = [{ Labels: { 'kubelab.cluster': 'c' } }, { Labels: { 'kubelab.cluster': 'a' } }];
    expect(summarize(containers, networks)).toEqual([
      { name: 'a', nodes: 2, running: 2, status: 'running', apiUrl: 'http://127.0.0.1:40123' },
      { name: 'b', nodes: 1, running: 0, status: 'stopped' },
      { name: 'c', nodes: 0, running: 0, status: 'degraded' },
    ]);
  });
});
