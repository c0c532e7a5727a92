import { describe, expect, it } from 'vitest';
import { planAddresses } from './addressing';
import { nodeContainerSpec, nodeNetworkSpec, nodePlans, podNetworkConnect, podNetworkSpec, stateVolumeSpec, tunablesFrom } from './spec';

const plan = planAddresses({ workers: 2 }, []);
const nodes = nodePlans('lab', plan);

describe('create specs', () => {
  it('plans kind-named nodes with their addresses', () => {
    expect(nodes.map((n) => [n.name, n.role, n.addresses.ip])).toEqual([
      ['lab-control-plane', 'control-plane', '172.30.0.2'],
      ['lab-worker', 'worker', '172.30.0.3'],
      ['lab-worker2', 'worker', '172.30.0.4'],
    ]);
  });

  it('labels networks and the volume', () => {
    expect(nodeNetworkSpec('lab', plan)).toMatchObject({
      Name: 'lab-net',
      Driver: 'bridge',
      IPAM: { Config: [{ Subnet: '172.30.0.0/24', Gateway: '172.30.0.1' }] },
      Labels: { 'kubelab.cluster': 'lab', 'kubelab.role': 'node-network' },
    });
    expect(podNetworkSpec('lab', nodes[2])).toEqual({
      Name: 'lab-pods-lab-worker2',
      CheckDuplicate: true,
      Driver: 'bridge',
      Internal: false,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.244.2.0/24', Gateway: '10.244.2.254' }] },
      Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
      Labels: { 'kubelab.cluster': 'lab', 'kubelab.role': 'pod-network', 'kubelab.node': 'lab-worker2' },
    });
    expect(stateVolumeSpec('lab')).toEqual({ Name: 'lab-state', Labels: { 'kubelab.cluster': 'lab', 'kubelab.role': 'state' } });
  });

  it('wires the control plane', () => {
    const spec = nodeContainerSpec({ cluster: 'lab', image: 'kubelab/node:abc', apiPort: 7443, logLevel: 'debug' }, plan, nodes[0]);
    expect(spec).toMatchObject({
      name: 'lab-control-plane',
      Hostname: 'lab-control-plane',
      Image: 'kubelab/node:abc',
      Cmd: ['node', '/opt/kubelab/kubelab-node.mjs', 'apiserver', 'node-agent'],
      Labels: { 'kubelab.cluster': 'lab', 'kubelab.role': 'control-plane', 'kubelab.node': 'lab-control-plane', 'kubelab.node-count': '3' },
      ExposedPorts: { '6443/tcp': {} },
      NetworkingConfig: { EndpointsConfig: { 'lab-net': { IPAMConfig: { IPv4Address: '172.30.0.2' } } } },
    });
    expect(spec.Env).toEqual([
      'KUBELAB_CLUSTER=lab',
      'NODE_NAME=lab-control-plane',
      'NODE_IP=172.30.0.2',
      'POD_CIDR=10.244.0.0/24',
      'CLUSTER_POD_CIDR=10.244.0.0/16',
      'NODE_SUBNET=172.30.0.0/24',
      'SERVICE_CIDR=10.96.0.0/12',
      'KUBELAB_API_URL=http://172.30.0.2:6443',
      'KUBELAB_NODE_ROLE=control-plane',
      'LOG_LEVEL=debug',
      'KUBELAB_STATE_DIR=/var/lib/kubelab',
    ]);
    expect(spec.HostConfig).toMatchObject({
      CapAdd: ['NET_ADMIN', 'NET_RAW'],
      Sysctls: {
        'net.ipv4.ip_forward': '1',
        'net.ipv4.conf.all.rp_filter': '0',
        'net.ipv4.conf.default.rp_filter': '0',
        'net.ipv4.conf.all.send_redirects': '0',
      },
      Binds: ['/var/run/docker.sock:/var/run/docker.sock', 'lab-state:/var/lib/kubelab'],
      PortBindings: { '6443/tcp': [{ HostIp: '127.0.0.1', HostPort: '7443' }] },
      RestartPolicy: { Name: 'unless-stopped' },
      NetworkMode: 'lab-net',
    });
  });

  it('wires workers without port, state or API server', () => {
    const spec = nodeContainerSpec({ cluster: 'lab', image: 'img' }, plan, nodes[1]);
    expect(spec.Cmd).toEqual(['node', '/opt/kubelab/kubelab-node.mjs', 'node-agent']);
    expect(spec.ExposedPorts).toBeUndefined();
    expect(spec.HostConfig?.PortBindings).toBeUndefined();
    expect(spec.HostConfig?.Binds).toEqual(['/var/run/docker.sock:/var/run/docker.sock']);
    expect(spec.Env).toContain('KUBELAB_API_URL=http://172.30.0.2:6443');
    expect(spec.Env).toContain('LOG_LEVEL=info');
    expect(spec.Env).toContain('KUBELAB_NODE_ROLE=worker');
    expect(spec.Env?.some((e) => e.startsWith('KUBELAB_STATE_DIR'))).toBe(false);
  });

  it('publishes a random port when none is asked for', () => {
    const spec = nodeContainerSpec({ cluster: 'lab', image: 'img' }, plan, nodes[0]);
    expect(spec.HostConfig?.PortBindings).toEqual({ '6443/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  });

  it('gives the control plane 4x the CPU weight of the other containers', () => {
    expect(nodeContainerSpec({ cluster: 'lab', image: 'img' }, plan, nodes[0]).HostConfig?.CpuShares).toBe(4096);
    expect(nodeContainerSpec({ cluster: 'lab', image: 'img' }, plan, nodes[1]).HostConfig?.CpuShares).toBeUndefined();
  });

  it('passes --allow-privileged to the API server and every kubelet, and nothing by default', () => {
    for (const node of nodes) {
      expect(nodeContainerSpec({ cluster: 'lab', image: 'img', allowPrivileged: true }, plan, node).Env).toContain(
        'KUBELAB_ALLOW_PRIVILEGED=true',
      );
      expect(nodeContainerSpec({ cluster: 'lab', image: 'img' }, plan, node).Env?.some((e) => e.includes('ALLOW_PRIVILEGED'))).toBe(false);
    }
  });

  it('puts the agent at .1 of its pod network', () => {
    expect(podNetworkConnect('cid', nodes[1])).toEqual({ Container: 'cid', EndpointConfig: { IPAMConfig: { IPv4Address: '10.244.1.1' } } });
  });
});

describe('tunables', () => {
  it('passes timing knobs from the environment and refuses non-numbers', async () => {
    expect(tunablesFrom({ KUBELAB_HEARTBEAT_MS: '2000', OTHER: 'x' })).toEqual({ KUBELAB_HEARTBEAT_MS: '2000' });
    expect(() => tunablesFrom({ KUBELAB_BACKOFF_BASE_MS: 'fast' })).toThrow(
      'KUBELAB_BACKOFF_BASE_MS=fast: must be a whole number of milliseconds',
    );
  });
});
