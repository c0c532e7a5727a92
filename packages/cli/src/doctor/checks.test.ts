import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '@kubelab/api';
import { dnsFinding, enforcementFindings, formatFindings, policyFindings, serviceFindings } from './checks';

const pod = (name: string, labels: Record<string, string>, ready = true, portName?: string): Pod =>
  ({
    metadata: { name, namespace: 'default', labels },
    spec: { containers: [{ name: 'c', image: 'x', ports: portName ? [{ name: portName, containerPort: 8080 }] : [] }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? undefined : 'ContainersNotReady' }],
    },
  }) as Pod;

const svc = (name: string, selector: Record<string, string>, targetPort: number | string = 8080): Service =>
  ({ metadata: { name, namespace: 'default' }, spec: { selector, ports: [{ name: 'http', port: 80, targetPort }] } }) as Service;

describe('doctor checks', () => {
  it('catches a selector that matches no pod and says what the pods carry', () => {
    const [f] = serviceFindings([svc('web', { app: 'wbe' })], [pod('web-1', { app: 'web' })]);
    expect(f.verdict).toBe('fail');
    expect(f.text).toBe('Service default/web: selector app=wbe matches no pod, so it has no endpoints');
    expect(f.hint).toContain('app=web');
  });

  it('catches named target ports the pods lack and pods that are not Ready', () => {
    const pods = [
      pod('web-1', { app: 'web' }, true, 'http'),
      pod('web-2', { app: 'web' }, false, 'http'),
      pod('web-3', { app: 'web' }, true),
    ];
    const fs = serviceFindings([svc('web', { app: 'web' }, 'http')], pods);
    expect(fs.map((f) => [f.verdict, f.text])).toEqual([
      ['fail', 'Service default/web port http: targetPort "http" is not a named containerPort of web-3'],
      ['warn', 'Service default/web: 1 of 3 pods not Ready (web-2: ContainersNotReady)'],
    ]);
    expect(serviceFindings([svc('web', { app: 'web' })], [pod('web-1', { app: 'web' })])[0]).toEqual({
      verdict: 'ok',
      text: 'Service default/web: 1 Ready pod behind app=web',
    });
  });

  it('catches policies that select nothing', () => {
    const np = (sel: Record<string, string>) => ({
      metadata: { name: 'deny', namespace: 'default' },
      spec: { podSelector: { matchLabels: sel } },
    });
    expect(policyFindings([np({ app: 'db' })], [pod('web-1', { app: 'web' })])[0].verdict).toBe('fail');
    expect(policyFindings([np({})], [pod('web-1', { app: 'web' })])[0].text).toBe('NetworkPolicy default/deny selects 1 pod');
  });

  it('tells whether the nodes jump to the policy chain', () => {
    const on = { node: 'w1', filter: '*filter\n-A FORWARD -j KUBELAB-NETPOL\n-A FORWARD -j KUBE-FORWARD\n' };
    const off = { node: 'w2', filter: '*filter\n-A FORWARD -j KUBE-FORWARD\n' };
    expect(enforcementFindings([on], 1)[0].verdict).toBe('ok');
    expect(enforcementFindings([on, off], 2)[0]).toMatchObject({ verdict: 'fail', text: expect.stringContaining('not enforced on w2') });
    expect(enforcementFindings([off], 0)[0].verdict).toBe('warn');
  });

  it('reads a real query from dig', () => {
    const ok = 'kubernetes.default.svc.cluster.local. 30 IN A\t10.96.0.1\n;; Query time: 3 msec\n';
    expect(dnsFinding('w1', 'kubernetes.default.svc.cluster.local', '10.96.0.1', ok).text).toBe(
      'DNS answers from w1: kubernetes.default.svc.cluster.local -> 10.96.0.1 (3 ms)',
    );
    const down = ';; communications error to 10.96.0.10#53: connection refused\n;; no servers could be reached\n';
    expect(dnsFinding('w1', 'x', '10.96.0.1', down)).toMatchObject({
      verdict: 'fail',
      text: expect.stringContaining('communications error'),
    });
    expect(
      formatFindings([
        { verdict: 'fail', text: 'a', hint: 'b' },
        { verdict: 'ok', text: 'c' },
      ]),
    ).toBe('✗ a\n    b\n✓ c');
  });
});
