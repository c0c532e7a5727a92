// Issue 14 end to end: seeing the packet. metrics.k8s.io read by the real `kubectl top`, `kubelab capture`
// writing a pcapng file tcpdump reads, `kubelab dns trace` showing a resolver's search path, `kubelab doctor`
// catching a Service whose selector matches nothing, and `kubelab trace` of pod->pod on one node and across
// nodes, pod->ClusterIP (the endpoint and its DNAT), host->NodePort, and a Service without endpoints.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_LABEL } from '@kubelab/api';
import { findCluster } from '@kubelab/cluster';
import { launcher, repoRoot, testKubeconfig } from '../support/cli';
import { startCluster, type TestCluster } from '../support/cluster';
import { docker, eventually, execIn } from '../support/docker';
import { installedKubectls, kubectlOk } from '../support/kubectl';

const CLUSTER = 'kltest-see-packet';
const W1 = `${CLUSTER}-worker`;
const W2 = `${CLUSTER}-worker2`;
let c: TestCluster;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kubelab-see-packet-'));

function pod(name: string, node: string, image: string, labels: Record<string, string>, ports: number[] = []): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { nodeName: node, containers: [{ name: 'main', image, ports: ports.map((p) => ({ name: 'http', containerPort: p })) }] },
  };
}

function service(name: string, selector: Record<string, string>, type = 'ClusterIP'): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type, selector, ports: [{ port: 80, targetPort: 8080 }] } };
}

/** `kubelab ...` left running, its output so far, and a wait for some of it. */
function start(args: string[]) {
  const child = spawn(process.execPath, [launcher, '--cluster', CLUSTER, ...args], {
    cwd: repoRoot,
    env: { ...process.env, KUBECONFIG: testKubeconfig() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    output: () => out,
    kill: (signal: NodeJS.Signals) => child.kill(signal),
    exited,
    waitFor: (re: RegExp) =>
      eventually(`${re} in the output of kubelab ${args.join(' ')}`, async () => re.test(out) || undefined, 60_000).catch((err: Error) => {
        throw new Error(`${err.message}; its output so far:\n${out}`);
      }),
  };
}

beforeAll(async () => {
  c = await startCluster(CLUSTER);
  const objects = [
    pod('client', W1, 'kubelab/toolbox:latest', { app: 'client' }),
    pod('echo-a', W1, 'kubelab/echo:latest', { app: 'echo' }, [8080]),
    pod('echo-b', W2, 'kubelab/echo:latest', { app: 'echo' }, [8080]),
    service('echo', { app: 'echo' }),
    service('echo-np', { app: 'echo' }, 'NodePort'),
    // The typo a learner makes: no pod carries app=ecoh, so the Service has no endpoints.
    service('broken', { app: 'ecoh' }),
    // The echo image's UDP echo, as a NodePort: the host's UDP probe gets its answer.
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo-udp' },
      spec: { type: 'NodePort', selector: { app: 'echo' }, ports: [{ port: 9000, targetPort: 9000, protocol: 'UDP' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'app' },
      spec: {
        rules: [
          {
            host: 'app.localhost',
            http: { paths: [{ path: '/app1', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } }] },
          },
        ],
      },
    },
  ];
  await c.run(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  for (const p of ['client', 'echo-a', 'echo-b']) await c.waitReady(p, 120_000);
}, 300_000);

afterAll(async () => {
  await c?.down();
  rmSync(tmp, { recursive: true, force: true });
});

describe('top', () => {
  it('serves metrics.k8s.io so the real kubectl top prints numbers', async () => {
    const [k] = installedKubectls();
    const out = k
      ? await eventually('kubectl top pods with numbers', async () => {
          const text = await kubectlOk(k, `kubelab-${CLUSTER}`, ['top', 'pods']);
          return /^echo-a\s+\d+m\s+\d+Mi/m.test(text) ? text : undefined;
        })
      : await c.run(['top', 'pods']);
    expect(out).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(out).toMatch(/^client\s+\d+m\s+\d+Mi/m);
    const nodes = await c.run(['top', 'nodes']);
    expect(nodes).toMatch(new RegExp(`^${W2}\\s+\\d+m\\s+\\d+%\\s+[1-9]\\d*Mi\\s+\\d+%`, 'm'));
    const containers = await c.run(['top', 'pods', '--containers']);
    expect(containers).toMatch(/^echo-b\s+main\s+\d+m\s+\d+Mi/m);
  });
});

describe('capture', () => {
  it("writes a pcapng file of the pod's packets, both sides of the DNAT, that tcpdump reads", async () => {
    const file = path.join(tmp, 'web.pcapng');
    const cap = start(['capture', 'client', '--pf', 'tcp port 80 or tcp port 8080', '--both-sides', '-c', '3', '-w', file]);
    // Both tcpdumps say "listening on" (stderr, streamed) once their sockets are open.
    await eventually(
      'both capture points listening',
      async () => (cap.output().match(/listening on/g) ?? []).length >= 2 || undefined,
      30_000,
    );
    await c.run(['exec', 'client', '--', 'curl', '-s', '-o', '/dev/null', 'http://echo']);
    expect(await cap.exited).toBe(0);
    expect(statSync(file).size).toBeGreaterThan(100);
    const image = (await docker.getContainer(W1).inspect()).Image;
    const chunks: Buffer[] = [];
    const sink = new (await import('node:stream')).PassThrough();
    sink.on('data', (d: Buffer) => chunks.push(d));
    await docker.run(image, ['tcpdump', '-n', '-r', '/c.pcapng'], sink, {
      HostConfig: { AutoRemove: true, Binds: [`${file}:/c.pcapng:ro`] },
      Tty: true,
    });
    const read = Buffer.concat(chunks).toString();
    const svcIP = (await c.run(['get', 'svc', 'echo', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    // The pod's side shows the ClusterIP; the agent's side shows the same connection to a pod IP after DNAT.
    expect(read).toContain(`> ${svcIP}.80: Flags [S]`);
    expect(read).toMatch(/> 10\.\d+\.\d+\.\d+\.8080: Flags \[S\]/);
    // No helper container is left behind.
    const helpers = await docker.listContainers({
      all: true,
      filters: { label: [`${DOCKER_LABEL.cluster}=${CLUSTER}`, `${DOCKER_LABEL.role}=helper`] },
    });
    expect(helpers).toEqual([]);
  });

  it('prints text lines live', async () => {
    const cap = start(['capture', 'echo-b', '--pf', 'icmp', '-c', '2']);
    await cap.waitFor(/listening on/);
    const ip = (await c.pod('echo-b')).status!.podIP!;
    await c.run(['exec', 'client', '--', 'ping', '-c', '1', '-W', '2', ip]);
    expect(await cap.exited).toBe(0);
    expect(cap.output()).toMatch(new RegExp(`IP 10\\.\\d+\\.\\d+\\.\\d+ > ${ip.replace(/\./g, '\\.')}: ICMP echo request`));
  });
});

describe('capture helpers', () => {
  const helpers = () =>
    docker.listContainers({
      all: true,
      filters: { label: [`${DOCKER_LABEL.cluster}=${CLUSTER}`, `${DOCKER_LABEL.role}=helper`] },
    });

  it('are gone when the CLI is killed (SIGKILL), and a stale one is swept by the next capture', async () => {
    // A helper a dead CLI left (its owner pid is no process here), never started.
    const image = (await docker.getContainer(W1).inspect()).Image;
    const stale = await docker.createContainer({
      Image: image,
      Cmd: ['sleep', '600'],
      Labels: {
        [DOCKER_LABEL.cluster]: CLUSTER,
        [DOCKER_LABEL.role]: 'helper',
        'kubelab.helper.purpose': 'capture pod default/gone',
        'kubelab.helper.owner': `${os.hostname()}:999999999`,
      },
    });
    const cap = start(['capture', 'echo-a', '--pf', 'icmp']);
    await cap.waitFor(/listening on/);
    expect((await helpers()).map((h) => h.Id)).not.toContain(stale.id);
    const running = await helpers();
    expect(running).toHaveLength(1);
    // tcpdump -p: a packet socket without promiscuous mode needs no NET_ADMIN.
    const caps = (await docker.getContainer(running[0].Id).inspect()).HostConfig.CapAdd ?? [];
    expect(caps).toContain('NET_RAW');
    expect(caps).not.toContain('NET_ADMIN');
    cap.kill('SIGKILL');
    await cap.exited;
    await eventually('no helper left after the CLI was killed', async () => ((await helpers()).length === 0 ? true : undefined), 20_000);
  });
});

describe('dns trace', () => {
  it("shows every search-path expansion the client's resolver tried, with RCODEs and the answering DNS pod", async () => {
    await c.run(['exec', 'client', '--', 'getent', 'hosts', 'kubernetes.default']);
    const out = await eventually('the lookup in dns trace', async () => {
      const text = await c.run(['dns', 'trace', '--pod', 'client', '--since', '5m']);
      return text.includes('asked') && text.includes('kubernetes.default.svc.cluster.local.') ? text : undefined;
    });
    expect(out).toMatch(/default\/client \(10\.\d+\.\d+\.\d+\) asked \S+ kubernetes\.default {2}-> {2}A 10\.96\.0\.1 \(NOERROR\)/);
    expect(out).toMatch(/A\s+kubernetes\.default\.default\.svc\.cluster\.local\.\s+NXDOMAIN\s+[\d.]+ms\s+coredns-\S+/);
    expect(out).toMatch(/A\s+kubernetes\.default\.svc\.cluster\.local\.\s+NOERROR\s+[\d.]+ms\s+coredns-\S+\s+A 10\.96\.0\.1/);
  });
});

describe('doctor', () => {
  it('catches the Service whose selector matches no pod, and exits 1', async () => {
    const r = await c.try(['doctor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ Service default/broken: selector app=ecoh matches no pod, so it has no endpoints');
    expect(r.stdout).toContain(
      'pods in default have app=client / app=echo; fix the selector or the pod labels (kubelab get pods -n default --show-labels)',
    );
    expect(r.stdout).toMatch(/✓ Service default\/echo: 2 Ready pods behind app=echo/);
    expect(r.stdout).toMatch(new RegExp(`✓ DNS answers from ${W2}: kubernetes.default.svc.cluster.local -> 10.96.0.1`));
  });
});

describe('trace', () => {
  it('pod to pod on one node: through the agent, no NAT, every rule counted', async () => {
    const out = await c.run(['trace', 'client', 'echo-a']);
    expect(out).toContain(`DELIVERED to default/echo-a on ${W1}`);
    expect(out).toMatch(
      /nat:KUBELAB-POSTROUTING:1\s+\+[1-9]\d*\s+-s 10\.\d+\.\d+\.0\/24 -d 10\.\d+\.0\.0\/16 -j RETURN\s+pod to pod: no NAT/,
    );
    expect(out).toContain(': connected');
  });

  it('pod to pod across nodes: routed node to node', async () => {
    const out = await c.run(['trace', 'client', 'echo-b']);
    expect(out).toMatch(new RegExp(`route\\s+10\\.\\d+\\.\\d+\\.0/24 via 172\\.\\d+\\.\\d+\\.\\d+ dev eth0 \\(node ${W2}\\)`));
    expect(out).toContain(`DELIVERED to default/echo-b on ${W2}`);
  });

  it('pod to ClusterIP: the endpoint conntrack shows, the DNAT rule and its Service, counters as evidence', async () => {
    const ip = (await c.run(['get', 'svc', 'echo', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const out = await c.run(['trace', 'client', 'svc/echo']);
    expect(out).toMatch(/nat:KUBE-SERVICES:\d+\s+\+1\s+-d \S+ -p tcp -m tcp --dport 80 -j KUBE-SVC-\S+\s+Service default\/echo cluster IP/);
    expect(out).toMatch(
      new RegExp(
        `nat:KUBE-SEP-\\S+\\s+\\+1\\s+-p tcp -m tcp -j DNAT --to-destination (10\\.\\d+\\.\\d+\\.\\d+:8080)\\s+Service default/echo\\s+${ip}:80 -> \\1`,
      ),
    );
    expect(out).toMatch(
      new RegExp(
        `conntrack: on ${W1}: tcp \\S+ 10\\.\\d+\\.\\d+\\.\\d+:\\d+ -> ${ip}:80, reply from (10\\.\\d+\\.\\d+\\.\\d+:8080) \\(DNAT to \\1\\)`,
      ),
    );
    expect(out).toMatch(
      new RegExp(`DELIVERED to default/echo-[ab] on ${CLUSTER}-worker2? \\(DNAT ${ip}:80 -> 10\\.\\d+\\.\\d+\\.\\d+:8080\\)`),
    );
    // The kernel's own trace (nftrace through xtables-monitor) saw the DNAT rule; TTL falls by one per node.
    expect(out).toMatch(/-j DNAT --to-destination .*matched$/m);
    expect(out).not.toContain('not seen');
    // The conntrack state the kernel's trace shows per row: the probe's first packet crossed the nat table.
    expect(out).toMatch(/^HOP .*\s+NAT\s+CT STATE\s+KERNEL TRACE$/m);
    expect(out).toMatch(/-j DNAT --to-destination \S+\s+Service default\/echo\s+\S+ -> \S+\s+NEW\s+matched$/m);
    expect(out).toMatch(/left with TTL 63/);
    // Per rule: the TTL and interfaces of the packet at that rule, shown where the TTL changes (routing).
    expect(out).toMatch(/^\d+\s+\S+\s+node agent\s+eth1\s+nat:PREROUTING:\d+\s+\+\d+\s+64\s/m);
    expect(out).toMatch(/^\d+\s+\S+\s+node agent\s+eth1 -> eth[01]\s+\S+\s+\+\d+\s+63\s/m);
    const json = JSON.parse(await c.run(['trace', 'client', 'svc/echo', '-o', 'json'])) as {
      hops: Array<{ nat?: string; packets?: number; ttl?: number; ctstate?: string }>;
      conclusion: string;
    };
    expect(json.hops.find((h) => h.nat)?.packets).toBe(1);
    expect(json.hops.find((h) => h.nat)?.ttl).toBe(64);
    expect(json.hops.find((h) => h.nat)?.ctstate).toBe('NEW');
    expect(json.conclusion).toMatch(/^DELIVERED/);
  });

  it('host to a NodePort: DNAT and MASQUERADE on the node', async () => {
    const out = await c.run(['trace', 'host', 'svc/echo-np']);
    expect(out).toMatch(/nat:KUBE-NODEPORTS:\d+\s+\+1\s+-p tcp -m tcp --dport 3\d{4} -j KUBE-EXT-\S+\s+Service default\/echo-np/);
    expect(out).toMatch(/MASQUERADE --random-fully\s+kubernetes service traffic requiring SNAT/);
    expect(out).toMatch(/DELIVERED to default\/echo-[ab] on \S+ \(DNAT 172\.\d+\.\d+\.\d+:3\d{4} -> 10\.\d+\.\d+\.\d+:8080\)/);
  });

  it('host to NodePort over UDP and to a node over ICMP: the host sends those probes too', async () => {
    const udp = await c.run(['trace', 'host', 'svc/echo-udp']);
    expect(udp).toMatch(/probe: .*nc -u .*\(from the host\): answered: kubelab-trace/);
    expect(udp).toMatch(/nat:KUBE-NODEPORTS:\d+\s+\+1\s+\S*\s*-p udp -m udp --dport 3\d{4}/);
    expect(udp).toMatch(/DELIVERED to default\/echo-[ab] on \S+ \(DNAT 172\.\d+\.\d+\.\d+:3\d{4} -> 10\.\d+\.\d+\.\d+:9000\)/);
    const icmp = await c.run(['trace', 'host', W1, '--proto', 'icmp']);
    expect(icmp).toMatch(/probe: ping -c 1 -W 2 172\.\d+\.\d+\.\d+ \(from the host\): echo reply, TTL 64/);
    expect(icmp).toContain(`DELIVERED to node ${W1} on ${W1}`);
  });

  it('an Ingress URL from the host and from a pod: host port, router pod, Ingress rule, Service, endpoint', async () => {
    const port = (await findCluster(CLUSTER))?.ingress?.httpPort;
    expect(port).toBeGreaterThan(0);
    const out = await eventually('the router serving app.localhost', async () => {
      const r = await c.try(['trace', 'host', `http://app.localhost:${port}/app1`]);
      return r.code === 0 ? r.stdout : undefined;
    });
    expect(out).toContain('ingress: Ingress default/app: app.localhost /app1 (Prefix) -> Service default/echo:80 -> 10.');
    expect(out).toMatch(/probe: GET http:\/\/app\.localhost:\d+\/app1 from the host \(X-Request-ID kubelab-trace-\w+\): HTTP 200/);
    expect(out).toMatch(new RegExp(`host port\\s+127\\.0\\.0\\.1:${port} is published by Docker on ${CLUSTER}-control-plane`));
    // Docker's proxy -> the controller Service's external IP on the node -> the router pod.
    expect(out).toMatch(/-j DNAT --to-destination (10\.\d+\.\d+\.\d+):80\s+Service ingress-nginx\/ingress-nginx-controller:http/);
    expect(out).toMatch(
      /pod ingress-nginx\/ingress-nginx-controller-\S+\s+ingress rule\s+host app\.localhost path \/app1 -> app\.localhost \/app1 \(Prefix\)\s+Ingress default\/app/,
    );
    expect(out).toMatch(
      /service\s+endpoints 10\.\S+ 10\.\S+: the router picked (10\.\d+\.\d+\.\d+:8080) \(pod default\/echo-[ab]\) and connects to it directly\s+Service default\/echo:80/,
    );
    expect(out).toMatch(/DELIVERED to default\/echo-[ab] on \S+ via Ingress default\/app, Service default\/echo$/m);
    const fromPod = await c.run(['trace', 'client', 'http://app.localhost/app1']);
    expect(fromPod).toMatch(/probe: curl .*-H 'Host: app\.localhost' .*: HTTP 200/);
    expect(fromPod).toMatch(/DELIVERED to default\/echo-[ab] on \S+ via Ingress default\/app, Service default\/echo$/m);
    // Live: a request the user makes through the published port, both legs from the kernel's trace.
    const live = start(['trace', 'host', `http://app.localhost:${port}/app1`, '--live']);
    await live.waitFor(/watching for new TCP packets from the host/);
    const answer = await new Promise<number>((resolve, reject) =>
      http
        .get({ host: '127.0.0.1', port, path: '/app1', headers: { Host: `app.localhost:${port}` }, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject),
    );
    expect(answer).toBe(200);
    expect(await live.exited).toBe(0);
    expect(live.output()).toMatch(/the router picked 10\.\d+\.\d+\.\d+:8080 \(pod default\/echo-[ab]\) and connects to it directly/);
    expect(live.output()).toMatch(/DELIVERED to default\/echo-[ab] on \S+ via Ingress default\/app, Service default\/echo$/m);
    const miss = await c.try(['trace', 'client', 'http://app.localhost/nothing', '--explain']);
    expect(miss.code).toBe(1);
    expect(miss.stdout).toContain('NOT DELIVERED: the router answers 404');
  });

  it("a URL to a Service's DNS name: the DNS answer used, the Service's NAT, the pod's HTTP answer", async () => {
    const ip = (await c.run(['get', 'svc', 'echo', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    for (const name of ['echo', 'echo.default', 'echo.default.svc.cluster.local']) {
      const out = await c.run(['trace', 'client', `http://${name}/`]);
      expect(out).toContain(`-> URL http://${name}/ (service default/echo)`);
      expect(out).toContain(`dns: ${name} -> ${ip} (asked 10.96.0.10: `);
      expect(out).toMatch(/nat:KUBE-SEP-\S+\s+\+1\s+-p tcp -m tcp -j DNAT --to-destination 10\.\d+\.\d+\.\d+:8080\s+Service default\/echo/);
      expect(out).toMatch(new RegExp(`probe: curl .*-H 'Host: ${name.replace(/\./g, '\\.')}' .*: HTTP 200`));
      expect(out).toMatch(
        new RegExp(
          `DELIVERED to default/echo-[ab] on \\S+ \\(DNAT ${ip}:80 -> 10\\.\\d+\\.\\d+\\.\\d+:8080\\); the request got HTTP 200$`,
          'm',
        ),
      );
    }
    const wrongPort = await c.try(['trace', 'client', 'http://echo:8081/']);
    expect(wrongPort.code).toBe(1);
    expect(wrongPort.stderr).toContain('service default/echo has no port 8081');
  });

  it('--live: the next real connection, traced by the kernel, no probe sent', async () => {
    const live = start(['trace', 'client', 'svc/echo', '--live']);
    await live.waitFor(/watching for new TCP packets from pod default\/client/);
    await c.run(['exec', 'client', '--', 'curl', '-s', '-o', '/dev/null', 'http://echo']);
    expect(await live.exited).toBe(0);
    const out = live.output();
    expect(out).toMatch(/live: the next new TCP packet from pod default\/client to \S+:80 \(source port \d+\), as the kernel traced it/);
    expect(out).not.toContain('probe:');
    expect(out).toMatch(/-j DNAT --to-destination .*matched$/m);
    expect(out).toMatch(/DELIVERED to default\/echo-[ab]/);
  });

  it('--live over UDP: only packets to the Service (and its endpoints) are marked, not all UDP from SRC', async () => {
    const ip = (await c.run(['get', 'svc', 'echo-udp', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const live = start(['trace', 'client', 'svc/echo-udp', '--live']);
    await live.waitFor(/watching for new UDP packets from pod default\/client/);
    const marks = (await execIn(W1, ['iptables-save', '-t', 'raw'])).stdout.split('\n').filter((l) => l.includes('kubelab trace probe'));
    expect(marks.some((l) => l.includes(`-d ${ip}/32`) && /-p udp .*--dport 9000/.test(l))).toBe(true);
    expect(marks.filter((l) => !/ -d \S+ /.test(l))).toEqual([]);
    // A DNS query (UDP from the same pod, not to the Service) first, then the datagram watched for.
    await c.run(['exec', 'client', '--', 'sh', '-c', `getent hosts kubernetes.default; echo hi | nc -u -w 1 ${ip} 9000`]);
    expect(await live.exited).toBe(0);
    const out = live.output();
    expect(out).toMatch(new RegExp(`live: the next new UDP packet from pod default/client to ${ip}:9000 \\(source port \\d+\\)`));
    expect(out).toMatch(/-j DNAT --to-destination 10\.\d+\.\d+\.\d+:9000 .*matched$/m);
    expect(out).toMatch(/DELIVERED to default\/echo-[ab]/);
  });

  it('a Service without endpoints: REJECT at the client node, connection refused', async () => {
    const r = await c.try(['trace', 'client', 'svc/broken']);
    expect(r.code).toBe(1);
    const out = r.stdout;
    expect(out).toContain('connection refused');
    expect(out).toMatch(
      /filter:KUBE-SERVICES:\d+\s+\+1\s+-d \S+ -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable\s+Service default\/broken has no endpoints/,
    );
    expect(out).toMatch(new RegExp(`REJECTED at filter:KUBE-SERVICES:\\d+ on ${W1} by Service default/broken has no endpoints`));
    const explain = (await c.try(['trace', 'client', 'svc/broken', '--explain'])).stdout;
    expect(explain).toContain('nothing sent');
    expect(explain).not.toContain('PKTS');
  });

  it('a NetworkPolicy drop: the policy and the isolation that dropped it, and doctor sees it enforced', async () => {
    const deny = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny-echo' },
      spec: { podSelector: { matchLabels: { app: 'echo' } } },
    };
    await c.run(['apply', '-f', '-'], JSON.stringify(deny));
    const r = await eventually('the drop in a trace', async () => {
      const t = await c.try(['trace', 'client', 'echo-b']);
      return t.stdout.includes('DROPPED') ? t : undefined;
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('timed out');
    expect(r.stdout).toMatch(/filter:KUBELAB-NPI-\S+\s+\+[1-9]\d*\s+NetworkPolicy default\/deny-echo \(dropped ingress to echo-b\)/);
    expect(r.stdout).toMatch(
      new RegExp(
        `DROPPED at filter:KUBELAB-NPI-[A-Z2-7]+:\\d+ on ${W2} by NetworkPolicy default/deny-echo \\(ingress isolation of pod default/echo-b: no policy allowed it\\)`,
      ),
    );
    // Only the rows that decided the drop, numbered as in the whole path.
    const only = await c.try(['trace', 'client', 'echo-b', '--dropped-only']);
    expect(only.code).toBe(1);
    const rows = only.stdout.split('\n').filter((l) => /^\d+\s/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(
      /^\d+\s+\S+\s+node agent\s+eth0 -> eth1\s+filter:KUBELAB-NPI-\S+\s+\+[1-9]\d*\s+62\s+NetworkPolicy default\/deny-echo/,
    );
    // The dropped packet was a new connection on that node too (it crossed its nat table): CT STATE NEW.
    expect(rows[1]).toMatch(/-j DROP\s+ingress isolation of pod default\/echo-b: no policy allowed it\s+NEW\s+matched$/);
    expect(only.stdout).toMatch(/^DROPPED at filter:KUBELAB-NPI-\S+ on \S+ by NetworkPolicy default\/deny-echo/m);
    // Live: the user's own connection attempt, shown because it was dropped.
    const live = start(['trace', 'client', 'svc/echo', '--live', '--dropped-only']);
    await live.waitFor(/watching for new TCP packets .* that are dropped/);
    await c.try(['exec', 'client', '--', 'curl', '-s', '-m', '2', 'http://echo']);
    expect(await live.exited).toBe(1);
    expect(live.output()).toMatch(/DROPPED at filter:KUBELAB-NPI-\S+ on \S+ by NetworkPolicy default\/deny-echo/);
    const doctor = await c.try(['doctor']);
    expect(doctor.stdout).toContain('✓ NetworkPolicy is enforced on 3 nodes');
    expect(doctor.stdout).toContain('✓ NetworkPolicy default/deny-echo selects 2 pods');
  });

  it('flows: scripted connections, forwarded with their Service, dropped with the deciding policy', async () => {
    const echoB = (await c.pod('echo-b')).status!.podIP!;
    await c.run(['exec', 'client', '--', 'nc', '-z', '-w', '2', '10.96.0.1', '443']);
    expect((await c.try(['exec', 'client', '--', 'nc', '-z', '-w', '2', echoB, '8080'])).code).not.toBe(0);
    const out = await eventually('both flows', async () => {
      const text = await c.run(['flows', '--pod', 'client']);
      return /default\/client:\d+ -> default\/echo-b:8080 TCP DROPPED/.test(text) &&
        /\(service default\/kubernetes\) TCP FORWARDED/.test(text)
        ? text
        : undefined;
    });
    expect(out).toMatch(
      /default\/client:\d+ -> 172\.\d+\.\d+\.\d+:6443 \(service default\/kubernetes\) TCP FORWARDED \(\S+\) on kltest-see-packet-worker$/m,
    );
    expect(out).toMatch(
      new RegExp(
        `default/client:\\d+ -> default/echo-b:8080 TCP DROPPED by default/deny-echo \\(ingress of default/echo-b: no policy allowed it\\) on ${W2}`,
      ),
    );
    const jsonl = (await c.run(['flows', '--verdict', 'DROPPED', '-o', 'jsonl'])).trim().split('\n');
    expect(jsonl.length).toBeGreaterThan(0);
    for (const l of jsonl) expect(JSON.parse(l)).toMatchObject({ verdict: 'DROPPED', policies: ['default/deny-echo'] });
  });
});
