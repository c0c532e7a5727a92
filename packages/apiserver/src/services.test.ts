// Services over real HTTP on loopback, in-process: defaulting, ClusterIP/NodePort/LoadBalancer allocation
// with Kubernetes' errors, type changes both ways, immutability, rollback of invalid writes, the
// `kubernetes` Service, and allocations rebuilt after a restart.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, type Endpoints, type EndpointSlice, type KubeObject, type Service } from '@kubelab/api';
import { KubeClient } from '@kubelab/client';
import { startApiServer, type RunningApiServer } from './api-server';
import { waitFor } from './fake-cluster.test-helper';

const svcs = resolveResource('services')!;
const eps = resolveResource('endpoints')!;
const slices = resolveResource('endpointslices')!;
const log = pino({ level: 'silent' });

const svc = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});

describe('Services', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'kubelab-svc-'));
  let server: RunningApiServer;
  let client: KubeClient;
  const start = async (advertiseAddress = '172.30.0.2') => {
    server = await startApiServer({
      port: 0,
      host: '127.0.0.1',
      stateDir,
      log,
      advertiseAddress,
      serviceNetwork: { loadBalancerPool: '172.30.0.192-172.30.0.193' },
    });
    client = new KubeClient({ baseUrl: `http://127.0.0.1:${server.port}` });
  };
  const stop = async () => {
    await client.close();
    await server.close();
  };
  beforeAll(() => start());
  afterAll(stop);

  const create = async (obj: KubeObject): Promise<Service> => (await client.create<Service>(svcs, obj)).object;
  const get = (name: string): Promise<Service> => client.get<Service>(svcs, name, 'default');

  it('publishes the API server as the kubernetes Service with its endpoints', async () => {
    const k = await get('kubernetes');
    expect(k.spec).toMatchObject({
      type: 'ClusterIP',
      clusterIP: '10.96.0.1',
      clusterIPs: ['10.96.0.1'],
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
    });
    const ep = await client.get<Endpoints>(eps, 'kubernetes', 'default');
    expect(ep.subsets).toEqual([{ addresses: [{ ip: '172.30.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    const slice = await client.get<EndpointSlice>(slices, 'kubernetes', 'default');
    expect(slice.endpoints).toEqual([{ addresses: ['172.30.0.2'], conditions: { ready: true } }]);
    expect(slice.metadata.labels).toMatchObject({ 'kubernetes.io/service-name': 'kubernetes' });
  });

  it('defaults a Service as kube-apiserver does and allocates a ClusterIP above the static band', async () => {
    const s = await create(svc('web', {}));
    expect(s.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    });
    expect(s.spec.externalTrafficPolicy).toBeUndefined();
    expect(s.spec.clusterIPs).toEqual([s.spec.clusterIP]);
    // 10.96.0.1 .. 10.96.1.0 is the static band (256 addresses of a /12): dynamic allocation stays above it.
    const [, , c, d] = s.spec.clusterIP!.split('.').map(Number);
    expect(s.spec.clusterIP!.startsWith('10.')).toBe(true);
    expect(c * 256 + d > 256 || !s.spec.clusterIP!.startsWith('10.96.')).toBe(true);
    expect(s.status).toEqual({ loadBalancer: {} });
  });

  it('honours explicit ClusterIPs, refuses taken and out-of-range ones with Kubernetes wording', async () => {
    expect((await create(svc('dns', { clusterIP: '10.96.0.10' }))).spec.clusterIPs).toEqual(['10.96.0.10']);
    await expect(create(svc('dns2', { clusterIP: '10.96.0.10' }))).rejects.toThrow(
      'Service "dns2" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.10"]: failed to allocate IP 10.96.0.10: provided IP is already allocated',
    );
    await expect(create(svc('far', { clusterIP: '10.200.0.5' }))).rejects.toThrow(
      'spec.clusterIPs: Invalid value: ["10.200.0.5"]: failed to allocate IP 10.200.0.5: provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
  });

  it('makes headless Services with clusterIP None', async () => {
    const s = await create(svc('db', { clusterIP: 'None' }));
    expect(s.spec.clusterIP).toBe('None');
    expect(s.spec.clusterIPs).toEqual(['None']);
  });

  it('allocates NodePorts, honours explicit ones, refuses clashes and out-of-range ports', async () => {
    const s = await create(
      svc('np', {
        type: 'NodePort',
        ports: [
          { name: 'http', port: 80, nodePort: 30080 },
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      }),
    );
    expect(s.spec.externalTrafficPolicy).toBe('Cluster');
    expect(s.spec.ports![0].nodePort).toBe(30080);
    const dns = s.spec.ports![1].nodePort!;
    expect(dns).toBeGreaterThanOrEqual(30000);
    expect(dns).toBeLessThanOrEqual(32767);
    // One port number, one NodePort for both protocols (kube-apiserver's initNodePorts).
    expect(s.spec.ports![2].nodePort).toBe(dns);
    await expect(create(svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }))).rejects.toThrow(
      'Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    );
    await expect(create(svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 40000 }] }))).rejects.toThrow(
      'spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    await expect(create(svc('np4', { ports: [{ port: 80, nodePort: 30081 }] }))).rejects.toThrow(
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    );
  });

  it('an invalid Service holds nothing: its ClusterIP and NodePort stay free', async () => {
    await expect(
      create(svc('bad', { type: 'NodePort', clusterIP: '10.96.0.20', ports: [{ port: 80, nodePort: 30090 }, { port: 81 }] })),
    ).rejects.toThrow('spec.ports[0].name: Required value');
    await expect(client.get(svcs, 'bad', 'default')).rejects.toThrow('not found');
    const ok = await create(svc('good', { type: 'NodePort', clusterIP: '10.96.0.20', ports: [{ port: 80, nodePort: 30090 }] }));
    expect(ok.spec.clusterIP).toBe('10.96.0.20');
    expect(ok.spec.ports![0].nodePort).toBe(30090);
  });

  it('validates ports, protocols, session affinity and ExternalName as Kubernetes does', async () => {
    await expect(
      create(
        svc('multi', {
          ports: [
            { name: 'a', port: 80 },
            { name: 'a', port: 81 },
          ],
        }),
      ),
    ).rejects.toThrow('spec.ports[1].name: Duplicate value: "a"');
    await expect(create(svc('proto', { ports: [{ port: 80, protocol: 'ICMP' }] }))).rejects.toThrow(
      'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    );
    const aff = await create(svc('aff', { sessionAffinity: 'ClientIP' }));
    expect(aff.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    await expect(create(svc('ext', { type: 'ExternalName', ports: [] }))).rejects.toThrow('spec.externalName: Required value');
    await expect(create(svc('ext', { type: 'ExternalName', externalName: 'Not_A_Name' }))).rejects.toThrow(
      'spec.externalName: Invalid value',
    );
    const ext = await create(svc('ext', { type: 'ExternalName', externalName: 'example.com' }));
    expect(ext.spec.clusterIP).toBeUndefined();
    expect(ext.spec.internalTrafficPolicy).toBeUndefined();
    await expect(create(svc('1web', {}))).rejects.toThrow('metadata.name: Invalid value: "1web": a DNS-1035 label');
  });

  it('changes types both ways, clearing and assigning clusterIP and nodePorts as Kubernetes does', async () => {
    const s = await create(svc('flip', {}));
    const ip = s.spec.clusterIP!;
    const np = await client.patch<Service>(svcs, 'flip', { spec: { type: 'NodePort' } }, 'default');
    expect(np.spec.clusterIP).toBe(ip);
    const port = np.spec.ports![0].nodePort!;
    expect(port).toBeGreaterThanOrEqual(30000);
    // Resubmitting the manifest without the allocated values keeps them.
    const again = await client.update<Service>(svcs, {
      ...np,
      spec: { ...np.spec, clusterIP: undefined, clusterIPs: undefined, ports: [{ port: 80 }] },
    });
    expect(again.object.spec.clusterIP).toBe(ip);
    expect(again.object.spec.ports![0].nodePort).toBe(port);
    const back = await client.patch<Service>(svcs, 'flip', { spec: { type: 'ClusterIP' } }, 'default');
    expect(back.spec.ports![0].nodePort).toBeUndefined();
    expect(back.spec.externalTrafficPolicy).toBeUndefined();
    // The NodePort is free again.
    await create(svc('takes-port', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }));
    const ext = await client.patch<Service>(svcs, 'flip', { spec: { type: 'ExternalName', externalName: 'example.com' } }, 'default');
    expect(ext.spec.clusterIP).toBeUndefined();
    expect(ext.spec.clusterIPs).toBeUndefined();
    expect(ext.spec.ipFamilies).toBeUndefined();
    // The ClusterIP is free again.
    await create(svc('takes-ip', { clusterIP: ip }));
    const cip = await client.patch<Service>(svcs, 'flip', { spec: { type: 'ClusterIP', externalName: null } }, 'default');
    expect(cip.spec.clusterIP).toMatch(/^10\./);
    expect(cip.spec.clusterIP).not.toBe(ip);
  });

  it('warns about Service fields kubelab stores but does not act on', async () => {
    const res = await client.create(svcs, svc('ranges', { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8'] }));
    expect(res.warnings).toEqual(['Service "ranges": spec.loadBalancerSourceRanges is accepted but not modelled by kubelab (ignored)']);
    expect((await client.create(svcs, svc('plain', {}))).warnings).toEqual([]);
    await client.delete(svcs, 'ranges', 'default');
  });

  it('refuses to change a ClusterIP once set', async () => {
    await create(svc('fixed', {}));
    await expect(client.patch(svcs, 'fixed', { spec: { clusterIP: '10.96.0.77', clusterIPs: ['10.96.0.77'] } }, 'default')).rejects.toThrow(
      'spec.clusterIPs[0]: Invalid value: ["10.96.0.77"]: may not change once set',
    );
  });

  it('gives LoadBalancers an address of the pool, pending when it runs out, freed on delete', async () => {
    const a = await create(svc('lb1', { type: 'LoadBalancer' }));
    expect(a.status?.loadBalancer?.ingress).toEqual([{ ip: '172.30.0.192', ipMode: 'VIP' }]);
    expect(a.spec.ports![0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(a.spec.allocateLoadBalancerNodePorts).toBe(true);
    const b = await create(svc('lb2', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    expect(b.status?.loadBalancer?.ingress?.[0].ip).toBe('172.30.0.193');
    expect(b.spec.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    const c = await create(svc('lb3', { type: 'LoadBalancer' }));
    expect(c.status?.loadBalancer).toEqual({});
    const events = resolveResource('events')!;
    const reasons = async (name: string) =>
      (await client.list<KubeObject>(events, 'default', { fieldSelector: `involvedObject.name=${name}` })).items.map((e) => [
        e.reason,
        e.message,
      ]);
    await waitFor('the load-balancer events', async () => (await reasons('lb3')).length > 0);
    expect(await reasons('lb1')).toEqual([['IPAllocated', 'Assigned IP ["172.30.0.192"]']]);
    expect(await reasons('lb3')).toEqual([['AllocationFailed', 'Failed to allocate IP for "default/lb3": no available IPs']]);
    await client.delete(svcs, 'lb1', 'default');
    const d = await create(svc('lb4', { type: 'LoadBalancer' }));
    expect(d.status?.loadBalancer?.ingress?.[0].ip).toBe('172.30.0.192');
    // Back to ClusterIP: the status is wiped and the address returns to the pool.
    const e = await client.patch<Service>(svcs, 'lb4', { spec: { type: 'ClusterIP' } }, 'default');
    expect(e.status?.loadBalancer).toEqual({});
  });

  it('rebuilds the allocations from the stored Services after a restart', async () => {
    const before = await get('dns');
    await stop();
    // The control plane came back at another node address: the kubernetes endpoints follow it.
    await start('172.30.0.9');
    expect((await get('dns')).spec.clusterIP).toBe(before.spec.clusterIP);
    await expect(create(svc('dns3', { clusterIP: '10.96.0.10' }))).rejects.toThrow('provided IP is already allocated');
    await expect(create(svc('np5', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }))).rejects.toThrow(
      'provided port is already allocated',
    );
    const ep = await client.get<Endpoints>(eps, 'kubernetes', 'default');
    expect(ep.subsets?.[0].addresses).toEqual([{ ip: '172.30.0.9' }]);
    expect((await client.get<EndpointSlice>(slices, 'kubernetes', 'default')).endpoints[0].addresses).toEqual(['172.30.0.9']);
    expect((await client.list(svcs, 'default')).items.filter((s) => s.metadata.name === 'kubernetes')).toHaveLength(1);
  });
});
