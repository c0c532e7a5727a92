// Verdicts of whole connections (both ends) as a table of cases: the judge behind `kubelab policy explain`
// and `whatif`, over the same model the agents render.
import { describe, expect, it } from 'vitest';
import type { Namespace, NetworkPolicy, NetworkPolicySpec, Pod } from '@kubelab/api';
import { PolicyJudge, type FlowKey, type PolicySet } from './policy-verdict';

function pod(
  key: string,
  ip: string,
  labels: Record<string, string>,
  node: string,
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
const ns = (name: string): Namespace => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
});
function np(key: string, spec: Partial<NetworkPolicySpec>): NetworkPolicy {
  const [namespace, name] = key.split('/');
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: { podSelector: {}, ...spec } };
}

const pods = [
  pod('shop/frontend', '10.244.1.2', { app: 'frontend' }, 'n1'),
  pod('shop/backend', '10.244.2.2', { app: 'backend' }, 'n2', [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]),
  pod('shop/other', '10.244.1.3', { app: 'other' }, 'n1'),
];
const base: PolicySet = { policies: [], namespaces: [ns('shop')], pods };
const flow = (src: string, dst: string, port: number, protocol: FlowKey['protocol'] = 'TCP'): FlowKey => ({
  srcIP: src,
  dstIP: dst,
  port,
  protocol,
});
const FRONT = '10.244.1.2';
const BACK = '10.244.2.2';
const OTHER = '10.244.1.3';

const deny = np('shop/default-deny', { policyTypes: ['Ingress'] });
const allowFront = np('shop/allow-frontend', {
  podSelector: { matchLabels: { app: 'backend' } },
  ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }],
});
const egressDeny = np('shop/no-egress', { podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Egress'] });
const dnsEgress = np('shop/dns', {
  podSelector: {},
  policyTypes: ['Egress'],
  egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }, { to: [{ podSelector: { matchLabels: { app: 'backend' } } }] }],
});

describe('PolicyJudge', () => {
  const cases: [string, NetworkPolicy[], FlowKey, boolean, string | undefined][] = [
    ['no policies: everything passes', [], flow(FRONT, BACK, 8080), true, undefined],
    ['default deny on ingress', [deny], flow(FRONT, BACK, 8080), false, undefined],
    ['named port allows the frontend', [deny, allowFront], flow(FRONT, BACK, 8080), true, 'shop/allow-frontend#0'],
    ['named port is 8080 only', [deny, allowFront], flow(FRONT, BACK, 9090), false, undefined],
    ['other pods stay denied', [deny, allowFront], flow(OTHER, BACK, 8080), false, undefined],
    ['egress isolation of the source denies', [egressDeny], flow(FRONT, BACK, 8080), false, undefined],
    ['egress rule 1 allows the backend', [dnsEgress], flow(FRONT, BACK, 1234), true, 'shop/dns#1'],
    ['egress rule 0 allows DNS anywhere', [dnsEgress], flow(FRONT, '10.96.0.10', 53, 'UDP'), true, 'shop/dns#0'],
    ['egress denies other ports to non-pods', [dnsEgress], flow(FRONT, '172.30.0.1', 80), false, undefined],
    ['a non-pod source is judged by ingress only', [deny, allowFront], flow('172.30.0.1', BACK, 8080), false, undefined],
  ];
  it.each(cases)('%s', (_name, policies, f, allowed, rule) => {
    const v = new PolicyJudge({ ...base, policies }).judge(f);
    expect(v.allowed).toBe(allowed);
    const decided = [v.egress, v.ingress].find((s) => s.rule && s.isolated)?.rule;
    if (rule) expect(`${decided?.policy}#${decided?.index}`).toBe(rule);
  });

  it('names the policies selecting each side', () => {
    const v = new PolicyJudge({ ...base, policies: [deny, allowFront] }).judge(flow(OTHER, BACK, 8080));
    expect(v.ingress).toMatchObject({
      pod: 'shop/backend',
      isolated: true,
      allowed: false,
      policies: ['shop/allow-frontend', 'shop/default-deny'],
    });
    expect(v.egress).toMatchObject({ pod: 'shop/other', isolated: false, allowed: true });
  });
});
