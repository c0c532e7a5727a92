// The renderer as a table of models -> expected iptables-restore text (snapshot style). Each case shows only
// the lines its Service made (found through the rule -> object index), plus the whole text for one case.
import { describe, expect, it } from 'vitest';
import type { Service } from '@kubelab/api';
import { ep, input, NODE, node, podWithHostPort, slice, svc } from './fixtures.test-util';
import { chainContents, renderTables, restoreInput, withStaleChainsDeleted, type RenderedTables } from './iptables';
import { buildNetworkModel, type ModelInput } from './model';
import { probability } from './service-rules';

function render(parts: Partial<ModelInput>): RenderedTables {
  return renderTables(buildNetworkModel(input(parts)));
}

/** The rules one object made, per table, as "-A CHAIN spec" lines. */
function linesOf(t: RenderedTables, name: string): string {
  const pick = (table: 'filter' | 'nat') =>
    t[table].rules.filter((r) => r.source?.name === name).map((r) => `${table}: -A ${r.chain} ${r.spec}`);
  return [...pick('filter'), ...pick('nat')].join('\n');
}

const http = [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' as const }];
const slicePorts = [{ name: 'http', port: 8080, protocol: 'TCP' as const }];

describe('renderTables', () => {
  it('renders a ClusterIP Service with the whole text of both tables', () => {
    const t = render({
      services: [svc('web', { ports: http })],
      slices: [slice('web', slicePorts, [ep('10.244.2.7@kt-worker2'), ep('10.244.1.5@kt-worker')])],
    });
    expect(t.filter.text + t.nat.text).toMatchInlineSnapshot(`
      "*filter
      :KUBE-SERVICES - [0:0]
      :KUBE-EXTERNAL-SERVICES - [0:0]
      :KUBE-FORWARD - [0:0]
      :KUBE-NODEPORTS - [0:0]
      :KUBELAB-OUTPUT - [0:0]
      :KUBELAB-NETPOL - [0:0]
      -A KUBE-SERVICES -m comment --comment "no Service has this address and port in the service CIDR 10.96.0.0/12" -d 10.96.0.0/12 -j REJECT
      -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
      -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
      -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
      -A KUBELAB-OUTPUT -p icmp -m icmp --icmp-type redirect -m comment --comment "pods keep the agent as next hop: no ICMP redirects" -j DROP
      -A KUBELAB-NETPOL -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies and established flows pass" -j ACCEPT
      COMMIT
      *nat
      :KUBE-SERVICES - [0:0]
      :KUBE-NODEPORTS - [0:0]
      :KUBE-POSTROUTING - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBELAB-HOSTPORTS - [0:0]
      :KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
      :KUBE-SEP-AFGSLHOD2HFNCBX4 - [0:0]
      :KUBE-SEP-2RIJ5GIYXEFH6G4D - [0:0]
      :KUBELAB-POSTROUTING - [0:0]
      -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
      -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
      -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
      -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
      -A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
      -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
      -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-AFGSLHOD2HFNCBX4
      -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.7:8080" -j KUBE-SEP-2RIJ5GIYXEFH6G4D
      -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment default/web:http -s 10.244.1.5 -j KUBE-MARK-MASQ
      -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
      -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -s 10.244.2.7 -j KUBE-MARK-MASQ
      -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8080
      -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS
      -A KUBELAB-POSTROUTING -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "pod to pod: no NAT" -j RETURN
      -A KUBELAB-POSTROUTING -s 10.244.1.0/24 -o eth0 -m comment --comment "pod egress: masquerade to the node IP" -j MASQUERADE
      COMMIT
      "
    `);
  });

  it('spreads over n ready endpoints with probabilities 1/n, 1/(n-1), ... and leaves not-ready ones out', () => {
    const t = render({
      services: [svc('web', { ports: http })],
      slices: [
        slice('web', slicePorts, [ep('10.244.1.5@kt-worker'), ep('10.244.2.7@kt-worker2'), ep('10.244.2.9@kt-worker2', { ready: false })]),
        slice('web', slicePorts, [ep('10.244.0.4@kt-control-plane'), ep('10.244.2.7@kt-worker2')], 'fghij'),
      ],
    });
    expect(linesOf(t, 'web')).toMatchInlineSnapshot(`
      "nat: -A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.4:8080" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-MQPSSF2DIKDEHI3U
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-AFGSLHOD2HFNCBX4
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.7:8080" -j KUBE-SEP-2RIJ5GIYXEFH6G4D
      nat: -A KUBE-SEP-MQPSSF2DIKDEHI3U -m comment --comment default/web:http -s 10.244.0.4 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-MQPSSF2DIKDEHI3U -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.0.4:8080
      nat: -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment default/web:http -s 10.244.1.5 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
      nat: -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -s 10.244.2.7 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8080"
    `);
    expect([probability(4), probability(3), probability(2)]).toEqual(['0.2500000000', '0.3333333333', '0.5000000000']);
  });

  it('keeps a client on its endpoint with sessionAffinity ClientIP (-m recent, timeoutSeconds)', () => {
    const t = render({
      services: [svc('web', { ports: http, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })],
      slices: [slice('web', slicePorts, [ep('10.244.1.5@kt-worker'), ep('10.244.2.7@kt-worker2')])],
    });
    expect(linesOf(t, 'web')).toMatchInlineSnapshot(`
      "nat: -A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:8080" -m recent --name KUBE-SEP-AFGSLHOD2HFNCBX4 --rcheck --seconds 60 --reap -j KUBE-SEP-AFGSLHOD2HFNCBX4
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.7:8080" -m recent --name KUBE-SEP-2RIJ5GIYXEFH6G4D --rcheck --seconds 60 --reap -j KUBE-SEP-2RIJ5GIYXEFH6G4D
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-AFGSLHOD2HFNCBX4
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.7:8080" -j KUBE-SEP-2RIJ5GIYXEFH6G4D
      nat: -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment default/web:http -s 10.244.1.5 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment default/web:http -m recent --name KUBE-SEP-AFGSLHOD2HFNCBX4 --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
      nat: -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -s 10.244.2.7 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -m recent --name KUBE-SEP-2RIJ5GIYXEFH6G4D --set -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8080"
    `);
  });

  it('REJECTs a port without ready endpoints in the filter table, its ClusterIP and its NodePort alike', () => {
    const t = render({
      services: [svc('web', { type: 'NodePort', ports: [{ ...http[0], nodePort: 30080 }] })],
      slices: [slice('web', slicePorts, [ep('10.244.1.5@kt-worker', { ready: false })])],
    });
    expect(linesOf(t, 'web')).toMatchInlineSnapshot(`
      "filter: -A KUBE-SERVICES -m comment --comment "default/web:http has no endpoints" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j REJECT
      filter: -A KUBE-EXTERNAL-SERVICES -m comment --comment "default/web:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT"
    `);
    expect(t.nat.chains.filter((c) => c.startsWith('KUBE-S') && c !== 'KUBE-SERVICES')).toEqual([]);
  });

  it('uses serving and terminating endpoints when no endpoint is ready (graceful termination)', () => {
    const t = render({
      services: [svc('web', { ports: http })],
      slices: [slice('web', slicePorts, [ep('10.244.1.5@kt-worker', { ready: false, serving: true, terminating: true })])],
    });
    expect(linesOf(t, 'web')).toContain('-j DNAT --to-destination 10.244.1.5:8080');
  });

  it('sends NodePort, externalIPs and LoadBalancer IPs through KUBE-EXT, masqueraded (externalTrafficPolicy Cluster)', () => {
    const t = render({
      services: [
        svc('web', { type: 'LoadBalancer', ports: [{ ...http[0], nodePort: 30080 }], externalIPs: ['172.30.0.200'] }, {
          status: { loadBalancer: { ingress: [{ ip: '172.30.0.240', ipMode: 'VIP' }] } },
        } as Partial<Service>),
      ],
      slices: [slice('web', slicePorts, [ep('10.244.2.7@kt-worker2')])],
    });
    expect(linesOf(t, 'web')).toMatchInlineSnapshot(`
      "nat: -A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
      nat: -A KUBE-SERVICES -m comment --comment "default/web:http external IP" -m tcp -p tcp -d 172.30.0.200 --dport 80 -j KUBE-EXT-CDGGSHYLG3RE2FKL
      nat: -A KUBE-SERVICES -m comment --comment "default/web:http loadbalancer IP" -m tcp -p tcp -d 172.30.0.240 --dport 80 -j KUBE-EXT-CDGGSHYLG3RE2FKL
      nat: -A KUBE-NODEPORTS -m comment --comment default/web:http -m tcp -p tcp --dport 30080 -j KUBE-EXT-CDGGSHYLG3RE2FKL
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
      nat: -A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBE-MARK-MASQ
      nat: -A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-SVC-CDGGSHYLG3RE2FKL
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.7:8080" -j KUBE-SEP-2RIJ5GIYXEFH6G4D
      nat: -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -s 10.244.2.7 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8080"
    `);
  });

  it('keeps the client IP with externalTrafficPolicy Local: local endpoints only, no masquerade', () => {
    const t = render({
      services: [svc('web', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ ...http[0], nodePort: 30080 }] })],
      slices: [slice('web', slicePorts, [ep('10.244.1.5@kt-worker'), ep('10.244.2.7@kt-worker2')])],
    });
    expect(linesOf(t, 'web')).toMatchInlineSnapshot(`
      "nat: -A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
      nat: -A KUBE-NODEPORTS -m comment --comment default/web:http -m tcp -p tcp --dport 30080 -j KUBE-EXT-CDGGSHYLG3RE2FKL
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
      nat: -A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "pod traffic for default/web:http external destinations" -s 10.244.0.0/16 -j KUBE-SVC-CDGGSHYLG3RE2FKL
      nat: -A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "masquerade LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
      nat: -A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "route LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-CDGGSHYLG3RE2FKL
      nat: -A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-SVL-CDGGSHYLG3RE2FKL
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-AFGSLHOD2HFNCBX4
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.7:8080" -j KUBE-SEP-2RIJ5GIYXEFH6G4D
      nat: -A KUBE-SVL-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:8080" -j KUBE-SEP-AFGSLHOD2HFNCBX4
      nat: -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment default/web:http -s 10.244.1.5 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
      nat: -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -s 10.244.2.7 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8080"
    `);
  });

  it('drops external traffic on a node without local endpoints (externalTrafficPolicy Local)', () => {
    const t = render({
      services: [svc('web', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ ...http[0], nodePort: 30080 }] })],
      slices: [slice('web', slicePorts, [ep('10.244.2.7@kt-worker2')])],
    });
    expect(linesOf(t, 'web')).toMatchInlineSnapshot(`
      "filter: -A KUBE-EXTERNAL-SERVICES -m comment --comment "default/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP
      nat: -A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
      nat: -A KUBE-NODEPORTS -m comment --comment default/web:http -m tcp -p tcp --dport 30080 -j KUBE-EXT-CDGGSHYLG3RE2FKL
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
      nat: -A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "pod traffic for default/web:http external destinations" -s 10.244.0.0/16 -j KUBE-SVC-CDGGSHYLG3RE2FKL
      nat: -A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "masquerade LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
      nat: -A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "route LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-CDGGSHYLG3RE2FKL
      nat: -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.7:8080" -j KUBE-SEP-2RIJ5GIYXEFH6G4D
      nat: -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -s 10.244.2.7 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8080"
    `);
  });

  it('serves the ClusterIP from local endpoints only with internalTrafficPolicy Local, dropping when none', () => {
    const local = render({
      services: [svc('web', { internalTrafficPolicy: 'Local', ports: http })],
      slices: [slice('web', slicePorts, [ep('10.244.1.5@kt-worker'), ep('10.244.2.7@kt-worker2')])],
    });
    expect(linesOf(local, 'web')).toMatchInlineSnapshot(`
      "nat: -A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-SVL-CDGGSHYLG3RE2FKL
      nat: -A KUBE-SVL-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
      nat: -A KUBE-SVL-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:8080" -j KUBE-SEP-AFGSLHOD2HFNCBX4
      nat: -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment default/web:http -s 10.244.1.5 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080"
    `);
    const none = render({
      services: [svc('web', { internalTrafficPolicy: 'Local', ports: http })],
      slices: [slice('web', slicePorts, [ep('10.244.2.7@kt-worker2')])],
    });
    expect(linesOf(none, 'web')).toMatchInlineSnapshot(
      `"filter: -A KUBE-SERVICES -m comment --comment "default/web:http has no local endpoints" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j DROP"`,
    );
  });

  it('renders one chain per port and protocol, endpoints matched by port name', () => {
    const t = render({
      services: [
        svc('multi', {
          ports: [
            { name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' },
            { name: 'echo', port: 9000, protocol: 'UDP' },
          ],
        }),
      ],
      slices: [
        slice(
          'multi',
          [
            { name: 'http', port: 8080, protocol: 'TCP' },
            { name: 'echo', port: 9000, protocol: 'UDP' },
          ],
          [ep('10.244.1.5@kt-worker')],
        ),
        slice('multi', [{ name: 'http', port: 8081, protocol: 'TCP' }], [ep('10.244.2.7@kt-worker2')], 'other'),
      ],
    });
    expect(linesOf(t, 'multi')).toMatchInlineSnapshot(`
      "nat: -A KUBE-SERVICES -m comment --comment "default/multi:echo cluster IP" -m udp -p udp -d 10.96.0.20 --dport 9000 -j KUBE-SVC-PII63HM5RNE7XYEC
      nat: -A KUBE-SVC-PII63HM5RNE7XYEC -m comment --comment "default/multi:echo cluster IP" -m udp -p udp -d 10.96.0.20 --dport 9000 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
      nat: -A KUBE-SVC-PII63HM5RNE7XYEC -m comment --comment "default/multi:echo -> 10.244.1.5:9000" -j KUBE-SEP-OQGXAG564PSUV7J2
      nat: -A KUBE-SEP-OQGXAG564PSUV7J2 -m comment --comment default/multi:echo -s 10.244.1.5 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-OQGXAG564PSUV7J2 -m comment --comment default/multi:echo -m udp -p udp -j DNAT --to-destination 10.244.1.5:9000
      nat: -A KUBE-SERVICES -m comment --comment "default/multi:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-SVC-ZI7V5MEXJLWC5J7J
      nat: -A KUBE-SVC-ZI7V5MEXJLWC5J7J -m comment --comment "default/multi:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
      nat: -A KUBE-SVC-ZI7V5MEXJLWC5J7J -m comment --comment "default/multi:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-5S5CTZLFMOTSNOC2
      nat: -A KUBE-SVC-ZI7V5MEXJLWC5J7J -m comment --comment "default/multi:http -> 10.244.2.7:8081" -j KUBE-SEP-BL2VNN3XULQHN4YM
      nat: -A KUBE-SEP-5S5CTZLFMOTSNOC2 -m comment --comment default/multi:http -s 10.244.1.5 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-5S5CTZLFMOTSNOC2 -m comment --comment default/multi:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
      nat: -A KUBE-SEP-BL2VNN3XULQHN4YM -m comment --comment default/multi:http -s 10.244.2.7 -j KUBE-MARK-MASQ
      nat: -A KUBE-SEP-BL2VNN3XULQHN4YM -m comment --comment default/multi:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8081"
    `);
  });

  it('ignores headless, ExternalName and other-proxy Services', () => {
    const services = [
      svc('headless', { clusterIP: 'None', ports: http }),
      svc('ext', { type: 'ExternalName', externalName: 'example.com', clusterIP: '', ports: http }),
      svc('mine', { ports: http }, { metadata: { name: 'mine', labels: { 'service.kubernetes.io/service-proxy-name': 'other' } } }),
      svc('hl', { ports: http }, { metadata: { name: 'hl', labels: { 'service.kubernetes.io/headless': '' } } }),
    ];
    const t = render({ services, slices: services.map((s) => slice(s.metadata.name as string, slicePorts, [ep('10.244.1.5@kt-worker')])) });
    expect(t.nat.rules.filter((r) => r.source?.kind === 'Service')).toEqual([]);
    expect(t.filter.rules.filter((r) => r.source?.kind === 'Service')).toEqual([]);
  });

  it("DNATs this node's pods' hostPorts to the pod, hairpin masqueraded", () => {
    const t = render({ pods: [podWithHostPort('hp', '10.244.1.9', 8081, 8080), podWithHostPort('dns', '10.244.1.10', 5353, 53, 'UDP')] });
    expect(`${linesOf(t, 'hp')}\n${linesOf(t, 'dns')}`).toMatchInlineSnapshot(`
      "nat: -A KUBELAB-HOSTPORTS -m comment --comment "default/hp hostPort 8081/tcp" -s 10.244.1.9 -m tcp -p tcp --dport 8081 -j KUBE-MARK-MASQ
      nat: -A KUBELAB-HOSTPORTS -m comment --comment "default/hp hostPort 8081/tcp" -m tcp -p tcp --dport 8081 -j DNAT --to-destination 10.244.1.9:8080
      nat: -A KUBELAB-HOSTPORTS -m comment --comment "default/dns hostPort 5353/udp" -s 10.244.1.10 -m udp -p udp --dport 5353 -j KUBE-MARK-MASQ
      nat: -A KUBELAB-HOSTPORTS -m comment --comment "default/dns hostPort 5353/udp" -m udp -p udp --dport 5353 -j DNAT --to-destination 10.244.1.10:53"
    `);
  });

  it('is deterministic: the same objects in any order render byte-identical text', () => {
    const services = [svc('b', { clusterIP: '10.96.0.21', ports: http }), svc('a', { clusterIP: '10.96.0.22', ports: http })];
    const slices = [
      slice('a', slicePorts, [ep('10.244.1.5@kt-worker'), ep('10.244.2.7@kt-worker2')]),
      slice('b', slicePorts, [ep('10.244.2.8@kt-worker2'), ep('10.244.1.6@kt-worker')]),
    ];
    const nodes = [node('kt-worker2', '172.30.0.4', '10.244.2.0/24'), node('kt-worker', '172.30.0.3', '10.244.1.0/24')];
    const one = render({ services, slices, nodes });
    const two = render({
      services: [...services].reverse(),
      slices: [...slices].reverse().map((s) => ({ ...s, endpoints: [...s.endpoints].reverse() })),
      nodes: [...nodes].reverse(),
    });
    expect(two.nat.text).toBe(one.nat.text);
    expect(two.filter.text).toBe(one.filter.text);
  });

  it('indexes every rule a Service made back to it (for packet tracing)', () => {
    const t = render({ services: [svc('web', { ports: http })], slices: [slice('web', slicePorts, [ep('10.244.1.5@kt-worker')])] });
    const web = t.nat.rules.filter((r) => r.source?.name === 'web');
    expect(web.map((r) => r.chain)).toContain('KUBE-SERVICES');
    expect(web.every((r) => r.source?.kind === 'Service' && r.source.namespace === 'default' && r.source.port === 'http')).toBe(true);
    expect(t.nat.rules.filter((r) => r.chain === 'KUBELAB-POSTROUTING').every((r) => r.source?.name === NODE.name)).toBe(true);
  });
});

describe('withStaleChainsDeleted', () => {
  it('flushes and deletes per-service chains no longer rendered, leaving other chains alone', () => {
    const t = render({ services: [svc('web', { ports: http })], slices: [slice('web', slicePorts, [ep('10.244.1.5@kt-worker')])] });
    const text = withStaleChainsDeleted(t.nat, [...t.nat.chains, 'KUBE-SEP-OLDOLDOLDOLDOLDO', 'DOCKER', 'KUBE-SVC-GONEGONEGONEGONE']);
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual(['*nat', ':KUBE-SEP-OLDOLDOLDOLDOLDO - [0:0]', ':KUBE-SVC-GONEGONEGONEGONE - [0:0]']);
    expect(lines.slice(-5)).toEqual([
      expect.stringContaining('KUBELAB-POSTROUTING'),
      '-X KUBE-SEP-OLDOLDOLDOLDOLDO',
      '-X KUBE-SVC-GONEGONEGONEGONE',
      'COMMIT',
      '',
    ]);
    expect(text).not.toContain('DOCKER');
    expect(withStaleChainsDeleted(t.nat, t.nat.chains)).toBe(t.nat.text);
  });
});

describe('restoreInput (partial sync)', () => {
  const two = (second: string) =>
    render({ services: [svc('web', { ports: http })], slices: [slice('web', slicePorts, [ep('10.244.1.5@kt-worker'), ep(second)])] });

  it('applies nothing when the model did not change, everything on a first sync', () => {
    const t = two('10.244.2.7@kt-worker2');
    expect(restoreInput(t.nat, chainContents(t.nat))).toBe('');
    expect(restoreInput(t.nat, undefined)).toBe(t.nat.text);
  });

  it('rewrites only the chains that changed and deletes the endpoint chain that went away', () => {
    const before = two('10.244.2.7@kt-worker2');
    const after = two('10.244.2.8@kt-worker2');
    const text = restoreInput(after.nat, chainContents(before.nat));
    const gone = before.nat.chains.find((c) => c.startsWith('KUBE-SEP-') && !after.nat.chains.includes(c)) as string;
    const added = after.nat.chains.find((c) => c.startsWith('KUBE-SEP-') && !before.nat.chains.includes(c)) as string;
    const svcChain = after.nat.chains.find((c) => c.startsWith('KUBE-SVC-')) as string;
    expect(text.split('\n').filter((l) => l.startsWith(':'))).toEqual([`:${svcChain} - [0:0]`, `:${added} - [0:0]`, `:${gone} - [0:0]`]);
    expect(text).toContain(`-X ${gone}\nCOMMIT`);
    expect(text).not.toContain('-A KUBE-SERVICES');
    expect(text).toContain('--to-destination 10.244.2.8:8080');
  });
});

describe('large cluster mode (kube-proxy: more than 1000 endpoints)', () => {
  it('drops the per-endpoint comments but keeps the ones that name the Service in KUBE-SERVICES', () => {
    const services = Array.from({ length: 334 }, (_, i) => svc(`s${i}`, { clusterIP: `10.96.1.${i % 250}`, ports: http }));
    const slices = services.map((s, i) =>
      slice(
        s.metadata.name as string,
        slicePorts,
        [0, 1, 2].map((k) => ep(`10.244.${k + 1}.${i % 250}@kt-worker${k}`)),
      ),
    );
    const t = render({ services, slices });
    const s0 = t.nat.rules.filter((r) => r.source?.name === 's0');
    expect(s0.find((r) => r.chain === 'KUBE-SERVICES')?.spec).toContain('--comment "default/s0:http cluster IP"');
    const perEndpoint = s0.filter(
      (r) => r.chain.startsWith('KUBE-SEP-') || (r.chain.startsWith('KUBE-SVC-') && r.spec.includes('KUBE-SEP-')),
    );
    expect(perEndpoint.length).toBe(9);
    expect(perEndpoint.every((r) => !r.spec.includes('--comment'))).toBe(true);
  });
});
