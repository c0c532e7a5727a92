import { describe, expect, it } from 'vitest';
import type { Node } from '@kubelab/api';
import { desiredRoutes, diffRoutes } from './routes';

function node(name: string, podCIDR?: string, ip?: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { podCIDR },
    status: { addresses: ip ? [{ type: 'InternalIP', address: ip }] : [] },
  };
}

describe('desiredRoutes', () => {
  it("routes every other node's pod CIDR via its InternalIP, skipping self and incomplete nodes", () => {
    const nodes = [
      node('kt-worker2', '10.244.2.0/24', '172.30.0.4'),
      node('kt-control-plane', '10.244.0.0/24', '172.30.0.2'),
      node('kt-worker', '10.244.1.0/24', '172.30.0.3'),
      node('kt-new', undefined, '172.30.0.9'),
      node('kt-noip', '10.244.9.0/24'),
      node('kt-evil', '10.244.1.0/25', '172.30.0.66'),
    ];
    expect(desiredRoutes(nodes, 'kt-worker', '10.244.1.0/24')).toEqual([
      { cidr: '10.244.0.0/24', via: '172.30.0.2' },
      { cidr: '10.244.2.0/24', via: '172.30.0.4' },
    ]);
  });
});

describe('diffRoutes', () => {
  const current = [
    { dst: 'default', gateway: '172.30.0.1', dev: 'eth0' },
    { dst: '172.30.0.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link' },
    { dst: '10.244.1.0/24', dev: 'eth1', protocol: 'kernel', scope: 'link' },
    { dst: '10.244.0.0/24', gateway: '172.30.0.2', dev: 'eth0' },
    { dst: '10.244.2.0/24', gateway: '172.30.0.9', dev: 'eth0' },
    { dst: '10.244.3.0/24', gateway: '172.30.0.5', dev: 'eth0' },
    { dst: '192.168.5.0/24', gateway: '172.30.0.7', dev: 'eth0' },
  ];
  const desired = [
    { cidr: '10.244.0.0/24', via: '172.30.0.2' },
    { cidr: '10.244.2.0/24', via: '172.30.0.4' },
    { cidr: '10.244.4.0/24', via: '172.30.0.6' },
  ];

  it('replaces missing and wrong routes, removes routes of nodes that are gone, leaves the rest alone', () => {
    const d = diffRoutes(current, desired, '10.244.0.0/16', '10.244.1.0/24');
    expect(d.replace).toEqual([
      { cidr: '10.244.2.0/24', via: '172.30.0.4' },
      { cidr: '10.244.4.0/24', via: '172.30.0.6' },
    ]);
    expect(d.remove).toEqual([{ dst: '10.244.3.0/24', gateway: '172.30.0.5', dev: 'eth0' }]);
  });

  it('is a no-op when everything matches', () => {
    const d = diffRoutes(
      current.filter((r) => r.dst !== '10.244.3.0/24' && r.dst !== '10.244.2.0/24'),
      desired.slice(0, 1),
      '10.244.0.0/16',
      '10.244.1.0/24',
    );
    expect(d).toEqual({ replace: [], remove: [] });
  });
});
