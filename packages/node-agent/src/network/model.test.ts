import { describe, expect, it } from 'vitest';
import type { Service } from '@kubelab/api';
import { ep, input, node, slice, svc } from './fixtures.test-util';
import { buildNetworkModel, loadBalancerOwner } from './model';

const lb = (ip: string): Partial<Service> => ({ status: { loadBalancer: { ingress: [{ ip }] } } });

describe('buildNetworkModel', () => {
  it('merges slices per port name and protocol, dedups addresses, marks local endpoints and their pods', () => {
    const m = buildNetworkModel(
      input({
        services: [svc('web', { ports: [{ name: 'http', port: 80 }] })],
        slices: [
          slice('web', [{ name: 'http', port: 8080, protocol: 'TCP' }], [ep('10.244.2.7@kt-worker2'), ep('10.244.1.5@kt-worker')]),
          slice('web', [{ name: 'http', port: 8080, protocol: 'TCP' }], [ep('10.244.2.7@kt-worker2')], 'dup'),
          { ...slice('web', [{ name: 'http', port: 8080 }], [ep('fd00::1@kt-worker')], 'v6'), addressType: 'IPv6' },
        ],
      }),
    );
    const [port] = m.servicePorts;
    expect(port.name).toBe('default/web:http');
    expect(port.endpoints.map((e) => [e.address, e.local, e.target])).toEqual([
      ['10.244.1.5:8080', true, 'default/pod-10.244.1.5'],
      ['10.244.2.7:8080', false, 'default/pod-10.244.2.7'],
    ]);
  });

  it('gives each LoadBalancer IP to one node: the first Ready node by name', () => {
    const nodes = [
      node('kt-worker2', '172.30.0.4', '10.244.2.0/24'),
      node('kt-worker', '172.30.0.3', '10.244.1.0/24'),
      node('kt-a', '172.30.0.9', '10.244.9.0/24', false),
    ];
    expect(loadBalancerOwner(nodes)).toBe('kt-worker');
    const services = [svc('web', { type: 'LoadBalancer', ports: [{ port: 80, nodePort: 30080 }] }, lb('172.30.0.240'))];
    expect(buildNetworkModel(input({ nodes, services })).ownedLoadBalancerIPs).toEqual(['172.30.0.240']);
    const other = buildNetworkModel(input({ nodes, services, node: { ...input({}).node, name: 'kt-worker2' } }));
    expect(other.ownedLoadBalancerIPs).toEqual([]);
    expect(other.servicePorts[0].loadBalancerIPs).toEqual(['172.30.0.240']);
  });

  it('skips nodes labelled exclude-from-external-load-balancers (any value) when placing LoadBalancer IPs', () => {
    const worker = node('kt-worker', '172.30.0.3', '10.244.1.0/24');
    const nodes = [
      { ...worker, metadata: { ...worker.metadata, labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } } },
      node('kt-worker2', '172.30.0.4', '10.244.2.0/24'),
    ];
    expect(loadBalancerOwner(nodes)).toBe('kt-worker2');
    expect(loadBalancerOwner(nodes.slice(0, 1))).toBeUndefined();
  });

  it('routes to the other nodes and skips pods without IP or being deleted for hostPorts', () => {
    const nodes = [node('kt-worker', '172.30.0.3', '10.244.1.0/24'), node('kt-worker2', '172.30.0.4', '10.244.2.0/24')];
    const m = buildNetworkModel(input({ nodes }));
    expect(m.routes).toEqual([{ cidr: '10.244.2.0/24', via: '172.30.0.4' }]);
  });
});
