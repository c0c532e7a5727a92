// Issue 9 end to end: the real kubectl (the newest on the machine, and 1.31) against a kubelab cluster through
// the kubeconfig context `cluster up` wrote (KUBECONFIG is a temporary file for the whole test run): run,
// logs -f, exec exit codes, port-forward, drain, graceful delete seen as Terminating, auth can-i, describe
// node's Lease; then @kubernetes/client-node's Exec, Log and PortForward; cluster down removes the context.
import { readFileSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, type Pod } from '@kubelab/api';
import { kubelabOk, testKubeconfig } from '../support/cli';
import { podReady, startCluster, type TestCluster } from '../support/cluster';
import { eventually } from '../support/docker';
import { installedKubectls, kubectl, kubectlOk, kubectlStart, type Kubectl } from '../support/kubectl';

const name = 'kltest-kubectl-streams';
const context = `kubelab-${name}`;
const all = installedKubectls();
const newest = all[0];
const v131 = all.find((k) => k.version === '1.31');
const versions: Kubectl[] = [newest, ...(v131 && v131 !== newest ? [v131] : [])].filter(Boolean);
if (versions.length === 0) console.log('kubectl-streams: skipped, no kubectl is installed on this machine');

let c: TestCluster;

const drainerPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'drainer' },
  spec: {
    terminationGracePeriodSeconds: 30,
    containers: [
      {
        name: 'main',
        image: 'kubelab/toolbox:latest',
        // Takes 8 s to drain after SIGTERM, well inside its 30 s grace period.
        command: ['sh', '-c', "trap 'echo draining; sleep 8; echo drained; exit 0' TERM; echo started; sleep infinity & wait"],
      },
    ],
  },
};

describe.skipIf(versions.length === 0)('the real kubectl against kubelab', () => {
  beforeAll(async () => {
    c = await startCluster(name, { workers: 2 });
  });

  afterAll(async () => {
    await c?.down();
  });

  it('cluster up merged a current kubelab-NAME context into $KUBECONFIG', async () => {
    const file = testKubeconfig();
    expect(readFileSync(file, 'utf8')).toContain(`name: ${context}`);
    expect((await kubectlOk(newest, context, ['config', 'current-context'])).trim()).toBe(context);
    const nodes = await kubectlOk(newest, context, ['get', 'nodes']);
    expect(nodes).toContain(`${name}-worker2`);
  });

  describe.each(versions)('kubectl $version', (k) => {
    const pod = `web-${k.version.replace('.', '-')}`;

    it('runs a pod and follows its log until a line arrives', async () => {
      await kubectlOk(k, context, ['run', pod, '--image=kubelab/echo:latest', '--port=8080']);
      await kubectlOk(k, context, ['wait', '--for=condition=Ready', `pod/${pod}`, '--timeout=60s']);
      const follow = kubectlStart(k, context, ['logs', '-f', pod]);
      try {
        await follow.waitFor(/echo listening/);
        // A request the follow must show as it happens.
        await kubectlOk(k, context, ['exec', pod, '--', 'wget', '-qO-', 'http://localhost:8080/logged-line']);
        await follow.waitFor(/logged-line/);
      } finally {
        await follow.stop();
      }
      const tail = await kubectlOk(k, context, ['logs', pod, '--tail=1', '--timestamps']);
      expect(tail).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z .*logged-line/);
    });

    it('exec passes stdout, stderr, stdin and the exit code', async () => {
      const r = await kubectl(k, context, ['exec', pod, '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('out\n');
      expect(r.stderr).toContain('err\n');
      expect(r.stderr).toContain('command terminated with exit code 3');
      expect(await kubectlOk(k, context, ['exec', '-i', pod, '--', 'cat'], { input: 'through stdin\n' })).toBe('through stdin\n');
    });

    it('port-forward carries host connections to the pod', async () => {
      const pf = kubectlStart(k, context, ['port-forward', `pod/${pod}`, ':8080']);
      try {
        const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
        const body = await (await fetch(`http://127.0.0.1:${m[1]}/`)).text();
        expect(body).toContain(`Hostname: ${pod}`);
        await pf.waitFor(new RegExp(`Handling connection for ${m[1]}`));
      } finally {
        await pf.stop();
      }
    });
  });

  it("port-forward dials localhost in the pod's network namespace: 127.0.0.1 and 0.0.0.0 servers answer, a pod-IP-only one does not", async () => {
    const servers = [
      "const h=require('http');",
      "h.createServer((q,s)=>s.end('loopback\\n')).listen(9090,'127.0.0.1');",
      "h.createServer((q,s)=>s.end('podip\\n')).listen(9091,process.env.POD_IP);",
      "h.createServer((q,s)=>s.end('any\\n')).listen(9092);",
    ].join('');
    await c.client.create(
      resolveResource('pods')!,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'binds' },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: 'srv',
              image: 'kubelab/echo:latest',
              command: ['node', '-e', servers],
              env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
            },
          ],
        },
      },
      'default',
    );
    await c.waitReady('binds', 60_000);
    for (const [port, want] of [
      [9090, 'loopback\n'],
      [9092, 'any\n'],
    ] as const) {
      const pf = kubectlStart(newest!, context, ['port-forward', 'pod/binds', `:${port}`]);
      try {
        const m = await pf.waitFor(new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${port}`));
        expect(await (await fetch(`http://127.0.0.1:${m[1]}/`)).text()).toBe(want);
      } finally {
        await pf.stop();
      }
    }
    // Bound to the pod IP only: refused inside the namespace, reported as the kubelet words it.
    const pf = kubectlStart(newest!, context, ['port-forward', 'pod/binds', ':9091']);
    try {
      const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 9091/);
      await fetch(`http://127.0.0.1:${m[1]}/`).then(
        (r) => r.text(),
        () => '',
      );
      await pf.waitFor(/failed to connect to localhost:9091 inside namespace .*connection refused/);
    } finally {
      await pf.stop();
    }
  });

  it('auth can-i answers yes; describe node shows the node Lease renewed by its agent', async () => {
    expect((await kubectlOk(newest, context, ['auth', 'can-i', 'create', 'pods'])).trim()).toBe('yes');
    const described = await kubectlOk(newest, context, ['describe', 'node', `${name}-worker`]);
    expect(described).toMatch(new RegExp(`Lease:\\s+HolderIdentity:\\s+${name}-worker`));
    expect(described).toMatch(/RenewTime:\s+\w{3}, \d+ \w{3} \d{4}/);
    const version = await kubectl(newest, context, ['version']);
    expect(version.stdout).toContain('Server Version: v1.33');
    expect(version.stderr).not.toContain('version difference');
  });

  it('drain cordons a node and evicts its pods, which are rescheduled on the other worker', async () => {
    await kubectlOk(newest, context, ['create', 'deployment', 'drained', '--image=kubelab/echo:latest', '--replicas=2']);
    await kubectlOk(newest, context, ['rollout', 'status', 'deployment/drained', '--timeout=60s']);
    const pods = (await c.pods('app=drained')).filter((p) => !p.metadata.deletionTimestamp);
    const target = pods[0].spec.nodeName!;
    const other = [`${name}-worker`, `${name}-worker2`].find((n) => n !== target)!;
    // --force: the bare pods of the tests above may run there too (kubectl refuses pods without a controller).
    const out = await kubectlOk(
      newest,
      context,
      ['drain', target, '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout=90s'],
      {
        timeoutMs: 120_000,
      },
    );
    expect(out).toContain(`node/${target} cordoned`);
    expect(out).toMatch(/evicting pod default\/drained-/);
    expect(out).toContain(`node/${target} drained`);
    await kubectlOk(newest, context, ['rollout', 'status', 'deployment/drained', '--timeout=60s']);
    const after = (await c.pods('app=drained')).filter((p) => !p.metadata.deletionTimestamp);
    expect(after).toHaveLength(2);
    expect(after.every((p) => p.spec.nodeName === other)).toBe(true);
    expect(await kubectlOk(newest, context, ['get', 'node', target])).toContain('SchedulingDisabled');
    await kubectlOk(newest, context, ['uncordon', target]);
  });

  it('delete is graceful: the pod shows Terminating in get -w while its container drains within the grace period', async () => {
    await kubectlOk(newest, context, ['apply', '-f', '-'], { input: JSON.stringify(drainerPod) });
    await kubectlOk(newest, context, ['wait', '--for=condition=Ready', 'pod/drainer', '--timeout=60s']);
    const watch = kubectlStart(newest, context, ['get', 'pods', 'drainer', '-w']);
    try {
      await watch.waitFor(/drainer\s+1\/1\s+Running/);
      const started = Date.now();
      await kubectlOk(newest, context, ['delete', 'pod', 'drainer', '--wait=false']);
      const marked = await c.pod('drainer');
      expect(marked.metadata.deletionTimestamp).toBeTruthy();
      expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
      await watch.waitFor(/drainer\s+\S+\s+Terminating/);
      await eventually(
        'the drained pod to be removed by its kubelet',
        async () => (await c.try(['get', 'pod', 'drainer'])).code !== 0 || undefined,
        40_000,
      );
      const took = Date.now() - started;
      // The container's 8 s drain ran to its end: neither cut at a cap nor stretched to the 30 s grace period.
      expect(took).toBeGreaterThanOrEqual(7_500);
      expect(took).toBeLessThan(25_000);
    } finally {
      await watch.stop();
    }
  });

  describe('@kubernetes/client-node', () => {
    const kc = new k8s.KubeConfig();
    const sink = (): Writable & { text: () => string } => {
      let text = '';
      const w = new Writable({
        write(chunk, _e, done) {
          text += chunk;
          done();
        },
      }) as Writable & { text: () => string };
      w.text = () => text;
      return w;
    };
    let pod: Pod;

    beforeAll(async () => {
      kc.loadFromFile(testKubeconfig());
      kc.setCurrentContext(context);
      await kubectlOk(newest, context, ['run', 'client-web', '--image=kubelab/echo:latest', '--port=8080']);
      pod = await c.waitReady('client-web');
      expect(podReady(pod)).toBe(true);
    });

    it('Exec reports output and the exit code in its status', async () => {
      const out = sink();
      const err = sink();
      const status = await new Promise<k8s.V1Status>((resolve, reject) => {
        new k8s.Exec(kc)
          .exec('default', 'client-web', 'client-web', ['sh', '-c', 'echo hi; exit 4'], out, err, null, false, resolve)
          .catch(reject);
      });
      expect(out.text()).toBe('hi\n');
      expect(status.status).toBe('Failure');
      expect(status.details?.causes?.find((x) => x.reason === 'ExitCode')?.message).toBe('4');
    });

    it('Log reads the container log', async () => {
      // The pod is Ready as soon as its container runs; the server logs its first line a moment later.
      await eventually(
        'the log to show the echo server listening',
        async () => {
          const out = sink();
          await new k8s.Log(kc).log('default', 'client-web', 'client-web', out, { follow: false, tailLines: 5 });
          await new Promise((r) => setTimeout(r, 300));
          return out.text().includes('echo listening') || undefined;
        },
        20_000,
      );
    });

    it('PortForward carries one connection to the pod port', async () => {
      const input = new PassThrough();
      const out = sink();
      const ws = await new k8s.PortForward(kc).portForward('default', 'client-web', [8080], out, null, input);
      input.write('GET / HTTP/1.0\r\n\r\n');
      await eventually(
        'the response through the port-forward',
        async () => out.text().includes('Hostname: client-web') || undefined,
        15_000,
      );
      (ws as { close?: () => void }).close?.();
    });
  });

  it('cluster down removes the context from the kubeconfig', async () => {
    await kubelabOk(['cluster', 'down', '--name', name]);
    const text = readFileSync(testKubeconfig(), 'utf8');
    expect(text).not.toContain(context);
    expect(text).toMatch(/current-context: ""/);
  });
});
