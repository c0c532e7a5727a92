// Issue 6, deliverable 1: pods are untrusted. Through the CLI as a user types it and real containers: the
// subPath symlink escape to the host's /var/run (docker.sock) fails with the pod's error visible, even with a
// sidecar racing to swap the symlink in; a legit subPath (through a symlink inside the volume) and a
// subPathExpr still work; the API refuses privileged containers, host namespaces and SYS_ADMIN with
// Kubernetes' words; NET_ADMIN is accepted and works; hostPath is a private directory of the node.
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@kubelab/api';
import { startCluster, type TestCluster } from '../support/cluster';
import { docker, eventually } from '../support/docker';

const name = 'kltest-hardening-pods';
let c: TestCluster;

/** The Docker containers of one pod of this cluster, with their mounts. */
async function podContainers(pod: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`kubelab.cluster=${name}`, `kubelab.pod=${pod}`] } });
}

const hostRun = (m: { Source: string }): boolean => /^\/(var\/)?run(\/|$)/.test(m.Source);

function waiting(p: Pod, container: string): { reason?: string; message?: string } | undefined {
  return p.status?.containerStatuses?.find((s) => s.name === container)?.state?.waiting as
    | { reason?: string; message?: string }
    | undefined;
}

describe('pods are untrusted', () => {
  beforeAll(async () => {
    c = await startCluster(name, { workers: 1, env: { KUBELAB_BACKOFF_BASE_MS: '1000' } });
  });
  afterAll(async () => {
    await c?.down();
  });

  it('a subPath symlink to the host /var/run fails with CreateContainerConfigError, and docker.sock is never mounted', async () => {
    const manifest = `
apiVersion: v1
kind: Pod
metadata:
  name: escape
spec:
  terminationGracePeriodSeconds: 2
  volumes:
  - name: v
    emptyDir: {}
  initContainers:
  - name: plant
    image: kubelab/toolbox:latest
    command: ["sh", "-c", "ln -s /var/run /v/esc"]
    volumeMounts:
    - name: v
      mountPath: /v
  containers:
  - name: app
    image: kubelab/toolbox:latest
    command: ["sh", "-c", "curl -s --unix-socket /hostrun/docker.sock http://d/_ping; sleep 3600"]
    volumeMounts:
    - name: v
      mountPath: /hostrun
      subPath: esc
`;
    expect(await c.run(['apply', '-f', '-'], manifest)).toContain('pod/escape created');
    const p = await c.waitPod(
      'escape',
      'to report CreateContainerConfigError',
      (x) => waiting(x, 'app')?.reason === 'CreateContainerConfigError',
    );
    expect(waiting(p, 'app')?.message).toBe(
      'failed to prepare subPath for volumeMount "v" of container "app": subPath "esc" resolves outside the volume (a symlink out of it is never followed)',
    );
    expect(await c.run(['get', 'pod', 'escape'])).toMatch(/escape\s+0\/1\s+CreateContainerConfigError/);
    const described = await c.run(['describe', 'pod', 'escape']);
    expect(described).toMatch(/Warning\s+Failed\s+.*Error: failed to prepare subPath for volumeMount "v" of container "app"/);
    // Docker never got the host path: no container of the pod mounts /var/run or /run, and "app" was never created.
    const containers = await podContainers('escape');
    expect(containers.some((x) => x.Labels['kubelab.container'] === 'app')).toBe(false);
    expect(containers.flatMap((x) => x.Mounts ?? []).filter(hostRun)).toEqual([]);
    await c.run(['delete', 'pod', 'escape']);
  });

  it('a sidecar racing to swap a directory for the symlink never gets docker.sock into the app containers', async () => {
    // The flipper renames a directory and a symlink to /var/run in and out of /v/flip as fast as it can; three
    // app containers mount subPath "flip", report what they see and exit, so the kubelet starts them again and
    // again. Without the freeze around resolve-create-start, one in a few starts saw the host's docker.sock.
    const app = (n: string) => `
  - name: ${n}
    image: kubelab/toolbox:latest
    command: ["sh", "-c", "if [ -S /m/docker.sock ]; then echo ESCAPED; else echo contained; fi"]
    volumeMounts:
    - name: v
      mountPath: /m
      subPath: flip`;
    const manifest = `
apiVersion: v1
kind: Pod
metadata:
  name: race
spec:
  terminationGracePeriodSeconds: 2
  volumes:
  - name: v
    emptyDir: {}
  containers:
  - name: flipper
    image: kubelab/toolbox:latest
    command:
    - sh
    - -c
    - mkdir -p /v/d; ln -s /var/run /v/l; while :; do mv -T /v/d /v/flip; mv -T /v/flip /v/d; mv -T /v/l /v/flip; mv -T /v/flip /v/l; done
    volumeMounts:
    - name: v
      mountPath: /v${app('a1')}${app('a2')}${app('a3')}
`;
    await c.run(['apply', '-f', '-'], manifest);
    const starts = new Set<string>();
    const seen: string[] = [];
    await eventually(
      'a dozen starts of the app containers',
      async () => {
        for (const x of await podContainers('race')) {
          if (!/^a\d$/.test(x.Labels['kubelab.container'])) continue;
          starts.add(x.Id);
          expect(x.Mounts.filter(hostRun)).toEqual([]);
          // Read what it saw before the kubelet removes the dead container.
          const logs = await docker
            .getContainer(x.Id)
            .logs({ stdout: true, stderr: true })
            .catch(() => Buffer.from(''));
          seen.push(logs.toString('utf8'));
        }
        return starts.size >= 12;
      },
      120_000,
      500,
    );
    expect(seen.join('')).not.toContain('ESCAPED');
    expect(seen.join('')).toContain('contained');
    // The flipper is frozen only while an app container gets its mounts, then runs on.
    const flipper = (await podContainers('race')).find((x) => x.Labels['kubelab.container'] === 'flipper');
    await eventually('the flipper to run (thawed)', async () => !(await docker.getContainer(flipper!.Id).inspect()).State.Paused, 10_000);
    await c.run(['delete', 'pod', 'race']);
  });

  it('a legit subPath (also through a symlink inside the volume) and a subPathExpr still work, with a writer running', async () => {
    const manifest = `
apiVersion: v1
kind: Pod
metadata:
  name: nested
spec:
  terminationGracePeriodSeconds: 2
  volumes:
  - name: v
    emptyDir: {}
  initContainers:
  - name: prepare
    image: kubelab/toolbox:latest
    command: ["sh", "-c", "mkdir -p /v/data/logs && echo hello > /v/data/logs/greeting && ln -s data /v/in"]
    volumeMounts:
    - name: v
      mountPath: /v
  containers:
  - name: writer
    image: kubelab/toolbox:latest
    command: ["sh", "-c", "while :; do date +%s%N > /v/tick; sleep 0.2; done"]
    volumeMounts:
    - name: v
      mountPath: /v
  - name: app
    image: kubelab/toolbox:latest
    env:
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    volumeMounts:
    - name: v
      mountPath: /logs
      subPath: in/logs
    - name: v
      mountPath: /mine
      subPathExpr: pods/$(POD_NAME)
`;
    await c.run(['apply', '-f', '-'], manifest);
    await c.waitReady('nested');
    expect((await c.run(['exec', 'nested', '-c', 'app', '--', 'cat', '/logs/greeting'])).trim()).toBe('hello');
    await c.run(['exec', 'nested', '-c', 'app', '--', 'sh', '-c', 'echo mine > /mine/note']);
    expect((await c.run(['exec', 'nested', '-c', 'writer', '--', 'cat', '/v/pods/nested/note'])).trim()).toBe('mine');
    // The writer was thawed after the app's start: it keeps writing.
    const tick = async () => (await c.run(['exec', 'nested', '-c', 'writer', '--', 'cat', '/v/tick'])).trim();
    const first = await tick();
    await eventually('the writer to keep writing', async () => (await tick()) !== first, 10_000);
    await c.run(['delete', 'pod', 'nested']);
  });

  it.each([
    ['privileged: true', 'priv', { securityContext: { privileged: true } }, {}, 'spec.containers[0].securityContext.privileged'],
    ['hostNetwork', 'hostnet', {}, { hostNetwork: true }, 'spec.hostNetwork'],
    ['hostPID', 'hostpid', {}, { hostPID: true }, 'spec.hostPID'],
    [
      'SYS_ADMIN',
      'sysadmin',
      { securityContext: { capabilities: { add: ['NET_ADMIN', 'SYS_ADMIN'] } } },
      {},
      'spec.containers[0].securityContext.capabilities.add[1]',
    ],
  ])('the API refuses %s with 422 and Kubernetes words, and stores nothing', async (_what, pod, container, spec, fieldPath) => {
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod },
      spec: { ...spec, containers: [{ name: 'main', image: 'kubelab/toolbox:latest', ...container }] },
    });
    const r = await c.try(['apply', '-f', '-'], manifest);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Pod "${pod}" is invalid: ${fieldPath}: Forbidden: disallowed by cluster policy`);
    const get = await c.try(['get', 'pod', pod]);
    expect(get.stderr).toContain(`pods "${pod}" not found`);
  });

  it.each([
    ['../../var/run', "must not contain '..'"],
    ['/var/run', 'must be a relative path'],
  ])('the API refuses subPath %s before any kubelet sees it', async (subPath, why) => {
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'climb' },
      spec: {
        volumes: [{ name: 'v', emptyDir: {} }],
        containers: [{ name: 'main', image: 'kubelab/toolbox:latest', volumeMounts: [{ name: 'v', mountPath: '/m', subPath }] }],
      },
    });
    const r = await c.try(['apply', '-f', '-'], manifest);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`spec.containers[0].volumeMounts.subPath: Invalid value: "${subPath}": ${why}`);
  });

  it('refuses a Deployment whose template asks for a privileged init container', async () => {
    const manifest = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sneaky
spec:
  selector:
    matchLabels: {app: sneaky}
  template:
    metadata:
      labels: {app: sneaky}
    spec:
      initContainers:
      - name: setup
        image: kubelab/toolbox:latest
        securityContext: {privileged: true}
      containers:
      - name: main
        image: kubelab/toolbox:latest
`;
    const r = await c.try(['apply', '-f', '-'], manifest);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      '"sneaky" is invalid: spec.template.spec.initContainers[0].securityContext.privileged: Forbidden: disallowed by cluster policy',
    );
  });

  it('accepts NET_ADMIN, which works inside the pod network namespace only', async () => {
    const pod = (podName: string, caps: string[]) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: podName },
        spec: {
          containers: [{ name: 'main', image: 'kubelab/toolbox:latest', securityContext: { capabilities: { add: caps } } }],
        },
      });
    await c.run(['apply', '-f', '-'], pod('netadmin', ['NET_ADMIN', 'NET_RAW']));
    await c.run(['apply', '-f', '-'], pod('plain', []));
    await c.waitReady('netadmin');
    await c.waitReady('plain');
    await c.run(['exec', 'netadmin', '--', 'ip', 'link', 'set', 'lo', 'mtu', '1400']);
    expect(await c.run(['exec', 'netadmin', '--', 'ip', 'link', 'show', 'lo'])).toContain('mtu 1400');
    expect(await c.run(['exec', 'netadmin', '--', 'iptables', '-L', 'INPUT', '-n'])).toContain('Chain INPUT');
    const denied = await c.try(['exec', 'plain', '--', 'ip', 'link', 'set', 'lo', 'mtu', '1300']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr + denied.stdout).toMatch(/Operation not permitted/);
    await c.run(['delete', 'pod', 'netadmin', 'plain']);
  });

  it('hostPath is a private directory of the node, and apply says so', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hostpath' },
      spec: {
        volumes: [{ name: 'run', hostPath: { path: '/var/run' } }],
        containers: [{ name: 'main', image: 'kubelab/toolbox:latest', volumeMounts: [{ name: 'run', mountPath: '/hostrun' }] }],
      },
    });
    const r = await c.try(['apply', '-f', '-'], manifest);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'Warning: Pod "hostpath": spec.volumes[0].hostPath: "/var/run" is a private directory of the node (a Docker volume), not the host\'s',
    );
    await c.waitReady('hostpath');
    expect((await c.run(['exec', 'hostpath', '--', 'ls', '-A', '/hostrun'])).trim()).toBe('');
    const containers = await podContainers('hostpath');
    expect(containers.flatMap((x) => x.Mounts ?? []).filter(hostRun)).toEqual([]);
    await c.run(['delete', 'pod', 'hostpath']);
  });
});
