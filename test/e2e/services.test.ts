// Issue 8 end to end, the node-agent half: the service proxy (kube-proxy's iptables rules in every node),
// through the CLI and real containers. ClusterIPs from pods on each node, the spread over replicas, refusal
// without endpoints, ClientIP affinity, UDP, named target ports, NodePort / LoadBalancer / hostPort from
// the host, externalTrafficPolicy Local, hairpin, service env vars, the same-node pod path, a node agent
// restart, and `kubelab node iptables`.
//
// Endpoints come from the API server's EndpointSlice controller (selectors, readiness, named ports).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, serviceNameLabel, type EndpointSlice, type Node, type Service } from '@kubelab/api';
import { docker, eventually, execIn } from '../support/docker';
import { startCluster, type TestCluster } from '../support/cluster';
import { launcher, testKubeconfig } from '../support/cli';

const CLUSTER = 'kltest-services';
const workers = [`${CLUSTER}-worker`, `${CLUSTER}-worker2`];
const SLICES = resolveResource('endpointslices')!;
const SERVICES = resolveResource('services')!;
const NODES = resolveResource('nodes')!;
let c: TestCluster;
const nodeIPs = new Map<string, string>();
const echoSpec = { selector: { app: 'echo' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] };

function pod(name: string, node: string, image: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name, ...labels } },
    spec: { nodeName: node, containers: [{ name: 'main', image, ...extra }] },
  });
}

function service(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
}

async function svc(name: string): Promise<Service> {
  return c.client.get<Service>(SERVICES, name, 'default');
}

/** Waits until the EndpointSlice controller lists `ready` ready endpoints for the Service (per port). */
async function endpointsReady(name: string, ready: number): Promise<void> {
  await eventually(`${ready} ready endpoints for ${name}`, async () => {
    const slices = (await c.client.list<EndpointSlice>(SLICES, 'default', { labelSelector: `${serviceNameLabel}=${name}` })).items;
    const n = slices.reduce((sum, sl) => sum + sl.endpoints.filter((e) => e.conditions?.ready !== false).length, 0);
    return n === ready;
  });
}

async function clusterIP(name: string): Promise<string> {
  return eventually(`a ClusterIP for ${name}`, async () => (await svc(name)).spec.clusterIP);
}

/** One shell command in a pod, its stdout. */
async function sh(podName: string, script: string): Promise<string> {
  return c.run(['exec', podName, '--', 'sh', '-c', script]);
}

/** Hostnames answering `n` requests to `url` from `from`, one exec. */
async function hostnames(from: string, url: string, n: number): Promise<string[]> {
  const out = await sh(from, `for i in $(seq ${n}); do curl -s -m 2 ${url} | grep '^Hostname:'; done`);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace('Hostname: ', '').trim());
}

async function fromHost(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return res.text();
}

describe('services: the node agent as kube-proxy', () => {
  beforeAll(async () => {
    c = await startCluster(CLUSTER);
    for (const n of (await c.client.list<Node>(NODES)).items)
      nodeIPs.set(n.metadata.name!, n.status!.addresses!.find((a) => a.type === 'InternalIP')!.address);
    await c.run(['create', 'deployment', 'echo', '--image=kubelab/echo:latest', '--replicas=3', '--port=8080']);
    await c.run(['apply', '-f', '-'], pod('client-a', workers[0], 'kubelab/toolbox:latest'));
    await c.run(['apply', '-f', '-'], pod('client-b', workers[1], 'kubelab/toolbox:latest'));
    await c.run(['apply', '-f', '-'], service('echo', echoSpec));
    await c.run(['rollout', 'status', 'deployment/echo', '--timeout=90s']);
    await c.waitReady('client-a');
    await c.waitReady('client-b');
    await endpointsReady('echo', 3);
  });
  afterAll(async () => {
    await c?.down();
  });

  it('a ClusterIP answers wget and nc from a pod on each node', async () => {
    const ip = await clusterIP('echo');
    for (const client of ['client-a', 'client-b']) {
      const body = await eventually(`${client} to reach ${ip}`, async () => {
        const r = await c.try(['exec', client, '--', 'wget', '-qO-', '-T', '2', `http://${ip}/`]);
        return r.code === 0 ? r.stdout : undefined;
      });
      expect(body).toMatch(/^Hostname: echo-/m);
      expect(await sh(client, `nc -z -w 2 ${ip} 80 && echo open`)).toContain('open');
      // The short name: the cluster DNS answers the same ClusterIP (search default.svc.cluster.local).
      expect((await sh(client, 'nslookup echo | tail -n +3')).match(/Address: (\S+)/)?.[1]).toBe(ip);
      expect(await sh(client, 'wget -qO- -T 2 http://echo/')).toMatch(/^Hostname: echo-/m);
      expect(await sh(client, 'nc -z -w 2 echo 80 && echo open')).toContain('open');
    }
  });

  it('spreads over all 3 replicas through one ClusterIP', async () => {
    const ip = await clusterIP('echo');
    const names = (await c.pods('app=echo')).map((p) => p.metadata.name).sort();
    const seen = await eventually('all replicas to answer', async () => {
      const s = new Set(await hostnames('client-a', `http://${ip}/`, 30));
      return s.size === 3 ? [...s].sort() : undefined;
    });
    expect(seen).toEqual(names);
  });

  it('keeps one backend with sessionAffinity ClientIP and spreads again without it', async () => {
    const ip = await clusterIP('echo');
    await c.run(['apply', '-f', '-'], service('echo', { ...echoSpec, sessionAffinity: 'ClientIP' }));
    await eventually('affinity to hold', async () => new Set(await hostnames('client-b', `http://${ip}/`, 15)).size === 1);
    await c.run(['apply', '-f', '-'], service('echo', { ...echoSpec, sessionAffinity: 'None' }));
    await eventually('the spread to return', async () => new Set(await hostnames('client-b', `http://${ip}/`, 15)).size > 1);
  });

  it('refuses connections at once when scaled to 0, and serves again when scaled back', async () => {
    const ip = await clusterIP('echo');
    await c.run(['scale', 'deployment/echo', '--replicas=0']);
    await eventually('the echo pods to go', async () => (await c.pods('app=echo')).length === 0, 90_000);
    await endpointsReady('echo', 0);
    // curl exit 7 = could not connect; the time shows a refusal (ICMP port unreachable), not a timeout.
    const probe = `s=$(date +%s%N); curl -sS -m 5 http://${ip}/ >/dev/null 2>&1; echo "rc=$? ms=$(( ($(date +%s%N)-s)/1000000 ))"`;
    const refused = await eventually('the ClusterIP to refuse', async () => {
      const out = await sh('client-a', probe);
      return out.includes('rc=7') ? out : undefined;
    });
    expect(Number(refused.match(/ms=(\d+)/)![1])).toBeLessThan(1000);
    await c.run(['scale', 'deployment/echo', '--replicas=3']);
    await c.run(['rollout', 'status', 'deployment/echo', '--timeout=90s']);
    await endpointsReady('echo', 3);
    await eventually('the ClusterIP to serve again', async () =>
      (await sh('client-a', `curl -s -m 2 http://${ip}/ || true`)).includes('Hostname: echo-'),
    );
  });

  it('refuses an address of the service CIDR that is no Service (never routed on)', async () => {
    const taken = new Set((await c.client.list<Service>(SERVICES)).items.map((s) => s.spec.clusterIP));
    const ip = ['10.111.222.233', '10.111.222.234'].find((x) => !taken.has(x))!;
    // curl exit 7: refused (ICMP port unreachable from the agent's REJECT), not a timeout (28).
    expect(await sh('client-a', `curl -sS -m 5 http://${ip}/ >/dev/null 2>&1; echo "rc=$?"`)).toContain('rc=7');
  });

  it('proxies UDP', async () => {
    await c.run(['apply', '-f', '-'], service('echo-udp', { selector: { app: 'echo' }, ports: [{ port: 9000, protocol: 'UDP' }] }));
    await endpointsReady('echo-udp', 3);
    const ip = await clusterIP('echo-udp');
    const out = await eventually('a UDP echo', async () => {
      const r = await sh('client-b', `echo kubelab-udp | nc -u -w 1 ${ip} 9000 || true`);
      return r.includes('kubelab-udp') ? r : undefined;
    });
    expect(out).toContain('kubelab-udp');
  });

  it('moves a UDP client that keeps its source port to the new endpoint (stale conntrack entries cleared)', async () => {
    const udpPod = (n: string) =>
      pod(n, workers[1], 'kubelab/echo:latest', { ports: [{ containerPort: 9000, protocol: 'UDP' }] }, { tier: 'udp' });
    await c.run(['apply', '-f', '-'], udpPod('udp-a'));
    await c.run(['apply', '-f', '-'], service('udp-one', { selector: { tier: 'udp' }, ports: [{ port: 9000, protocol: 'UDP' }] }));
    await c.waitReady('udp-a');
    await endpointsReady('udp-one', 1);
    const ip = await clusterIP('udp-one');
    // The same client port every time, like a resolver: one conntrack entry for the whole conversation.
    const ask = (word: string) => sh('client-a', `echo ${word} | nc -u -p 40053 -w 1 ${ip} 9000 || true`);
    await eventually('udp-a to answer', async () => (await ask('first')).includes('first'));
    await c.run(['delete', 'pod', 'udp-a']);
    await c.run(['apply', '-f', '-'], udpPod('udp-b'));
    await c.waitReady('udp-b');
    await endpointsReady('udp-one', 1);
    expect(await eventually('udp-b to answer the same client port', async () => (await ask('second')).includes('second'), 20_000)).toBe(
      true,
    );
  });

  it('maps a named target port to different numbers in different pods (multi-port)', async () => {
    const echoPort = (port: number) => ({
      env: [{ name: 'PORT', value: String(port) }],
      ports: [
        { name: 'web', containerPort: port },
        { name: 'raw', containerPort: 9000, protocol: 'TCP' },
      ],
    });
    await c.run(['apply', '-f', '-'], pod('multi-a', workers[0], 'kubelab/echo:latest', echoPort(8080), { tier: 'multi' }));
    await c.run(['apply', '-f', '-'], pod('multi-b', workers[1], 'kubelab/echo:latest', echoPort(8081), { tier: 'multi' }));
    await c.run(
      ['apply', '-f', '-'],
      service('multi', {
        selector: { tier: 'multi' },
        ports: [
          { name: 'http', port: 80, targetPort: 'web' },
          { name: 'raw', port: 9000, targetPort: 'raw' },
        ],
      }),
    );
    await c.waitReady('multi-a');
    await c.waitReady('multi-b');
    await endpointsReady('multi', 2);
    const ip = await clusterIP('multi');
    const seen = await eventually('both pods behind port 80', async () => {
      const s = new Set(await hostnames('client-a', `http://${ip}/`, 16));
      return s.size === 2 ? [...s].sort() : undefined;
    });
    expect(seen).toEqual(['multi-a', 'multi-b']);
    // The second port's rules come from the same sync; its answer is awaited like the first's.
    const raw = await eventually(
      'port 9000 echoes',
      async () => {
        const out = await sh('client-a', `echo raw-tcp | nc -w 1 ${ip} 9000 || true`);
        return out.includes('raw-tcp') ? out : undefined;
      },
      30_000,
    );
    expect(raw).toContain('raw-tcp');
  });

  it('serves a NodePort on every node IP from the host, and a LoadBalancer IP', async () => {
    await c.run(['apply', '-f', '-'], service('echo', { ...echoSpec, type: 'LoadBalancer' }));
    const s = await eventually('a NodePort and a LoadBalancer IP', async () => {
      const x = await svc('echo');
      return x.spec.ports?.[0].nodePort && x.status?.loadBalancer?.ingress?.[0]?.ip ? x : undefined;
    });
    const nodePort = s.spec.ports![0].nodePort!;
    for (const [node, ip] of nodeIPs) {
      const body = await eventually(`NodePort ${nodePort} on ${node}`, () => fromHost(`http://${ip}:${nodePort}/`));
      expect(body).toMatch(/^Hostname: echo-/m);
    }
    const lb = s.status!.loadBalancer!.ingress![0].ip!;
    expect(await eventually(`LoadBalancer IP ${lb}`, () => fromHost(`http://${lb}/`))).toMatch(/^Hostname: echo-/m);
    expect((await c.run(['get', 'svc', 'echo'])).split('\n')[1]).toContain(lb);
  });

  // minikube service --url's lesson on every OS: the URL rides pods/portforward through the published API port,
  // picking a ready pod per connection, so it keeps working while the Deployment rolls.
  it('`kubelab service echo --url` prints a host URL that answers, and keeps answering across a rollout', async () => {
    const child = spawn(process.execPath, [launcher, '--cluster', CLUSTER, 'service', 'echo', '--url'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: testKubeconfig() },
    });
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const url = await eventually('the URL on stdout', async () => out.match(/^http:\/\/127\.0\.0\.1:\d+$/m)?.[0]);
      expect(await fromHost(`${url}/`)).toMatch(/^Hostname: echo-/m);
      await c.run(['rollout', 'restart', 'deployment/echo']);
      await c.run(['rollout', 'status', 'deployment/echo', '--timeout=90s']);
      await endpointsReady('echo', 3);
      const after = await eventually('an answer after the rollout', async () => {
        const body = await fromHost(`${url}/`).catch(() => '');
        return /^Hostname: echo-/m.test(body) ? body : undefined;
      });
      expect(after).toMatch(/^Hostname: echo-/m);
    } finally {
      child.kill('SIGINT');
    }
  });

  it('keeps the client IP with externalTrafficPolicy Local', async () => {
    await c.run(
      ['apply', '-f', '-'],
      service('local', {
        type: 'NodePort',
        externalTrafficPolicy: 'Local',
        selector: { app: 'echo' },
        ports: [{ port: 80, targetPort: 8080 }],
      }),
    );
    await endpointsReady('local', 3);
    const nodePort = (await eventually('a NodePort', async () => (await svc('local')).spec.ports?.[0].nodePort)) as number;
    const withPod = (await c.pods('app=echo'))[0].spec.nodeName!;
    const body = await eventually('the Local NodePort', () => fromHost(`http://${nodeIPs.get(withPod)}:${nodePort}/`));
    const remote = body.match(/^RemoteAddr: ([\d.]+):/m)![1];
    // The host's address on the node network: neither a node (masquerade) nor an agent (.1 of a pod /24).
    expect([...nodeIPs.values()]).not.toContain(remote);
    expect(remote).not.toMatch(/^10\./);
    const cluster = await fromHost(`http://${nodeIPs.get(withPod)}:${(await svc('echo')).spec.ports![0].nodePort}/`);
    expect(cluster.match(/^RemoteAddr: ([\d.]+):/m)![1]).not.toBe(remote);
  });

  it('lets a pod reach itself through its own Service (hairpin)', async () => {
    await c.run(['apply', '-f', '-'], pod('solo', workers[0], 'kubelab/echo:latest', { ports: [{ containerPort: 8080 }] }));
    await c.run(['apply', '-f', '-'], service('solo', { selector: { app: 'solo' }, ports: [{ port: 80, targetPort: 8080 }] }));
    const solo = await c.waitReady('solo');
    await endpointsReady('solo', 1);
    const ip = await clusterIP('solo');
    const body = await eventually('solo through its own ClusterIP', async () => {
      const r = await c.try(['exec', 'solo', '--', 'curl', '-s', '-m', '2', `http://${ip}/`]);
      return r.code === 0 && r.stdout.includes('Hostname: solo') ? r.stdout : undefined;
    });
    // Masqueraded to its node agent (.1 of its pod /24), so the reply goes back through the agent.
    const agent = solo.status!.podIP!.replace(/\.\d+$/, '.1');
    expect(body).toMatch(new RegExp(`^RemoteAddr: ${agent.replace(/\./g, '\\.')}:`, 'm'));
  });

  it('gives a pod created after a Service its environment variables', async () => {
    const ip = await clusterIP('echo');
    await c.run(['apply', '-f', '-'], pod('envcheck', workers[1], 'kubelab/toolbox:latest'));
    await c.waitReady('envcheck');
    const env = await c.run(['exec', 'envcheck', '--', 'env']);
    expect(env).toContain(`ECHO_SERVICE_HOST=${ip}`);
    expect(env).toContain('ECHO_SERVICE_PORT=80');
    expect(env).toContain('ECHO_SERVICE_PORT_HTTP=80');
    expect(env).toContain(`ECHO_PORT=tcp://${ip}:80`);
    expect(env).toContain(`ECHO_PORT_80_TCP_ADDR=${ip}`);
    expect(env).toContain(`ECHO_UDP_PORT_9000_UDP=udp://${await clusterIP('echo-udp')}:9000`);
    expect(env).toContain('KUBERNETES_SERVICE_HOST=10.96.0.1');
  });

  it('DNATs a hostPort on the node to the pod, reachable from the host', async () => {
    await c.run(
      ['apply', '-f', '-'],
      pod('hostport', workers[1], 'kubelab/echo:latest', { ports: [{ containerPort: 8080, hostPort: 18080 }] }),
    );
    await c.waitReady('hostport');
    const body = await eventually('the hostPort', () => fromHost(`http://${nodeIPs.get(workers[1])}:18080/`));
    expect(body).toMatch(/^Hostname: hostport/m);
  });

  it('routes same-node pods through the agent without redirects (TTL 63) and cross-node ones at TTL 62', async () => {
    await c.run(['apply', '-f', '-'], pod('peer', workers[0], 'kubelab/toolbox:latest'));
    const peer = await c.waitReady('peer');
    const same = await sh('client-a', `ping -c 5 -i 0.2 -W 1 ${peer.status!.podIP} 2>&1 || true`);
    expect(same).toContain('ttl=63');
    expect(same).not.toMatch(/Redirect/);
    expect(same).toContain(' 0% packet loss');
    const cross = await sh('client-b', `ping -c 3 -i 0.2 -W 1 ${peer.status!.podIP} 2>&1 || true`);
    expect(cross).toContain('ttl=62');
    expect(cross).toContain(' 0% packet loss');
  });

  it('`kubelab node iptables` shows the Service chains with packet counters', async () => {
    const ip = await clusterIP('echo');
    await sh('client-a', `curl -s -m 2 http://${ip}/ >/dev/null || true`);
    const out = await c.run(['node', 'iptables', workers[0], '--service', 'echo']);
    expect(out).toContain('default/echo:http cluster IP');
    expect(out).toMatch(/-A KUBE-SVC-[A-Z2-7]{16} /);
    expect(out).toMatch(/-j DNAT --to-destination 10\.[\d.]+:8080/);
    expect(out).not.toContain('default/echo-udp');
    // The ClusterIP rule has counted the request above.
    const line = out.split('\n').find((l) => l.includes('default/echo:http cluster IP') && l.includes('-A KUBE-SERVICES'))!;
    expect(Number(line.trim().split(/\s+/)[0])).toBeGreaterThan(0);
  });

  it('keeps traffic flowing across a node agent restart and renders identical rules', async () => {
    const ip = await clusterIP('echo');
    const rules = async (): Promise<string> => {
      const save = await execIn(workers[0], ['iptables-save']);
      return save.stdout
        .split('\n')
        .filter((l) => /KUBE|KUBELAB/.test(l))
        .join('\n');
    };
    const before = await rules();
    await docker.getContainer(workers[0]).restart({ t: 2 });
    const body = await eventually('the ClusterIP from the restarted node', async () => {
      const r = await c.try(['exec', 'client-a', '--', 'curl', '-s', '-m', '2', `http://${ip}/`]);
      return r.code === 0 && r.stdout.includes('Hostname: echo-') ? r.stdout : undefined;
    });
    expect(body).toBeTruthy();
    expect(await eventually('the same rules', async () => ((await rules()) === before ? true : undefined), 30_000)).toBe(true);
  });
});
