import { describe, expect, it } from 'vitest';
import { staleUdpFlows } from './conntrack';
import { ep, input, slice, svc } from './fixtures.test-util';
import { buildNetworkModel } from './model';

const dns = (...ips: string[]) =>
  buildNetworkModel(
    input({
      services: [
        svc('dns', { clusterIP: '10.96.0.10', type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }] }),
        svc('web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
      ],
      slices: [
        slice(
          'dns',
          [{ name: 'dns', port: 53, protocol: 'UDP' }],
          ips.map((ip) => ep(ip)),
        ),
        slice(
          'web',
          [{ name: 'http', port: 8080, protocol: 'TCP' }],
          ips.map((ip) => ep(ip)),
        ),
      ],
    }),
  );

describe('staleUdpFlows', () => {
  it('deletes the UDP flows DNATed to an endpoint that left, for the ClusterIP and the NodePort', () => {
    expect(
      staleUdpFlows(dns('10.244.1.5@kt-worker', '10.244.2.7@kt-worker2'), dns('10.244.2.7@kt-worker2', '10.244.2.9@kt-worker2')),
    ).toEqual([
      ['-D', '-p', 'udp', '--orig-dst', '10.96.0.10', '--dst-nat', '10.244.1.5'],
      ['-D', '-p', 'udp', '--dport', '30053', '--dst-nat', '10.244.1.5'],
    ]);
  });

  it('does nothing on the first sync, for TCP, or when the endpoints stayed', () => {
    expect(staleUdpFlows(undefined, dns('10.244.1.5@kt-worker'))).toEqual([]);
    expect(staleUdpFlows(dns('10.244.1.5@kt-worker'), dns('10.244.1.5@kt-worker', '10.244.2.7@kt-worker2'))).toEqual([]);
  });
});
