// `netpol drops` rows and `describe networkpolicy` counts from node output, and describe's text against what
// kubectl 1.32 printed for the same policy on a kubelab cluster.
import { describe, expect, it } from 'vitest';
import type { NetworkPolicy } from '@kubelab/api';
import { describeNetworkPolicy } from '../printers/describe/networkpolicy';
import { countPolicy, dropRow, matchesNamespace, parseDropLines } from './netpol';

const save = `*filter
:KUBELAB-NPI-AAAA - [0:0]
[3:180] -A KUBELAB-NPI-AAAA -m mark --mark 0x20000/0x20000 -m comment --comment "netpol x/web allowed ingress to a" -j RETURN
[2:120] -A KUBELAB-NPI-AAAA -m comment --comment "netpol x/web dropped ingress to a"
[2:120] -A KUBELAB-NPI-AAAA -m comment --comment "netpol x/web-2 dropped ingress to a"
[9:540] -A KUBELAB-NPE-BBBB -m comment --comment "netpol x/web allowed egress from b" -j RETURN
COMMIT
`;

describe('netpol counters and drops', () => {
  it('sums the allowed and dropped counters of one policy, not of policies sharing its prefix', () => {
    expect(countPolicy(save, 'x/web')).toEqual({ allowed: 12, dropped: 2 });
    expect(countPolicy(save, 'x/web-2')).toEqual({ allowed: 0, dropped: 2 });
  });

  it('reads drop log lines into rows, skipping a line cut by rotation', () => {
    const line = JSON.stringify({
      time: '2026-11-30T12:00:01.250Z',
      node: 'kubelab-worker',
      direction: 'ingress',
      pod: 'x/web',
      policies: ['x/deny', 'x/allow-b'],
      protocol: 'TCP',
      src: { ip: '10.244.1.5', port: 40000, pod: 'y/client' },
      dst: { ip: '10.244.2.7', port: 8080, pod: 'x/web' },
    });
    const [r] = parseDropLines(`{"time":"2026-11-30T1\n${line}\n`);
    expect(dropRow(r)).toEqual([
      '12:00:01.250',
      'kubelab-worker',
      'y/client (10.244.1.5)',
      'x/web (10.244.2.7)',
      '8080/TCP',
      'ingress of x/web [deny,allow-b]',
    ]);
    expect(matchesNamespace(r, 'y')).toBe(true);
    expect(matchesNamespace(r, 'z')).toBe(false);
    expect(dropRow({ ...r, protocol: 'ICMP', src: { ip: '172.30.0.1' }, dst: { ip: '10.244.2.7', pod: 'x/web' } })[2]).toBe('172.30.0.1');
  });
});

describe('describe networkpolicy', () => {
  it('prints what kubectl describe prints, then the counts', () => {
    const np: NetworkPolicy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'complex',
        namespace: 'default',
        creationTimestamp: '2026-11-30T12:12:08Z',
        labels: { team: 'blue' },
        annotations: { note: 'hello' },
      },
      spec: {
        podSelector: {
          matchLabels: { app: 'web' },
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['b', 'a'] },
            { key: 'legacy', operator: 'DoesNotExist' },
          ],
        },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { pod: 'b' } } },
              { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.2.0.0/16'] } },
            ],
            ports: [
              { protocol: 'TCP', port: 80 },
              { protocol: 'UDP', port: 53, endPort: 60 },
              { protocol: 'TCP', port: 'http' },
            ],
          },
          {},
        ],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }, { ports: [{ protocol: 'SCTP' }] }],
      },
    };
    // kubectl 1.32 describe networkpolicy, against a kubelab cluster (TZ=UTC).
    const kubectl = `Name:         complex
Namespace:    default
Created on:   2026-11-30 12:12:08 +0000 UTC
Labels:       team=blue
Annotations:  note: hello
Spec:
  PodSelector:     app=web,!legacy,tier in (a,b)
  Allowing ingress traffic:
    To Port: 80/TCP
    To Port Range: 53-60/UDP
    To Port: http/TCP
    From:
      NamespaceSelector: ns=y
      PodSelector: pod=b
    From:
      IPBlock:
        CIDR: 10.0.0.0/8
        Except: 10.1.0.0/16, 10.2.0.0/16
    ----------
    To Port: <any> (traffic allowed to all ports)
    From: <any> (traffic not restricted by source)
  Allowing egress traffic:
    To Port: <any> (traffic allowed to all ports)
    To:
      IPBlock:
        CIDR: 0.0.0.0/0
        Except: 
    ----------
    To Port: <nil>/SCTP
    To: <any> (traffic not restricted by destination)
  Policy Types: Ingress, Egress
`;
    const ctx = { now: Date.parse('2026-11-30T13:00:00Z'), utcOffsetMinutes: 0 };
    expect(describeNetworkPolicy(np, undefined, ctx)).toBe(kubectl);
    expect(describeNetworkPolicy(np, { allowed: 3, dropped: 12, nodes: 3 }, ctx)).toBe(
      `${kubectl}Connections (3 nodes, since the rules were written):\n  Allowed:  3\n  Dropped:  12  (at pods this policy isolates, allowed by no policy)\n`,
    );
  });
});
