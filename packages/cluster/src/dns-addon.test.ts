import { describe, expect, it } from 'vitest';
import { dnsAddonObjects, validateDnsUpstream } from './dns-addon';

describe('dns add-on objects', () => {
  const { service, deployment } = dnsAddonObjects({ image: 'kubelab/node:abc', internalApiUrl: 'http://172.30.0.2:6443' });

  it('is the kube-dns Service of Kubernetes: 10.96.0.10, udp and tcp 53, k8s-app=kube-dns, in kube-system', () => {
    expect(service.metadata).toMatchObject({ name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } });
    expect(service.spec.clusterIP).toBe('10.96.0.10');
    expect(service.spec.selector).toEqual({ 'k8s-app': 'kube-dns' });
    expect(service.spec.ports?.map((p) => `${p.name} ${p.port}/${p.protocol}`)).toEqual(['dns 53/UDP', 'dns-tcp 53/TCP']);
  });

  it('runs the dns role of the node image with probes as CoreDNS has, and reaches the API server on the node network', () => {
    const spec = deployment.spec as unknown as {
      replicas: number;
      template: { spec: { dnsPolicy: string; containers: Record<string, unknown>[] } };
    };
    expect(spec.replicas).toBe(2);
    expect(spec.template.spec.dnsPolicy).toBe('Default');
    const c = spec.template.spec.containers[0] as {
      command: string[];
      env: { name: string; value: string }[];
      livenessProbe: unknown;
      readinessProbe: unknown;
    };
    expect(c.command).toEqual(['node', '/opt/kubelab/kubelab-node.mjs', 'dns']);
    expect(c.env).toContainEqual({ name: 'KUBELAB_API_URL', value: 'http://172.30.0.2:6443' });
    expect(c.env.some((e) => e.name === 'KUBELAB_DNS_UPSTREAM')).toBe(false);
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 8080 } });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/ready', port: 8181 } });
  });

  it('records a hash of the applied spec, changing with what changes the pods', () => {
    const hash = (o: Partial<Parameters<typeof dnsAddonObjects>[0]>) =>
      dnsAddonObjects({ image: 'i', internalApiUrl: 'http://x:1', ...o }).deployment.metadata.annotations?.[
        'kubelab.dev/applied-spec-hash'
      ];
    expect(hash({})).toMatch(/^[0-9a-f]{16}$/);
    expect(hash({})).toBe(hash({}));
    expect(hash({ image: 'j' })).not.toBe(hash({}));
    expect(hash({ logLevel: 'debug' })).not.toBe(hash({}));
  });

  it('passes an upstream only when one is given, and checks it up front', () => {
    const d = dnsAddonObjects({ image: 'i', internalApiUrl: 'http://x:1', upstream: '192.168.1.1' }).deployment;
    expect(JSON.stringify(d)).toContain('"KUBELAB_DNS_UPSTREAM","value":"192.168.1.1"');
    expect(() => validateDnsUpstream('10.0.0.2:5353')).not.toThrow();
    expect(() => validateDnsUpstream('dns.google')).toThrow(/--dns-upstream dns.google: must be an IPv4 address/);
    expect(() => validateDnsUpstream('300.1.1.1')).toThrow();
  });
});
