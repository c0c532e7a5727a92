// Issue 8, the API half, end to end through the CLI as a learner types it: a Service and a Deployment
// applied, their endpoints following pod readiness and scale, `expose`, Kubernetes' allocation errors, an
// invalid Service that changes nothing, and the `kubernetes` Service pointing at the API server. Traffic
// through ClusterIPs is the service proxy's test (services.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, EndpointSlice, Node, Pod, Service } from '@kubelab/api';
import { podReady, startCluster, type TestCluster } from '../support/cluster';
import { docker, eventually } from '../support/docker';

let c: TestCluster;

const manifest = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: echo
        image: kubelab/echo:latest
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          exec: {command: [sh, -c, "test ! -e /tmp/unready"]}
          periodSeconds: 1
          failureThreshold: 1
`;

const json = async <T>(args: string[]): Promise<T> => JSON.parse(await c.run([...args, '-o', 'json'])) as T;
const readyIPs = async (): Promise<string[]> =>
  ((await json<Endpoints>(['get', 'endpoints', 'web'])).subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
const webPods = async (): Promise<Pod[]> => (await c.pods('app=web')).filter((p) => !p.metadata.deletionTimestamp);

function service(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ...spec } });
}

describe('services API', () => {
  beforeAll(async () => {
    c = await startCluster('kltest-services-api');
  });
  afterAll(async () => {
    await c?.down();
  });

  it('has the kubernetes Service at the first address, its endpoint the API server on the node network', async () => {
    expect(await c.run(['get', 'svc', 'kubernetes'])).toMatch(/^kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\S+$/m);
    const nodes = await json<{ items: Node[] }>(['get', 'nodes']);
    const cp = nodes.items.find((n) => n.metadata.name?.endsWith('control-plane'))!;
    const ip = cp.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    expect(await c.run(['get', 'endpoints', 'kubernetes'])).toMatch(new RegExp(`^kubernetes\\s+${ip!.replace(/\./g, '\\.')}:6443\\s`, 'm'));
    const slice = await json<EndpointSlice>(['get', 'endpointslices', 'kubernetes']);
    expect(slice.endpoints).toEqual([{ addresses: [ip], conditions: { ready: true } }]);
  });

  it('lists the ready pods of an applied Service and Deployment in get svc, get ep and get endpointslices', async () => {
    const applied = await c.run(['apply', '-f', '-'], manifest);
    expect(applied).toContain('service/web created');
    expect(applied).toContain('deployment.apps/web created');
    const pods = await eventually(
      '3 ready web pods',
      async () => {
        const ps = await webPods();
        return ps.length === 3 && ps.every(podReady) ? ps : undefined;
      },
      120_000,
    );
    const ips = pods.map((p) => p.status!.podIP!).sort();
    await eventually('3 ready endpoints', async () => JSON.stringify(await readyIPs()) === JSON.stringify(ips));

    const svc = await json<Service>(['get', 'svc', 'web']);
    expect(svc.spec.clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\./);
    expect(await c.run(['get', 'svc', 'web', '-o', 'wide'])).toMatch(
      new RegExp(`^web\\s+ClusterIP\\s+${svc.spec.clusterIP!.replace(/\./g, '\\.')}\\s+<none>\\s+80/TCP\\s+\\S+\\s+app=web$`, 'm'),
    );
    const ep = await c.run(['get', 'ep', 'web']);
    for (const ip of ips) expect(ep).toContain(`${ip}:8080`);
    const slices = await c.run(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']);
    expect(slices).toMatch(/^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/m);
    expect(slices).toMatch(new RegExp(`^web-[a-z0-9]{5}\\s+IPv4\\s+8080\\s+${ips.join(',').replace(/\./g, '\\.')}\\s+\\S+$`, 'm'));
    const described = await c.run(['describe', 'svc', 'web']);
    expect(described).toMatch(/^TargetPort:\s+http\/TCP$/m);
    expect(described).toMatch(/^Port:\s+http\s+80\/TCP$/m);
    expect(described).toMatch(/^Endpoints:\s+10\.\S+:8080,10\.\S+:8080,10\.\S+:8080$/m);
    expect(await c.run(['get', 'all'])).toMatch(/^service\/web\s+ClusterIP/m);
  });

  it('moves a pod that turns not Ready out of the ready endpoints, and back', async () => {
    const [pod] = await webPods();
    const ip = pod.status!.podIP!;
    await c.run(['exec', pod.metadata.name!, '--', 'touch', '/tmp/unready']);
    const ep = await eventually(
      'the pod under notReadyAddresses',
      async () => {
        const e = await json<Endpoints>(['get', 'endpoints', 'web']);
        return e.subsets?.[0]?.notReadyAddresses?.some((a) => a.ip === ip) ? e : undefined;
      },
      60_000,
    );
    expect(ep.subsets?.[0].addresses?.map((a) => a.ip)).not.toContain(ip);
    expect(await c.run(['get', 'ep', 'web'])).not.toContain(`${ip}:8080`);
    const slice = (await json<{ items: EndpointSlice[] }>(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web'])).items[0];
    expect(slice.endpoints.find((e) => e.addresses[0] === ip)?.conditions).toEqual({ ready: false, serving: false, terminating: false });
    await c.run(['exec', pod.metadata.name!, '--', 'rm', '/tmp/unready']);
    await eventually('the pod ready again', async () => (await readyIPs()).includes(ip), 60_000);
  });

  it('empties the endpoints when the Deployment scales to 0', async () => {
    await c.run(['scale', 'deployment', 'web', '--replicas=0']);
    await eventually('no endpoints', async () => /^web\s+<none>\s/m.test(await c.run(['get', 'ep', 'web'])), 60_000);
    await eventually(
      'an empty slice',
      async () =>
        /^web-[a-z0-9]{5}\s+IPv4\s+<unset>\s+<unset>\s/m.test(
          await c.run(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']),
        ),
      60_000,
    );
    await c.run(['scale', 'deployment', 'web', '--replicas=2']);
    await eventually('2 ready endpoints', async () => (await readyIPs()).length === 2, 120_000);
  });

  it('exposes a deployment as kubectl does', async () => {
    expect(
      await c.run(['expose', 'deployment', 'web', '--name', 'web-np', '--port', '80', '--target-port', '8080', '--type', 'NodePort']),
    ).toBe('service/web-np exposed\n');
    const svc = await json<Service>(['get', 'svc', 'web-np']);
    expect(svc.spec.selector).toEqual({ app: 'web' });
    const nodePort = svc.spec.ports![0].nodePort!;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    expect(await c.run(['get', 'svc', 'web-np'])).toMatch(
      new RegExp(`^web-np\\s+NodePort\\s+10\\.\\S+\\s+<none>\\s+80:${nodePort}/TCP\\s`, 'm'),
    );
    await eventually('web-np endpoints', async () => (await c.run(['get', 'ep', 'web-np'])).includes(':8080'));
    const missing = await c.try(['expose', 'deployment', 'nope', '--port', '80']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('deployments.apps "nope" not found');
  });

  it('gives a LoadBalancer an address of the node network, and changes types both ways through apply', async () => {
    await c.run(['expose', 'deployment', 'web', '--name', 'web-lb', '--port', '80', '--target-port', '8080', '--type', 'LoadBalancer']);
    const nodes = await json<{ items: Node[] }>(['get', 'nodes']);
    const nodeIP = nodes.items[0].status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    const prefix = nodeIP.split('.').slice(0, 3).join('.');
    const lb = await json<Service>(['get', 'svc', 'web-lb']);
    const ip = lb.status?.loadBalancer?.ingress?.[0]?.ip ?? '';
    expect(ip.startsWith(`${prefix}.`)).toBe(true);
    expect(Number(ip.split('.')[3])).toBeGreaterThanOrEqual(192);
    expect(await c.run(['get', 'svc', 'web-lb'])).toMatch(
      new RegExp(`^web-lb\\s+LoadBalancer\\s+\\S+\\s+${ip.replace(/\./g, '\\.')}\\s+80:3\\d{4}/TCP`, 'm'),
    );

    const flip = (type: string, extra = ''): string => `apiVersion: v1
kind: Service
metadata: {name: flip}
spec:
  type: ${type}
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
${extra}`;
    await c.run(['apply', '-f', '-'], flip('ClusterIP'));
    const first = await json<Service>(['get', 'svc', 'flip']);
    await c.run(['apply', '-f', '-'], flip('NodePort'));
    const np = await json<Service>(['get', 'svc', 'flip']);
    expect(np.spec.clusterIP).toBe(first.spec.clusterIP);
    expect(np.spec.ports![0].nodePort).toBeGreaterThanOrEqual(30000);
    await c.run(['apply', '-f', '-'], flip('ExternalName', '  externalName: example.com'));
    expect(await c.run(['get', 'svc', 'flip'])).toMatch(/^flip\s+ExternalName\s+<none>\s+example\.com\s+80\/TCP\s/m);
    const ext = await json<Service>(['get', 'svc', 'flip']);
    expect(ext.spec.clusterIP).toBeUndefined();
    expect(ext.spec.ports![0].nodePort).toBeUndefined();
    await c.run(['apply', '-f', '-'], flip('ClusterIP'));
    expect((await json<Service>(['get', 'svc', 'flip'])).spec.clusterIP).toMatch(/^10\./);
  });

  it('mirrors the hand-written Endpoints of a Service without selector into a slice', async () => {
    await c.run(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: Service
metadata: {name: external-db}
spec:
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: external-db}
subsets:
- addresses: [{ip: 192.168.50.7}]
  ports: [{port: 5432}]
`,
    );
    await eventually('the mirrored slice', async () =>
      /^external-db-[a-z0-9]{5}\s+IPv4\s+5432\s+192\.168\.50\.7\s/m.test(
        await c.run(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=external-db']),
      ),
    );
    expect(await c.run(['get', 'ep', 'external-db'])).toMatch(/^external-db\s+192\.168\.50\.7:5432\s/m);
  });

  it('refuses NodePort and ClusterIP clashes and out-of-range values with Kubernetes wording', async () => {
    await c.run(['apply', '-f', '-'], service('np1', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    const clash = await c.try(['apply', '-f', '-'], service('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toContain(
      'The Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    );
    const range = await c.try(['apply', '-f', '-'], service('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 40000 }] }));
    expect(range.stderr).toContain(
      'spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    const taken = await c.try(['apply', '-f', '-'], service('ip1', { clusterIP: '10.96.0.1', ports: [{ port: 80 }] }));
    expect(taken.stderr).toContain(
      'spec.clusterIPs: Invalid value: ["10.96.0.1"]: failed to allocate IP 10.96.0.1: provided IP is already allocated',
    );
    const outside = await c.try(['apply', '-f', '-'], service('ip2', { clusterIP: '10.200.0.1', ports: [{ port: 80 }] }));
    expect(outside.stderr).toContain('provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12');
    // The static band (10.96.0.1-10.96.1.0) is left free by dynamic allocation, so addresses picked by hand
    // there (the cluster DNS's 10.96.0.10, this 10.96.0.11) are always there to take.
    expect(
      await c.run(['apply', '-f', '-'], service('dns-like', { clusterIP: '10.96.0.11', ports: [{ port: 53, protocol: 'UDP' }] })),
    ).toContain('service/dns-like created');
  });

  it('an invalid Service changes nothing: no object, its ClusterIP and NodePort stay free', async () => {
    const bad = await c.try(
      ['apply', '-f', '-'],
      service('bad', { type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ port: 80, nodePort: 30099 }, { port: 81 }] }),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.ports[0].name: Required value');
    expect((await c.try(['get', 'svc', 'bad'])).stderr).toContain('services "bad" not found');
    const good = await c.run(
      ['apply', '-f', '-'],
      service('good', { type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ port: 80, nodePort: 30099 }] }),
    );
    expect(good).toContain('service/good created');
    // An invalid update leaves the stored Service as it was.
    const moved = await c.try(
      ['apply', '-f', '-'],
      service('good', { type: 'NodePort', clusterIP: '10.96.0.51', ports: [{ port: 80, nodePort: 30099 }] }),
    );
    expect(moved.stderr).toContain('spec.clusterIPs[0]: Invalid value: ["10.96.0.51"]: may not change once set');
    expect((await json<Service>(['get', 'svc', 'good'])).spec.clusterIP).toBe('10.96.0.50');
  });

  it('rebuilds the allocations from the stored Services after a restart of the API server', async () => {
    const before = await json<Service>(['get', 'svc', 'good']);
    await docker.getContainer(`${c.name}-control-plane`).restart({ t: 10 });
    await eventually('the API server back', async () => (await c.try(['get', 'svc', 'good'])).code === 0, 120_000);
    expect((await json<Service>(['get', 'svc', 'good'])).spec.clusterIP).toBe(before.spec.clusterIP);
    const again = await c.try(['apply', '-f', '-'], service('again', { type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ port: 80 }] }));
    expect(again.stderr).toContain('failed to allocate IP 10.96.0.50: provided IP is already allocated');
    const port = await c.try(['apply', '-f', '-'], service('again', { type: 'NodePort', ports: [{ port: 80, nodePort: 30099 }] }));
    expect(port.stderr).toContain('spec.ports[0].nodePort: Invalid value: 30099: provided port is already allocated');
    expect((await c.run(['get', 'svc', '-o', 'name'])).split('\n').filter((l) => l === 'service/kubernetes')).toHaveLength(1);
  });
});
