// Issue 3 end to end, through the CLI as a user types it and real containers: pods share localhost and
// volumes, pods on different nodes reach each other by IP through routed nodes without NAT, restarts back
// off, probes gate readiness, deployments scale and move off a dead node, bad manifests leave nothing.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@kubelab/api';
import { repoRoot } from '../support/cli';
import { docker, eventually } from '../support/docker';
import { podReady, startCluster, type TestCluster } from '../support/cluster';

const example = (f: string): string => path.join(repoRoot, 'examples', f);
let c: TestCluster;
const workers = ['kltest-pods-worker', 'kltest-pods-worker2'];

function toolboxPod(name: string, node: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { nodeName: node, containers: [{ name: 'main', image: 'kubelab/toolbox:latest', ...extra }] },
  });
}

function echoPod(name: string, node: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { nodeName: node, containers: [{ name: 'echo', image: 'kubelab/echo:latest', ports: [{ containerPort: 8080 }] }] },
  });
}

describe('pods and the routed pod network', () => {
  beforeAll(async () => {
    c = await startCluster('kltest-pods', {
      env: {
        KUBELAB_HEARTBEAT_MS: '1000',
        KUBELAB_NODE_GRACE_PERIOD_MS: '6000',
        KUBELAB_POD_EVICTION_TIMEOUT_MS: '2000',
        KUBELAB_BACKOFF_BASE_MS: '1000',
      },
    });
  });
  afterAll(async () => {
    await c?.down();
  });

  it('a sidecar reaches its web container on localhost and both see one emptyDir', async () => {
    expect(await c.run(['apply', '-f', example('web-sidecar.yaml')])).toContain('pod/web created');
    await c.waitReady('web');
    const body = await c.run(['exec', 'web', '-c', 'sidecar', '--', 'wget', '-qO-', 'http://localhost:8080/']);
    expect(body).toContain('Hostname: web');
    const shared = await eventually('the sidecar to write into the shared volume', async () => {
      const r = await c.try(['exec', 'web', '-c', 'web', '--', 'cat', '/shared/last-response.txt']);
      return r.code === 0 && r.stdout.includes('GET /from-sidecar') ? r.stdout : undefined;
    });
    // The sidecar's request came from localhost: same network namespace.
    expect(shared).toMatch(/RemoteAddr: 127\.0\.0\.1:\d+/);
    const web = await c.pod('web');
    expect(web.status?.containerStatuses?.map((s) => s.name).sort()).toEqual(['sidecar', 'web']);
    expect(web.status?.podIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
  });

  it('an init container writes the page the app serves', async () => {
    await c.run(['apply', '-f', example('init-container.yaml')]);
    const page = await c.waitReady('page');
    expect(page.status?.initContainerStatuses?.[0].state.terminated?.exitCode).toBe(0);
    const served = await c.run(['exec', 'page', '--', 'wget', '-qO-', 'http://localhost:8080/']);
    expect(served.trim()).toBe('hello from the init container');
  });

  it('pods on different nodes reach each other by IP, routed through both nodes, without NAT', async () => {
    await c.run(['apply', '-f', '-'], echoPod('server', workers[1]));
    await c.run(['apply', '-f', '-'], toolboxPod('client', workers[0]));
    const server = await c.waitReady('server');
    const client = await c.waitReady('client');
    expect(server.spec.nodeName).not.toBe(client.spec.nodeName);
    expect(server.status?.podIP?.split('.').slice(0, 3)).not.toEqual(client.status?.podIP?.split('.').slice(0, 3));

    const answer = await c.run(['exec', 'client', '--', 'wget', '-qO-', `http://${server.status!.podIP}:8080/`]);
    expect(answer).toContain(`Hostname: server`);
    expect(answer).toContain(`RemoteAddr: ${client.status!.podIP}:`);

    // Linux starts at TTL 64; the reply crosses the server's node and the client's node: 62.
    const ping = await c.run(['exec', 'client', '--', 'ping', '-c', '2', '-W', '2', server.status!.podIP!]);
    expect(ping).toMatch(/ttl=62/);

    const wide = await c.run(['get', 'pods', '-o', 'wide']);
    expect(wide.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    expect(wide).toMatch(
      new RegExp(`server\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${server.status!.podIP!.replace(/\./g, '\\.')}\\s+${workers[1]}`),
    );
  });

  it("every pod's resolv.conf points at the cluster DNS with the Kubernetes search path", async () => {
    const resolv = await c.run(['exec', 'client', '--', 'cat', '/etc/resolv.conf']);
    expect(resolv).toContain('nameserver 10.96.0.10');
    expect(resolv).toContain('search default.svc.cluster.local svc.cluster.local cluster.local');
    expect(resolv).toContain('options ndots:5');
  });

  it('accepts fields kubelab does not model and reports them as warnings', async () => {
    const r = await c.try(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'fancy' },
        spec: {
          priorityClassName: 'high',
          containers: [{ name: 'main', image: 'kubelab/toolbox:latest', securityContext: { runAsNonRoot: false } }],
        },
      }),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pod/fancy created');
    expect(r.stderr).toMatch(/^Warning: .*priorityClassName/m);
    await c.waitReady('fancy');
    await c.run(['delete', 'pod', 'fancy']);
  });

  it('get -w prints a row for each change', async () => {
    const { spawn } = await import('node:child_process');
    const watcher = spawn(process.execPath, [
      path.join(repoRoot, 'packages/cli/bin/kubelab.mjs'),
      '--cluster',
      c.name,
      'get',
      'pods',
      '-w',
      '-l',
      'app=watched',
    ]);
    let out = '';
    let err = '';
    watcher.stdout.on('data', (d) => (out += d));
    watcher.stderr.on('data', (d) => (err += d));
    try {
      // The watch has listed (and found nothing) before the pod exists, so its first state is seen.
      await eventually('the watch to start', async () => (err.includes('No resources found') ? true : undefined), 30_000, 100);
      await c.run(['run', 'watched', '--image=kubelab/toolbox:latest', '--labels=app=watched']);
      await eventually('a Running row in the watch output', async () => (/watched\s+1\/1\s+Running/.test(out) ? true : undefined), 30_000);
      expect(out).toMatch(/watched\s+0\/1\s+(Pending|ContainerCreating)/);
      expect(out.match(/^NAME\s+READY/gm)?.length ?? 0).toBeLessThanOrEqual(1);
    } finally {
      watcher.kill();
    }
    await c.run(['delete', 'pod', 'watched']);
  });

  it('a failing init container under restartPolicy Never fails the pod (Init:Error)', async () => {
    await c.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'badinit' },
        spec: {
          restartPolicy: 'Never',
          initContainers: [{ name: 'setup', image: 'kubelab/toolbox:latest', command: ['sh', '-c', 'exit 2'] }],
          containers: [{ name: 'main', image: 'kubelab/toolbox:latest' }],
        },
      }),
    );
    const p = await c.waitPod('badinit', 'Failed', (x) => x.status?.phase === 'Failed');
    expect(p.status?.initContainerStatuses?.[0].state.terminated?.exitCode).toBe(2);
    expect(p.status?.conditions?.find((x) => x.type === 'Initialized')?.status).toBe('False');
    expect(await c.run(['get', 'pod', 'badinit'])).toMatch(/badinit\s+0\/1\s+Init:Error\s+0/);
    await c.run(['delete', 'pod', 'badinit']);
  });

  it('two pods on one node bind the same port', async () => {
    await c.run(['apply', '-f', '-'], echoPod('twin-a', workers[0]));
    await c.run(['apply', '-f', '-'], echoPod('twin-b', workers[0]));
    const a = await c.waitReady('twin-a');
    const b = await c.waitReady('twin-b');
    expect(a.status?.podIP).not.toBe(b.status?.podIP);
    for (const [p, name] of [
      [a, 'twin-a'],
      [b, 'twin-b'],
    ] as const) {
      expect(await c.run(['exec', 'client', '--', 'wget', '-qO-', `http://${p.status!.podIP}:8080/`])).toContain(`Hostname: ${name}`);
    }
  });

  it('a recreated pod gets a new IP', async () => {
    const old = await c.pod('twin-b');
    const before = old.status!.podIP;
    expect(await c.run(['delete', 'pod', 'twin-b'])).toContain('pod "twin-b" deleted');
    // Deleting a pod removes all its containers, the pause container included.
    await eventually(
      'the old pod containers to be removed',
      async () => {
        const left = await docker.listContainers({ all: true, filters: { label: [`kubelab.pod-uid=${old.metadata.uid}`] } });
        return left.length === 0 ? true : undefined;
      },
      30_000,
    );
    await c.run(['apply', '-f', '-'], echoPod('twin-b', workers[0]));
    const after = await c.waitReady('twin-b');
    expect(after.status?.podIP).toBeTruthy();
    expect(after.status?.podIP).not.toBe(before);
  });

  it('a crashing container restarts with back-off (CrashLoopBackOff) and logs --previous shows the last run', async () => {
    await c.run(['run', 'crasher', '--image=kubelab/toolbox:latest', '--', 'sh', '-c', 'echo crashing now; exit 3']);
    const p = await c.waitPod('crasher', 'restarted twice', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 90_000);
    expect(p.status?.containerStatuses?.[0].lastState?.terminated?.exitCode).toBe(3);
    const shown = await eventually('CrashLoopBackOff in get pods', async () => {
      const out = await c.run(['get', 'pod', 'crasher']);
      return /crasher\s+0\/1\s+CrashLoopBackOff\s+\d+/.test(out) ? out : undefined;
    });
    expect(shown).toMatch(/CrashLoopBackOff/);
    expect(await c.run(['logs', 'crasher', '--previous'])).toContain('crashing now');
  });

  it('a failing readiness probe keeps the pod running but not Ready', async () => {
    await c.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'unready' },
        spec: {
          containers: [
            {
              name: 'echo',
              image: 'kubelab/echo:latest',
              readinessProbe: { httpGet: { path: '/status/503', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
            },
          ],
        },
      }),
    );
    const p = await c.waitPod(
      'unready',
      'Running',
      (x) => x.status?.phase === 'Running' && x.status?.containerStatuses?.[0]?.state.running !== undefined,
    );
    await new Promise((r) => setTimeout(r, 3000));
    const later = await c.pod('unready');
    expect(podReady(later)).toBe(false);
    expect(later.status?.containerStatuses?.[0].ready).toBe(false);
    expect(later.status?.containerStatuses?.[0].restartCount).toBe(0);
    expect(p.metadata.name).toBe('unready');
    expect(await c.run(['get', 'pod', 'unready'])).toMatch(/unready\s+0\/1\s+Running\s+0/);
  });

  it('exec returns the exit code and logs show the container output', async () => {
    const r = await c.try(['exec', 'client', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err');
    await c.run(['exec', 'client', '--', 'wget', '-qO-', `http://${(await c.pod('server')).status!.podIP}:8080/logged`]);
    const logs = await eventually('the request in the server log', async () => {
      const out = await c.run(['logs', 'server']);
      return out.includes('/logged') ? out : undefined;
    });
    expect(logs).toContain('/logged');
  });

  it('a deployment scales 1 -> 5 -> 2, spread over both workers', async () => {
    expect(await c.run(['create', 'deployment', 'spread', '--image=kubelab/echo:latest', '--replicas=1'])).toContain(
      'deployment.apps/spread created',
    );
    await c.run(['rollout', 'status', 'deployment/spread', '--timeout=90s']);
    expect(await c.run(['scale', 'deployment/spread', '--replicas=5'])).toContain('deployment.apps/spread scaled');
    const five = await eventually(
      '5 ready replicas',
      async () => {
        const ps = (await c.pods('app=spread')).filter(podReady);
        return ps.length === 5 ? ps : undefined;
      },
      90_000,
    );
    expect(new Set(five.map((p) => p.spec.nodeName))).toEqual(new Set(workers));
    expect(new Set(five.map((p) => p.status?.podIP)).size).toBe(5);
    await c.run(['scale', 'deployment/spread', '--replicas=2']);
    await eventually('2 replicas', async () => ((await c.pods('app=spread')).length === 2 ? true : undefined));
    expect(await c.run(['get', 'deployment', 'spread'])).toMatch(/spread\s+2\/2\s+2\s+2\s+/);
  });

  it('env comes from values, ConfigMaps, Secrets and the downward API; command and args map like Kubernetes', async () => {
    await c.run(['create', 'configmap', 'settings', '--from-literal=GREETING=hello', '--from-literal=COLOR=blue']);
    await c.run(['create', 'secret', 'generic', 'creds', '--from-literal=TOKEN=s3cr3t']);
    await c.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'envy' },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'kubelab/toolbox:latest',
              command: ['sh', '-c'],
              args: ['echo "$(GREETING) $COLOR $TOKEN $MY_POD $MY_IP" > /tmp/env.txt; sleep 3600'],
              workingDir: '/tmp',
              env: [
                { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'GREETING' } } },
                { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'TOKEN' } } },
                { name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              ],
              envFrom: [{ configMapRef: { name: 'settings' } }],
            },
          ],
        },
      }),
    );
    const p = await c.waitReady('envy');
    const line = await eventually('the env file', async () => {
      const r = await c.try(['exec', 'envy', '--', 'cat', 'env.txt']);
      return r.code === 0 ? r.stdout.trim() : undefined;
    });
    expect(line).toBe(`hello blue s3cr3t envy ${p.status!.podIP}`);
  });

  it('leaves an unschedulable pod Pending with an event that says why', async () => {
    await c.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'picky' },
        spec: { nodeSelector: { disktype: 'ssd' }, containers: [{ name: 'main', image: 'kubelab/toolbox:latest' }] },
      }),
    );
    const described = await eventually('a FailedScheduling event', async () => {
      const out = await c.run(['describe', 'pod', 'picky']);
      return out.includes('FailedScheduling') ? out : undefined;
    });
    expect(described).toMatch(/0\/3 nodes are available: .*2 node\(s\) didn't match Pod's node affinity\/selector/);
    expect((await c.pod('picky')).status?.phase).toBe('Pending');
    expect(await c.run(['get', 'pod', 'picky'])).toMatch(/picky\s+0\/1\s+Pending\s+0/);
    await c.run(['delete', 'pod', 'picky']);
  });

  it('a template change rolls the deployment to a new ReplicaSet', async () => {
    const manifest = (version: string): string =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'roll' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'roll' } },
          template: {
            metadata: { labels: { app: 'roll' } },
            spec: { containers: [{ name: 'echo', image: 'kubelab/echo:latest', env: [{ name: 'VERSION', value: version }] }] },
          },
        },
      });
    expect(await c.run(['apply', '-f', '-'], manifest('v1'))).toContain('deployment.apps/roll created');
    await c.run(['rollout', 'status', 'deployment/roll', '--timeout=90s']);
    const firstPods = (await c.pods('app=roll')).map((p) => p.metadata.name);
    expect(await c.run(['apply', '-f', '-'], manifest('v2'))).toContain('deployment.apps/roll configured');
    expect(await c.run(['rollout', 'status', 'deployment/roll', '--timeout=90s'])).toContain('deployment "roll" successfully rolled out');
    const rs = await c.run(['get', 'rs', '-l', 'app=roll']);
    expect(rs).toMatch(/roll-\w+\s+3\s+3\s+3/);
    expect(rs).toMatch(/roll-\w+\s+0\s+0\s+0/);
    const now = await eventually('only new pods left', async () => {
      const ps = await c.pods('app=roll');
      return ps.length === 3 && ps.every((p) => !firstPods.includes(p.metadata.name)) ? ps : undefined;
    });
    const env = await c.run(['exec', now[0].metadata.name!, '--', 'sh', '-c', 'echo $VERSION']);
    expect(env.trim()).toBe('v2');
    await c.run(['delete', 'deployment', 'roll']);
    await eventually('cascading delete of the pods', async () => ((await c.pods('app=roll')).length === 0 ? true : undefined));
  });

  it('a failing liveness probe restarts the container', async () => {
    await c.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'sickly' },
        spec: {
          // sh as PID 1 ignores SIGTERM: the delete below would wait out the default 30 s grace period.
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: 'main',
              image: 'kubelab/toolbox:latest',
              command: ['sh', '-c', 'touch /tmp/alive; sleep 3600'],
              livenessProbe: { exec: { command: ['cat', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 2 },
            },
          ],
        },
      }),
    );
    await c.waitReady('sickly');
    await c.run(['exec', 'sickly', '--', 'rm', '/tmp/alive']);
    const p = await c.waitPod('sickly', 'restarted by liveness', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 60_000);
    expect(p.status?.containerStatuses?.[0].restartCount).toBeGreaterThanOrEqual(1);
    const described = await c.run(['describe', 'pod', 'sickly']);
    expect(described).toMatch(/Unhealthy .*Liveness probe failed/);
    await c.run(['delete', 'pod', 'sickly']);
  });

  it('an image that cannot be pulled shows ErrImagePull / ImagePullBackOff with the reason', async () => {
    // A registry on loopback that refuses at once: the pull fails without any traffic leaving the machine.
    await c.run(['run', 'nopull', '--image=127.0.0.1:1/nothing:1']);
    const p = await c.waitPod('nopull', 'an image pull error', (x) =>
      /ErrImagePull|ImagePullBackOff/.test(x.status?.containerStatuses?.[0]?.state.waiting?.reason ?? ''),
    );
    expect(p.status?.containerStatuses?.[0].state.waiting?.message).toMatch(/127\.0\.0\.1:1/);
    expect(await c.run(['get', 'pod', 'nopull'])).toMatch(/nopull\s+0\/1\s+(ErrImagePull|ImagePullBackOff)/);
    await c.run(['delete', 'pod', 'nopull']);
  });

  it('a node agent restart adopts the pods it runs instead of recreating them', async () => {
    const before = await c.pod('server');
    const ids = before.status?.containerStatuses?.map((s) => s.containerID);
    await docker.getContainer(before.spec.nodeName!).restart({ t: 2 });
    await eventually(
      'the node Ready again',
      async () => (await c.run(['get', 'node', before.spec.nodeName!])).match(/\sReady\s/) ?? undefined,
    );
    const after = await c.waitReady('server');
    expect(after.status?.podIP).toBe(before.status?.podIP);
    expect(after.status?.containerStatuses?.map((s) => s.containerID)).toEqual(ids);
    expect(after.status?.containerStatuses?.[0].restartCount).toBe(0);
  });

  it('pods of a stopped node are replaced on the other worker', async () => {
    await c.run(['scale', 'deployment/spread', '--replicas=4']);
    await eventually(
      '4 ready replicas',
      async () => ((await c.pods('app=spread')).filter(podReady).length === 4 ? true : undefined),
      90_000,
    );
    const victim = workers[1];
    await docker.getContainer(victim).stop({ t: 1 });
    try {
      const moved = await eventually(
        `all 4 replicas Ready on ${workers[0]}`,
        async () => {
          const ps = (await c.pods('app=spread')).filter(podReady);
          return ps.length === 4 && ps.every((p: Pod) => p.spec.nodeName === workers[0]) ? ps : undefined;
        },
        120_000,
        500,
      );
      expect(moved).toHaveLength(4);
      expect(await c.run(['get', 'nodes'])).toMatch(new RegExp(`${victim}\\s+NotReady`));
    } finally {
      await docker
        .getContainer(victim)
        .start()
        .catch(() => {});
    }
  });

  it('refuses bad manifests with errors naming the field, and leaves nothing behind', async () => {
    const before = (await c.pods()).map((p) => p.metadata.name).sort();
    const cases: [string, RegExp][] = [
      ['apiVersion: v1\nkind: Gizmo\nmetadata: {name: g}\n', /no matches for kind "Gizmo" in version "v1"/],
      [
        'apiVersion: v1\nkind: Pod\nmetadata: {name: noimage}\nspec: {containers: [{name: a}]}\n',
        /spec\.containers\[0\]\.image: Required value/,
      ],
      [
        'apiVersion: v1\nkind: Pod\nmetadata: {name: badport}\nspec: {containers: [{name: a, image: kubelab/echo:latest, ports: [{containerPort: 70000}]}]}\n',
        /spec\.containers\[0\]\.ports\[0\]\.containerPort: Invalid value: 70000/,
      ],
      [
        'apiVersion: v1\nkind: Pod\nmetadata: {name: badlabel, labels: {app: "no spaces allowed"}}\nspec: {containers: [{name: a, image: kubelab/echo:latest}]}\n',
        /metadata\.labels\[app\]: Invalid value: "no spaces allowed"/,
      ],
      [
        'apiVersion: v1\nkind: Pod\nmetadata: {name: dup}\nspec: {containers: [{name: a, image: kubelab/echo:latest}, {name: a, image: kubelab/echo:latest}]}\n',
        /spec\.containers\[1\]\.name: Duplicate value: "a"/,
      ],
    ];
    for (const [manifest, message] of cases) {
      const r = await c.try(['apply', '-f', '-'], manifest);
      expect(r.code, manifest).toBe(1);
      expect(r.stderr, manifest).toMatch(message);
    }
    expect((await c.pods()).map((p) => p.metadata.name).sort()).toEqual(before);
    for (const name of ['g', 'noimage', 'badport', 'badlabel', 'dup']) {
      const left = await docker.listContainers({ all: true, filters: { label: ['kubelab.cluster=kltest-pods', `kubelab.pod=${name}`] } });
      expect(left, name).toEqual([]);
    }
    expect((await c.client.raw<string>('GET', '/readyz')).object).toBe('ok');
  });
});
