import { describe, expect, it } from 'vitest';
import { planAddresses, toExistingNetworks, type ExistingNetwork } from './addressing';

const bridge: ExistingNetwork = { name: 'bridge', subnets: ['172.17.0.0/16'] };

describe('planAddresses', () => {
  it('uses slot 0 on a clean engine', () => {
    const plan = planAddresses({ workers: 2 }, [bridge]);
    expect(plan).toMatchObject({
      slot: 0,
      nodeSubnet: '172.30.0.0/24',
      nodeGateway: '172.30.0.1',
      podSubnet: '10.244.0.0/16',
      serviceCidr: '10.96.0.0/12',
    });
    expect(plan.nodes).toEqual([
      { index: 0, ip: '172.30.0.2', podCIDR: '10.244.0.0/24', agentPodIp: '10.244.0.1', podGateway: '10.244.0.254' },
      { index: 1, ip: '172.30.0.3', podCIDR: '10.244.1.0/24', agentPodIp: '10.244.1.1', podGateway: '10.244.1.254' },
      { index: 2, ip: '172.30.0.4', podCIDR: '10.244.2.0/24', agentPodIp: '10.244.2.1', podGateway: '10.244.2.254' },
    ]);
  });

  it('skips slots whose node or pod subnet is taken', () => {
    const existing = [bridge, { name: 'a-net', subnets: ['172.30.0.0/24'] }, { name: 'x-pods', subnets: ['fd00::/64', '10.245.3.0/24'] }];
    const plan = planAddresses({ workers: 0 }, existing);
    expect(plan.slot).toBe(2);
    expect(plan.nodeSubnet).toBe('172.30.2.0/24');
    expect(plan.podSubnet).toBe('10.246.0.0/16');
    expect(plan.nodes).toHaveLength(1);
  });

  it('keeps explicit subnets and names the clashing network', () => {
    expect(() => planAddresses({ workers: 1, nodeSubnet: '172.30.0.0/24' }, [{ name: 'foo', subnets: ['172.30.0.0/16'] }])).toThrow(
      'node subnet 172.30.0.0/24 overlaps Docker network "foo" (172.30.0.0/16); pass --node-subnet to choose another',
    );
    expect(() => planAddresses({ workers: 1, podSubnet: '10.244.0.0/16' }, [{ name: 'bar', subnets: ['10.244.7.0/24'] }])).toThrow(
      'pod subnet 10.244.0.0/16 overlaps Docker network "bar" (10.244.7.0/24); pass --pod-subnet to choose another',
    );
  });

  it('combines an explicit node subnet with a free default pod subnet', () => {
    const plan = planAddresses({ workers: 1, nodeSubnet: '192.168.50.0/28' }, [{ name: 'p', subnets: ['10.244.0.0/16'] }]);
    expect(plan).toMatchObject({ slot: 1, nodeSubnet: '192.168.50.0/28', nodeGateway: '192.168.50.1', podSubnet: '10.245.0.0/16' });
    expect(plan.nodes.map((n) => n.ip)).toEqual(['192.168.50.2', '192.168.50.3']);
  });

  it('accepts both subnets explicitly (no slot)', () => {
    const plan = planAddresses({ workers: 3, nodeSubnet: '192.168.7.0/24', podSubnet: '10.50.0.0/22' }, [bridge]);
    expect(plan.slot).toBeUndefined();
    expect(plan.nodes.map((n) => n.podCIDR)).toEqual(['10.50.0.0/24', '10.50.1.0/24', '10.50.2.0/24', '10.50.3.0/24']);
  });

  it('rejects unusable explicit subnets with the reason', () => {
    expect(() => planAddresses({ workers: 4, nodeSubnet: '192.168.7.0/24', podSubnet: '10.50.0.0/22' }, [])).toThrow(
      /holds only 4 node \/24s, 5 needed/,
    );
    expect(() => planAddresses({ workers: 0, nodeSubnet: '192.168.7.0/24', podSubnet: '10.50.0.0/25' }, [])).toThrow(
      /must be a \/24 or larger/,
    );
    expect(() => planAddresses({ workers: 5, nodeSubnet: '192.168.7.0/29', podSubnet: '10.50.0.0/16' }, [])).toThrow(
      /too small for 6 nodes/,
    );
    expect(() => planAddresses({ workers: 0, nodeSubnet: '10.50.1.0/24', podSubnet: '10.50.0.0/16' }, [])).toThrow(/overlaps pod subnet/);
    expect(() => planAddresses({ workers: 0, podSubnet: '10.0.0.0/8' }, [])).toThrow(/overlaps the service CIDR 10.96.0.0\/12/);
    expect(() => planAddresses({ workers: 0, nodeSubnet: '172.30.0.1/24' }, [])).toThrow(/host bits set \(did you mean 172.30.0.0\/24\?\)/);
    expect(() => planAddresses({ workers: 0, nodeSubnet: 'banana' }, [])).toThrow(/invalid IPv4 CIDR "banana"/);
  });

  it('explains when every slot is taken', () => {
    const taken = [{ name: 'big', subnets: ['172.30.0.0/16'] }];
    expect(() => planAddresses({ workers: 0 }, taken)).toThrow(/no free address slot.*pass --node-subnet \/ --pod-subnet/);
    expect(() => planAddresses({ workers: 0, podSubnet: '10.1.0.0/16' }, taken)).toThrow(/pass --node-subnet$/);
  });

  it('places up to 11 nodes in the default /24', () => {
    const plan = planAddresses({ workers: 10 }, []);
    expect(plan.nodes.at(-1)).toMatchObject({ ip: '172.30.0.12', podCIDR: '10.244.10.0/24', agentPodIp: '10.244.10.1' });
  });
});

describe('toExistingNetworks', () => {
  it('reduces Docker network listings to names and subnets', () => {
    expect(
      toExistingNetworks([
        { Name: 'bridge', IPAM: { Config: [{ Subnet: '172.17.0.0/16' }] } },
        { Name: 'host', IPAM: { Config: [] } },
        { Name: 'none' },
      ]),
    ).toEqual([
      { name: 'bridge', subnets: ['172.17.0.0/16'] },
      { name: 'host', subnets: [] },
      { name: 'none', subnets: [] },
    ]);
  });
});
