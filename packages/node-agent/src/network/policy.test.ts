// NetworkPolicy in the node's model and filter table: verdict semantics as a table of cases against the
// model (policy-model.ts), then the rendered rules (policy-rules.ts) as snapshot-style text.
import { describe, expect, it } from 'vitest';
import type { Namespace, NetworkPolicy, NetworkPolicySpec, Pod } from '@kubelab/api';
import { input, NODE } from './fixtures.test-util';
import { renderTables } from './iptables';
import { buildNetworkModel } from './model';
import { buildPolicyModel, type PolicyInput } from './policy-model';
import { portMatches } from './policy-rules';

function pod(
  key: string,
  ip: string,
  labels: Record<string, string>,
  node = NODE.name,
  ports: Pod['spec']['containers'][0]['ports'] = [],
): Pod {
  const [namespace, name] = key.split('/');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'kubelab/echo:latest', ports }] },
    status: { phase: 'Running', podIP: ip },
  };
}

function ns(name: string, labels: Record<string, string> = {}): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

function np(key: string, spec: Partial<NetworkPolicySpec>): NetworkPolicy {
  const [namespace, name] = key.split('/');
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: { podSelector: {}, ...spec } };
}

const pods = [
  pod('x/a', '10.244.1.2', { pod: 'a' }, NODE.name, [{ name: 'serve-80', containerPort: 8080, protocol: 'TCP' }]),
  pod('x/b', '10.244.2.2', { pod: 'b' }, 'kt-worker2', [{ name: 'serve-80', containerPort: 9090, protocol: 'TCP' }]),
  pod('y/a', '10.244.1.3', { pod: 'a' }),
  pod('y/c', '10.244.2.3', { pod: 'c' }, 'kt-worker2'),
];
const namespaces = [ns('x', { team: 'blue' }), ns('y', { team: 'red' })];

function model(policies: NetworkPolicy[], extra: Partial<PolicyInput> = {}) {
  return buildPolicyModel({ nodeName: NODE.name, policies, namespaces, pods, ...extra });
}

describe('the policy model', () => {
  it('isolates only the selected pods of this node, in the directions of the policy types', () => {
    const m = model([np('x/deny', { policyTypes: ['Ingress', 'Egress'] })]);
    expect(m.ingress.map((i) => i.pod)).toEqual(['x/a']);
    expect(m.egress.map((i) => i.pod)).toEqual(['x/a']);
    expect(m.ingress[0].policies).toEqual([{ policy: 'x/deny', rules: [] }]);
    expect(model([np('x/in', { ingress: [{}] })]).egress).toEqual([]);
  });

  it('resolves podSelector in the policy namespace, namespaceSelector across namespaces, both as AND', () => {
    const from = (peer: object) =>
      model([np('x/p', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [peer] }] })]).ingress[0].policies[0].rules[0]
        .clauses;
    expect(from({ podSelector: { matchLabels: { pod: 'b' } } })).toEqual([{ peer: { kind: 'pods', ips: ['10.244.2.2'] } }]);
    expect(from({ namespaceSelector: { matchLabels: { team: 'red' } } })).toEqual([
      { peer: { kind: 'pods', ips: ['10.244.1.3', '10.244.2.3'] } },
    ]);
    expect(from({ namespaceSelector: {}, podSelector: { matchLabels: { pod: 'a' } } })).toEqual([
      { peer: { kind: 'pods', ips: ['10.244.1.2', '10.244.1.3'] } },
    ]);
    // A selector nothing matches allows nothing (and renders nothing).
    expect(from({ podSelector: { matchLabels: { pod: 'zzz' } } })).toEqual([]);
  });

  it('resolves ingress named ports on the pod itself and egress named ports on each destination', () => {
    const ing = model([np('x/p', { ingress: [{ ports: [{ protocol: 'TCP', port: 'serve-80' }] }] })]);
    expect(ing.ingress.find((i) => i.pod === 'x/a')?.policies[0].rules[0].clauses).toEqual([
      { peer: { kind: 'any' }, ports: [{ protocol: 'tcp', ranges: [[8080, 8080]] }] },
    ]);
    const eg = model([
      np('x/p', {
        podSelector: { matchLabels: { pod: 'a' } },
        policyTypes: ['Egress'],
        egress: [
          {
            ports: [
              { protocol: 'TCP', port: 'serve-80' },
              { protocol: 'UDP', port: 53 },
            ],
          },
        ],
      }),
    ]);
    expect(eg.egress[0].policies[0].rules[0].clauses).toEqual([
      { peer: { kind: 'any' }, ports: [{ protocol: 'udp', ranges: [[53, 53]] }] },
      { peer: { kind: 'pods', ips: ['10.244.1.2'] }, ports: [{ protocol: 'tcp', ranges: [[8080, 8080]] }] },
      { peer: { kind: 'pods', ips: ['10.244.2.2'] }, ports: [{ protocol: 'tcp', ranges: [[9090, 9090]] }] },
    ]);
  });

  it('merges port ranges and lets a whole-protocol entry win', () => {
    const m = model([
      np('x/p', {
        ingress: [
          {
            ports: [
              { protocol: 'TCP', port: 80, endPort: 90 },
              { protocol: 'TCP', port: 85, endPort: 95 },
              { protocol: 'UDP' },
              { protocol: 'UDP', port: 53 },
            ],
          },
        ],
      }),
    ]);
    expect(m.ingress[0].policies[0].rules[0].clauses[0].ports).toEqual([
      { protocol: 'tcp', ranges: [[80, 95]] },
      { protocol: 'udp', ranges: [] },
    ]);
  });

  it('covers a pod of this node by the IP its kubelet gave the sandbox before the status says so', () => {
    const fresh = { ...pod('x/new', '', { pod: 'a' }), status: { phase: 'Pending' as const } };
    const m = buildPolicyModel({
      nodeName: NODE.name,
      policies: [np('x/deny', {})],
      namespaces,
      pods: [fresh],
      localIPs: new Map([['x/new', '10.244.1.9']]),
    });
    expect(m.ingress.map((i) => [i.pod, i.ip])).toEqual([['x/new', '10.244.1.9']]);
  });
});

describe('portMatches', () => {
  it('writes one port, a range, multiport lists of at most 15 ports, and a bare protocol', () => {
    expect(portMatches({ protocol: 'tcp', ranges: [[80, 80]] })).toEqual(['-p tcp -m tcp --dport 80']);
    expect(portMatches({ protocol: 'udp', ranges: [[8000, 8010]] })).toEqual(['-p udp -m udp --dport 8000:8010']);
    expect(portMatches({ protocol: 'sctp', ranges: [] })).toEqual(['-p sctp']);
    const many = Array.from({ length: 10 }, (_, i): [number, number] => [1000 + i * 10, 1001 + i * 10]);
    expect(portMatches({ protocol: 'tcp', ranges: many })).toEqual([
      '-p tcp -m multiport --dports 1000:1001,1010:1011,1020:1021,1030:1031,1040:1041,1050:1051,1060:1061',
      '-p tcp -m multiport --dports 1070:1071,1080:1081,1090:1091',
    ]);
  });
});

describe('rendered policy rules', () => {
  it('renders the dispatch, the pod chains, shared rule chains and ipBlock exceptions', () => {
    const t = renderTables(
      buildNetworkModel(
        input({
          pods,
          namespaces,
          policies: [
            np('x/web', {
              podSelector: { matchLabels: { pod: 'a' } },
              ingress: [
                { from: [{ podSelector: { matchLabels: { pod: 'b' } } }], ports: [{ protocol: 'TCP', port: 'serve-80' }] },
                { from: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.2.0/24'] } }] },
              ],
              egress: [
                {
                  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
                  ports: [{ protocol: 'UDP', port: 53 }],
                },
              ],
              policyTypes: ['Ingress', 'Egress'],
            }),
            np('y/allow-all', { ingress: [{}] }),
          ],
        }),
      ),
    );
    const lines = t.filter.text.split('\n').filter((l) => /NETPOL|KUBELAB-NP/.test(l));
    expect(lines.join('\n')).toMatchInlineSnapshot(`
      ":KUBELAB-NETPOL - [0:0]
      :KUBELAB-NPE-KNLBO24SYOI6HFQJ - [0:0]
      :KUBELAB-NPI-KNLBO24SYOI6HFQJ - [0:0]
      :KUBELAB-NPR-2RZH5ZZFEMBXJDZK - [0:0]
      :KUBELAB-NPR-EZIUMGWZ4P2WRONO - [0:0]
      :KUBELAB-NPB-YHPNTPHOJ75R3RV3 - [0:0]
      :KUBELAB-NPI-QGDUO74QWJS5SY72 - [0:0]
      -A KUBELAB-NETPOL -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies and established flows pass" -j ACCEPT
      -A KUBELAB-NETPOL -s 10.244.1.2 -m comment --comment "x/a egress" -j KUBELAB-NPE-KNLBO24SYOI6HFQJ
      -A KUBELAB-NETPOL -d 10.244.1.2 -m comment --comment "x/a ingress" -j KUBELAB-NPI-KNLBO24SYOI6HFQJ
      -A KUBELAB-NETPOL -d 10.244.1.3 -m comment --comment "y/a ingress" -j KUBELAB-NPI-QGDUO74QWJS5SY72
      -A KUBELAB-NPE-KNLBO24SYOI6HFQJ -d 10.244.1.2 -m comment --comment "x/a to itself" -j RETURN
      -A KUBELAB-NPE-KNLBO24SYOI6HFQJ -m comment --comment "netpol x/web dropped egress from a"
      -A KUBELAB-NPE-KNLBO24SYOI6HFQJ -m limit --limit 20/sec --limit-burst 50 -j NFLOG --nflog-group 100 --nflog-threshold 1 --nflog-size 128 --nflog-prefix KUBELAB-NPE-KNLBO24SYOI6HFQJ
      -A KUBELAB-NPE-KNLBO24SYOI6HFQJ -m comment --comment "x/a isolated for egress: no policy allowed it" -j DROP
      -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -s 10.244.1.2 -m comment --comment "x/a to itself" -j RETURN
      -A KUBELAB-NPR-2RZH5ZZFEMBXJDZK -s 10.244.2.2 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x20000/0x20000
      -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -j KUBELAB-NPR-2RZH5ZZFEMBXJDZK
      -A KUBELAB-NPR-EZIUMGWZ4P2WRONO -s 10.244.0.0/16 -j KUBELAB-NPB-YHPNTPHOJ75R3RV3
      -A KUBELAB-NPB-YHPNTPHOJ75R3RV3 -s 10.244.2.0/24 -m comment --comment "ipBlock except 10.244.2.0/24" -j RETURN
      -A KUBELAB-NPB-YHPNTPHOJ75R3RV3 -j MARK --set-xmark 0x20000/0x20000
      -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -j KUBELAB-NPR-EZIUMGWZ4P2WRONO
      -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -m mark --mark 0x20000/0x20000 -m comment --comment "netpol x/web allowed ingress to a" -j RETURN
      -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -m comment --comment "netpol x/web dropped ingress to a"
      -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -m limit --limit 20/sec --limit-burst 50 -j NFLOG --nflog-group 100 --nflog-threshold 1 --nflog-size 128 --nflog-prefix KUBELAB-NPI-KNLBO24SYOI6HFQJ
      -A KUBELAB-NPI-KNLBO24SYOI6HFQJ -m comment --comment "x/a isolated for ingress: no policy allowed it" -j DROP
      -A KUBELAB-NPI-QGDUO74QWJS5SY72 -s 10.244.1.3 -m comment --comment "y/a to itself" -j RETURN
      -A KUBELAB-NPI-QGDUO74QWJS5SY72 -m comment --comment "netpol y/allow-all allowed ingress to a" -j RETURN
      -A KUBELAB-NPI-QGDUO74QWJS5SY72 -m comment --comment "netpol y/allow-all dropped ingress to a"
      -A KUBELAB-NPI-QGDUO74QWJS5SY72 -m limit --limit 20/sec --limit-burst 50 -j NFLOG --nflog-group 100 --nflog-threshold 1 --nflog-size 128 --nflog-prefix KUBELAB-NPI-QGDUO74QWJS5SY72
      -A KUBELAB-NPI-QGDUO74QWJS5SY72 -m comment --comment "y/a isolated for ingress: no policy allowed it" -j DROP"
    `);
  });

  it('drops without logging on a kernel without NFLOG, counters unchanged', () => {
    const parts = input({ pods, namespaces, policies: [np('x/deny', {})] });
    const t = renderTables(buildNetworkModel({ ...parts, node: { ...NODE, nflog: false } }));
    expect(t.filter.text).not.toContain('NFLOG');
    expect(t.filter.text).toContain('-m comment --comment "netpol x/deny dropped ingress to a"');
  });

  it('is deterministic: the same objects in another order render byte-identical text', () => {
    const a = input({ pods, namespaces, policies: [np('x/p1', {}), np('x/p2', { ingress: [{ from: [{ podSelector: {} }] }] })] });
    const b = { ...a, pods: [...pods].reverse(), policies: [...(a.policies ?? [])].reverse(), namespaces: [...namespaces].reverse() };
    expect(renderTables(buildNetworkModel(b)).filter.text).toBe(renderTables(buildNetworkModel(a)).filter.text);
  });
});
