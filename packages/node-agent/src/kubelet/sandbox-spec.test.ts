import { describe, expect, it } from 'vitest';
import { pod } from './fixtures.test-util';
import { podRef } from './names';
import { buildSandboxSpec, hostsFile, podHostname, resolvConf, sandboxScript } from './sandbox-spec';

const base = {
  podIp: '10.244.1.7',
  podCidr: '10.244.1.0/24',
  agentIp: '10.244.1.1',
  clusterDns: '10.96.0.10',
  clusterDomain: 'cluster.local',
};

describe('pause container', () => {
  const p = pod({}, { namespace: 'shop' });
  const spec = buildSandboxSpec({
    ...base,
    owner: { cluster: 'kt', node: 'kt-worker' },
    ref: podRef(p),
    pod: p,
    image: 'kubelab/node:abc',
    network: 'kt-pods-kt-worker',
    attempt: 0,
    mounts: [],
  });

  it("owns the network (fixed IP on the node's pod network), IPC (shareable) and the hostname; only it has NET_ADMIN", () => {
    expect(spec.name).toBe('kt_POD_web_shop_1234abcd_0');
    expect(spec.Hostname).toBe('web');
    expect(spec.HostConfig).toMatchObject({ NetworkMode: 'kt-pods-kt-worker', CapAdd: ['NET_ADMIN'], IpcMode: 'shareable' });
    expect(spec.NetworkingConfig?.EndpointsConfig?.['kt-pods-kt-worker']).toEqual({ IPAMConfig: { IPv4Address: '10.244.1.7' } });
    expect(spec.Labels).toMatchObject({
      'kubelab.container': 'POD',
      'kubelab.container-kind': 'pause',
      'kubelab.pod-ip': '10.244.1.7',
      'kubelab.namespace': 'shop',
      'kubelab.attempt': '0',
    });
    expect(spec.Entrypoint).toEqual(['/bin/sh', '-c']);
  });

  it('routes everything via the agent: link route to .1, default via .1, subnet route dropped', () => {
    const script = sandboxScript({ ...base, pod: p });
    expect(script).toContain('ip route replace 10.244.1.1 dev "$dev" scope link');
    expect(script).toContain('ip route replace default via 10.244.1.1 dev "$dev"');
    expect(script).toContain('ip route del 10.244.1.0/24 dev "$dev"');
    expect(script.indexOf('scope link')).toBeLessThan(script.indexOf('route del'));
    expect(script).toContain('set -- $(ip -o -4 addr show to 10.244.1.7/32)');
    expect(script.trim().endsWith('sleep infinity & wait')).toBe(true);
  });

  it('writes the cluster resolv.conf and a hosts file naming the pod', () => {
    expect(resolvConf(p, '10.96.0.10', 'cluster.local')).toBe(
      'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
    expect(resolvConf(pod({ dnsPolicy: 'Default' }), '10.96.0.10', 'cluster.local')).toBeUndefined();
    expect(
      resolvConf(
        pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] } }),
        'x',
        'cluster.local',
      ),
    ).toBe('nameserver 1.1.1.1\noptions ndots:2\n');
    expect(hostsFile(p, '10.244.1.7', 'cluster.local')).toContain('10.244.1.7\tweb\n');
    expect(hostsFile(pod({ hostname: 'db-0', subdomain: 'db' }), '10.244.1.8', 'cluster.local')).toContain(
      '10.244.1.8\tdb-0.db.default.svc.cluster.local\tdb-0',
    );
  });

  it('hostname: spec.hostname or the pod name, cut to 63 characters', () => {
    expect(podHostname(pod({}, { name: `${'a'.repeat(62)}-bbbb` }))).toBe('a'.repeat(62));
    expect(podHostname(pod({ hostname: 'custom' }))).toBe('custom');
  });

  it('survives shell metacharacters in file contents', () => {
    const script = sandboxScript({ ...base, pod: pod({ hostAliases: [{ ip: '1.2.3.4', hostnames: ["it's"] }] }) });
    expect(script).toContain(`it'\\''s`);
  });
});
