// The README's walk-through, run as written (one bash script, `npx kubelab ...` lines untouched), against a
// test cluster selected through KUBELAB_CLUSTER, so a learner typing it sees what this test sees.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCluster } from '@kubelab/cluster';
import { kubelab, kubelabOk, repoRoot } from '../support/cli';
import { markedBlock, walkthrough } from '../support/readme';

const run = promisify(execFile);
/** kubectl on the PATH (the kubectl walk-through is skipped, saying so, where there is none). */
const hasKubectl = (process.env.PATH ?? '').split(path.delimiter).some((d) => existsSync(path.join(d, 'kubectl')));
if (!hasKubectl) console.log('README kubectl walk-through: no kubectl on the PATH: skipped');
const name = 'kltest-readme';

describe('README walk-through', () => {
  beforeAll(async () => {
    await kubelabOk(['cluster', 'up', '--name', name]);
  });
  afterAll(async () => {
    await kubelab(['cluster', 'down', '--name', name]);
  });

  it('works as typed', async () => {
    const script = walkthrough(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
    expect(script).toContain('npx kubelab apply -f examples/web-sidecar.yaml');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repoRoot,
      env: { ...process.env, KUBELAB_CLUSTER: name },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    // The sidecar's wget over localhost, and the file it left in the shared volume.
    expect(stdout).toContain('Hostname: web');
    expect(stdout).toContain('GET /from-sidecar HTTP/1.1');
    // The echo server saw the client's pod IP, which the jsonpath line printed on its own.
    const remote = stdout.match(/RemoteAddr: (10\.\d+\.\d+\.\d+):\d+/)?.[1];
    expect(remote).toBeTruthy();
    expect(stdout.split('\n')).toContain(remote);
    expect(stdout).toMatch(/ttl=6[23]/);
    expect(stdout).toContain('deployment.apps/echo scaled');
    expect(stdout).toContain('deployment "echo" successfully rolled out');
    expect(stdout).toMatch(/pod "web" deleted/);
  });

  it('the DNS walk-through works as typed', async () => {
    const script = markedBlock(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), 'walkthrough-dns');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repoRoot,
      env: { ...process.env, KUBELAB_CLUSTER: name },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    expect(stdout.match(/^coredns-\S+\s+1\/1\s+Running/gm)).toHaveLength(2);
    // nslookup of the short and the full name both end at the Service's full name and ClusterIP.
    expect(stdout.match(/Name:\s+echo\.default\.svc\.cluster\.local\nAddress: 10\.\d+\.\d+\.\d+/g)).toHaveLength(2);
    expect(stdout).toContain('Hostname: echo-');
    // The headless Service: one line per ready echo pod (3 replicas).
    expect(stdout.match(/^10\.\d+\.\d+\.\d+$/gm)?.length).toBeGreaterThanOrEqual(3);
    expect(stdout).toContain('0 100 80 echo.default.svc.cluster.local.');
    expect(stdout).toMatch(/in-addr\.arpa\s+name = \d+-\d+-\d+-\d+\.default\.pod\.cluster\.local\./);
    expect(stdout).toContain('status: REFUSED');
  });

  it('the Services walk-through works as typed', async () => {
    const script = markedBlock(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), 'walkthrough-services');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repoRoot,
      env: { ...process.env, KUBELAB_CLUSTER: name },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    expect(stdout).toContain('service/echo exposed');
    // The spread: more than one pod answered the ten requests to one ClusterIP.
    expect(new Set(stdout.match(/^Hostname: echo-\S+$/gm)).size).toBeGreaterThan(1);
    expect(stdout).toMatch(/-A KUBE-SERVICES .*default\/echo cluster IP/);
    expect(stdout).toMatch(/-A KUBE-SVC-[A-Z2-7]{16} .*-m statistic --mode random --probability 0\.33/);
    expect(stdout).toMatch(/-j DNAT --to-destination 10\.\d+\.\d+\.\d+:8080/);
    expect(stdout).toMatch(/curl: \(7\) Failed to connect/);
    // The NodePort from this machine: between the second rollout and the clean-up.
    const nodePortPart = stdout.slice(stdout.lastIndexOf('successfully rolled out'), stdout.indexOf('service "echo" deleted'));
    expect(nodePortPart).toContain('service/echo-nodeport exposed');
    expect(nodePortPart).toMatch(/^Hostname: echo-/m);
    // service --url: its URL answered from this machine too (two Hostname lines in that part, one per path).
    expect(nodePortPart.match(/^Hostname: echo-/gm)?.length).toBe(2);
  });

  it.skipIf(!hasKubectl)('the kubectl walk-through works as typed (the kubeconfig context cluster up made current)', async () => {
    const script = markedBlock(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), 'walkthrough-kubectl');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repoRoot,
      env: { ...process.env, KUBELAB_CLUSTER: name },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    expect(stdout.split('\n')[0]).toBe(`kubelab-${name}`);
    expect(stdout).toMatch(new RegExp(`^${name}-worker\\s+Ready`, 'm'));
    expect(stdout).toContain('deployment "hello" successfully rolled out');
    expect(stdout).toMatch(/^hello-\S+\s+1\/1\s+Running/m);
    expect(stdout).toContain('configmap/hello serverside-applied');
    expect(stdout).toContain('refused: kubectl-patch owns data.greeting now');
    expect(stdout.split('\n')).toContain('hi');
    // port-forward reached the pod's own localhost, as the kubelet's does.
    expect(stdout).toMatch(/^Hostname: hello-/m);
    expect(stdout).toMatch(/^RemoteAddr: 127\.0\.0\.1:\d+$/m);
    expect(stdout).toContain('deployment.apps "hello" deleted');
  });

  it('the NetworkPolicy walk-through works as typed', async () => {
    const script = markedBlock(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), 'walkthrough-netpol');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repoRoot,
      env: { ...process.env, KUBELAB_CLUSTER: name },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    const [open, denied, allowed] = stdout.split('networkpolicy.networking.k8s.io/');
    // Before any policy both clients got through; under default deny the frontend timed out.
    expect(open.match(/^Hostname: backend$/gm)).toHaveLength(2);
    expect(denied).toMatch(/curl: \(28\)/);
    // The drop, named: the frontend's connection to the backend's port, denied by the backend's isolation.
    expect(denied).toMatch(
      /default\/frontend \(10\.\d+\.\d+\.\d+\)\s+default\/backend \(10\.\d+\.\d+\.\d+\)\s+8080\/TCP\s+ingress of default\/backend \[default-deny\]/,
    );
    // Allowed: the frontend gets in, the other client still times out.
    expect(allowed).toMatch(/^Hostname: backend$/m);
    expect(allowed).toMatch(/curl: \(28\)/);
    expect(stdout).toContain(
      '  PodSelector:     app=backend\n  Allowing ingress traffic:\n    To Port: http/TCP\n    From:\n      PodSelector: role=frontend\n',
    );
    expect(Number(/Name:\s+allow-frontend[\s\S]*?Allowed:\s+(\d+)/.exec(stdout)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/Name:\s+default-deny[\s\S]*?Dropped:\s+(\d+)/.exec(stdout)?.[1])).toBeGreaterThanOrEqual(2);
  });

  it('the etcd walk-through works as typed', async () => {
    const script = markedBlock(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), 'walkthrough-etcd');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repoRoot,
      env: { ...process.env, KUBELAB_CLUSTER: name },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    expect(stdout.split('\n')).toContain('/registry/pods/default/web');
    expect(stdout).toContain('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"');
    // The resourceVersion the API printed is the key's ModRevision.
    const rv = /^(\d+)$/m.exec(stdout)?.[1];
    expect(rv).toBeTruthy();
    expect(stdout).toContain(`"ModRevision" : ${rv}`);
    expect(stdout).toMatch(/^1$/m);
    expect(stdout).toContain('pod web is gone');
  });

  it('the Ingress walk-through works as typed', async () => {
    // The block names the default host ports; a cluster made while 8080/8443 were taken would have others.
    const info = await findCluster(name);
    expect(info?.ingress, 'the readme cluster got the default ingress ports 8080/8443 (is another cluster holding them?)').toEqual({
      httpPort: 8080,
      httpsPort: 8443,
    });
    const script = markedBlock(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), 'walkthrough-ingress');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repoRoot,
      env: { ...process.env, KUBELAB_CLUSTER: name },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    expect(stdout).toMatch(/^ingress-nginx-controller-\S+\s+1\/1\s+Running/m);
    expect(stdout).toMatch(/^nginx\s+k8s\.io\/ingress-nginx/m);
    expect(stdout).toMatch(/^apps\s+nginx\s+app\.localhost\s+localhost\s+80\s/m);
    expect(stdout).toMatch(/^Hostname: app1-/m);
    expect(stdout).toMatch(/^GET \/app2\/some\/page HTTP\/1.1$/m);
    expect(stdout.split('\n')).toContain('404');
    expect(stdout).toMatch(/\/app1\s+app1:80 \(10\.\d+\.\d+\.\d+:8080,10\.\d+\.\d+\.\d+:8080\)/);
    // The rewrite: app2 saw /v1/users.
    expect(stdout).toMatch(/^GET \/v1\/users HTTP\/1.1$/m);
    expect(stdout).toContain('secret/app-tls created');
    expect(stdout).toMatch(/^HTTP\/1.1 308 Permanent Redirect/m);
    expect(stdout).toMatch(/^location: https:\/\/app\.localhost:8443\/app1/im);
    expect(stdout).toMatch(/"host":"app\.localhost","path":"\/app1","status":308/);
  });

  it('the troubleshooting walk-through works as typed', async () => {
    const script = markedBlock(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), 'walkthrough-troubleshoot');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repoRoot,
      env: { ...process.env, KUBELAB_CLUSTER: name },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    const fixedAt = stdout.indexOf('service/web configured');
    const [broken, fixed] = [stdout.slice(0, fixedAt), stdout.slice(fixedAt)];
    expect(broken).toMatch(/curl: \(7\) Failed to connect/);
    expect(broken).toMatch(/REJECTED at filter:KUBE-SERVICES:\d+ on \S+ by Service shop\/web has no endpoints/);
    expect(broken).toContain('✗ Service shop/web: selector app=wbe matches no pod, so it has no endpoints');
    expect(broken).toContain('pods in shop have app=web');
    expect(fixed).toMatch(/nat:KUBE-SEP-\S+\s+\+1\s+-p tcp -m tcp -j DNAT --to-destination 10\.\d+\.\d+\.\d+:8080\s+Service shop\/web/);
    expect(fixed).toMatch(/DELIVERED to shop\/web-\S+ on \S+ \(DNAT 10\.\d+\.\d+\.\d+:80 -> 10\.\d+\.\d+\.\d+:8080\)/);
    expect(fixed).toContain('✓ Service shop/web: 2 Ready pods behind app=web');
    // The resolver's search path for "web.shop": the namespace's own domain first (NXDOMAIN), then svc.
    expect(fixed).toMatch(/web\.shop\.shop\.svc\.cluster\.local\.\s+NXDOMAIN/);
    expect(fixed).toMatch(/A\s+web\.shop\.svc\.cluster\.local\.\s+NOERROR\s+\S+\s+coredns-\S+\s+A 10\./);
    expect(stdout).toContain('namespace "shop" deleted');
  });

  it('the workshop walk-through works as typed', async () => {
    const script = markedBlock(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), 'walkthrough-workshop');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repoRoot,
      env: { ...process.env, KUBELAB_CLUSTER: name },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    // The map: served on 127.0.0.1:8001, and the netem delay shows on the pod (issue 15 item 1).
    expect(stdout).toMatch(/^Serving the cluster map of "\S+" at http:\/\/127\.0\.0\.1:8001\/ \(Ctrl-C to stop\)$/m);
    expect(stdout).toContain('"netem":["delay 100ms to pod default/ping-b"');
    expect(stdout).toMatch(/^broken-selector\s+3\s+5\s+A Service that reaches nothing$/m);
    // Before the solution: the failing check, its hint, and the probe's answer quoted.
    expect(stdout).toContain('✗ the client reaches web through the Service (3 points)');
    expect(stdout).toContain('hint: a Service sends traffic to the pods its selector matches');
    expect(stdout).toMatch(/\| client -> http:\/\/web:80: 0\/3 answered/);
    expect(stdout).toContain('broken-selector: 1/5 points');
    expect(stdout).toContain('broken-selector: 5/5 points — solved');
    expect(stdout).toContain('lab namespace lab-broken-selector deleted');
    // MECHANISM: tc netem where the kernel has sch_netem, else the emulation with what tc said.
    expect(stdout).toMatch(/^pod default\/ping-a\s+pod default\/ping-b\s+delay 100ms\s+yes\s+(tc netem|emulated \(tc: .+\))$/m);
    // 100 ms each way: a round trip of about 200 ms; after heal, back to well under a millisecond or two.
    const rtts = [...stdout.matchAll(/^rtt min\/avg\/max\/mdev = [\d.]+\/([\d.]+)\//gm)].map((m) => Number(m[1]));
    expect(rtts).toHaveLength(2);
    expect(rtts[0]).toBeGreaterThan(190);
    expect(rtts[0]).toBeLessThan(260);
    expect(stdout).toContain('no answer while partitioned');
    expect(rtts[1]).toBeLessThan(20);
    expect(stdout).toContain('pod "ping-b" deleted');
  });

  it('the RBAC walk-through works as typed', async () => {
    const script = markedBlock(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), 'walkthrough-rbac');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repoRoot,
      env: { ...process.env, KUBELAB_CLUSTER: name },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    expect(stdout).toMatch(/^Username\s+kubelab-admin$/m);
    expect(stdout).toContain('ca.crt\nnamespace\ntoken\n');
    expect(stdout).toContain(
      'pods is forbidden: User \\"system:serviceaccount:default:reader\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"default\\"',
    );
    expect(stdout).toContain('rolebinding.rbac.authorization.k8s.io/reader-view created');
    // can-i: no, yes, then 200 from the pod, then no (secrets), no (delete), no (kube-system), yes (one pod's log).
    expect(stdout.match(/^(yes|no|200)$/gm)).toEqual(['no', 'yes', '200', 'no', 'no', 'no', 'yes']);
    expect(stdout).toContain('pods is forbidden: User \\"system:anonymous\\" cannot list resource \\"pods\\"');
    expect(stdout).toContain('pod "reader" deleted');
  });
});
