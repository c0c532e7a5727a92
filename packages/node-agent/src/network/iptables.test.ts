import { describe, expect, it } from 'vitest';
import { POSTROUTING_CHAIN, renderNatRules } from './iptables';

describe('renderNatRules', () => {
  it('renders the egress masquerade chain for iptables-restore --noflush', () => {
    expect(renderNatRules({ podCidr: '10.244.1.0/24', clusterPodCidr: '10.244.0.0/16', nodeInterface: 'eth0' })).toBe(
      [
        '*nat',
        ':KUBELAB-POSTROUTING - [0:0]',
        '-A KUBELAB-POSTROUTING -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "pod to pod: no NAT" -j RETURN',
        '-A KUBELAB-POSTROUTING -s 10.244.1.0/24 -o eth0 -m comment --comment "pod egress: masquerade to the node IP" -j MASQUERADE',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('is deterministic (unchanged input, unchanged text: no needless restore)', () => {
    const input = { podCidr: '10.244.2.0/24', clusterPodCidr: '10.244.0.0/16', nodeInterface: 'eth1' };
    expect(renderNatRules(input)).toBe(renderNatRules({ ...input }));
    expect(renderNatRules(input)).toContain(`-A ${POSTROUTING_CHAIN} -s 10.244.2.0/24 -o eth1`);
  });
});
