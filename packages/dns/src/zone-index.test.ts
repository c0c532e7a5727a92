import { describe, expect, it } from 'vitest';
import { pod, slice, svc } from './fixtures.test-util';
import { dnsConfigFromEnv } from './run';
import { ZoneIndex } from './zone-index';

describe('ZoneIndex', () => {
  it('indexes Services by name and cluster IP, endpoints by IP, and forgets them on delete', () => {
    const z = new ZoneIndex(() => 5_000);
    z.upsertService(svc('Apps', 'Web', { clusterIP: '10.96.0.5', ports: [{ name: 'HTTP', port: 80 }] }));
    expect(z.service('apps', 'web')).toMatchObject({
      kind: 'ClusterIP',
      clusterIPs: ['10.96.0.5'],
      ports: [{ name: 'http', protocol: 'tcp', port: 80 }],
    });
    expect(z.servicesByIP('10.96.0.5').map((s) => s.name)).toEqual(['web']);
    expect(z.namespaceExists('apps')).toBe(true);
    expect(z.serial).toBe(5);
    z.deleteService(svc('apps', 'web', {}));
    expect(z.service('apps', 'web')).toBeUndefined();
    expect(z.servicesByIP('10.96.0.5')).toEqual([]);
    expect(z.namespaceExists('apps')).toBe(false);
  });

  it('follows a slice that moves to another Service and drops a deleted one', () => {
    const z = new ZoneIndex();
    z.upsertService(svc('ns', 'a', { clusterIP: 'None' }));
    z.upsertService(svc('ns', 'b', { clusterIP: 'None' }));
    z.upsertSlice(slice('ns', 'a', 's1', [{ addresses: ['10.244.0.1'] }], []));
    expect(z.readyEndpoints('ns', 'a').map((e) => e.ip)).toEqual(['10.244.0.1']);
    z.upsertSlice(slice('ns', 'b', 's1', [{ addresses: ['10.244.0.1'] }], []));
    expect(z.readyEndpoints('ns', 'a')).toEqual([]);
    expect(z.readyEndpoints('ns', 'b').map((e) => e.ip)).toEqual(['10.244.0.1']);
    expect(z.endpointsByIP('10.244.0.1').map((x) => x.service.name)).toEqual(['b']);
    z.deleteSlice(slice('ns', 'b', 's1', [], []));
    expect(z.readyEndpoints('ns', 'b')).toEqual([]);
    expect(z.endpointsByIP('10.244.0.1')).toEqual([]);
  });

  it('tracks pod IPs, bumps the revision only when something DNS answers changed', () => {
    const z = new ZoneIndex();
    z.upsertPod(pod('ns', 'p', '10.244.0.9'));
    const r = z.revision;
    z.upsertPod(pod('ns', 'p', '10.244.0.9'));
    expect(z.revision).toBe(r);
    z.upsertPod(pod('ns', 'p', '10.244.0.10'));
    expect(z.revision).toBeGreaterThan(r);
    expect(z.podByIP('10.244.0.9')).toBeUndefined();
    expect(z.podByIP('10.244.0.10')).toEqual({ namespace: 'ns', name: 'p' });
    z.deletePod(pod('ns', 'p', '10.244.0.10'));
    expect(z.podByIP('10.244.0.10')).toBeUndefined();
    expect(z.namespaceExists('ns')).toBe(false);
  });

  it('ignores non-IPv4 slices and keeps only ready endpoints unless the Service publishes not-ready ones', () => {
    const z = new ZoneIndex();
    z.upsertService(svc('ns', 'h', { clusterIP: 'None' }, { 'service.alpha.kubernetes.io/tolerate-unready-endpoints': 'true' }));
    z.upsertSlice({ ...slice('ns', 'h', 'v6', [{ addresses: ['fd00::1'] }], []), addressType: 'IPv6' });
    z.upsertSlice(slice('ns', 'h', 'v4', [{ addresses: ['10.244.0.2'], conditions: { ready: false } }], []));
    expect(z.readyEndpoints('ns', 'h').map((e) => e.ip)).toEqual(['10.244.0.2']);
  });
});

describe('dnsConfigFromEnv', () => {
  it('has CoreDNS defaults and checks every value up front', () => {
    expect(dnsConfigFromEnv({ KUBELAB_API_URL: 'http://172.30.0.2:6443' })).toEqual({
      zone: 'cluster.local',
      ttl: 30,
      port: 53,
      healthPort: 8080,
      readyPort: 8181,
      dnsIP: undefined,
      upstream: undefined,
      lameduckMs: 5000,
      queryLog: false,
    });
    expect(dnsConfigFromEnv({ KUBELAB_API_URL: 'http://x', KUBELAB_DNS_QUERY_LOG: 'true' }).queryLog).toBe(true);
    expect(() => dnsConfigFromEnv({ KUBELAB_API_URL: 'http://x', KUBELAB_DNS_TTL: '-1' })).toThrow(
      'KUBELAB_DNS_TTL=-1: must be a whole number 0-3600',
    );
    expect(() => dnsConfigFromEnv({ KUBELAB_API_URL: 'http://x', KUBELAB_DNS_UPSTREAM: 'dns.google' })).toThrow(/must be an IPv4 address/);
    expect(dnsConfigFromEnv({ KUBELAB_API_URL: 'http://x', KUBELAB_DNS_UPSTREAM: '10.0.0.2:5353' }).upstream).toBe('10.0.0.2:5353');
  });
});
