// Issue 6, a lost cluster: `docker stop NAME-worker2; kubelab cluster up --name NAME` used to print "replacing
// stale cluster" and delete everything, the state volume included; the same with a crash-looping control
// plane. Now `cluster up` repairs what it finds around the state volume, says what it did, and fails with
// the way out when it cannot; only `--recreate` (which says what it deletes first) or `cluster down` wipe.
// Driven as a user types it: `kubelab ...` and `docker ...`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@kubelab/api';
import { kubelab, kubelabOk } from '../support/cli';
import { podReady } from '../support/cluster';
import { eventually } from '../support/docker';

const run = promisify(execFile);
const name = 'kltest-hardening-cluster';
const cl = ['--cluster', name];
const worker2 = `${name}-worker2`;
const controlPlane = `${name}-control-plane`;
const volume = `${name}-state`;

/** `docker ARGS...`, as typed in a terminal. */
async function dockerCli(...args: string[]): Promise<string> {
  return (await run('docker', args)).stdout.trim();
}

const volumeName = (): Promise<string> => dockerCli('volume', 'inspect', '-f', '{{.Name}}', volume);
const configMapUid = async (): Promise<string> =>
  (await kubelabOk([...cl, 'get', 'configmap', 'lesson', '-o', 'jsonpath={.metadata.uid}'])).trim();

async function pod(): Promise<Pod> {
  return JSON.parse(await kubelabOk([...cl, 'get', 'pod', 'web', '-o', 'json'])) as Pod;
}

const podManifest = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  nodeName: ${worker2}
  containers:
  - name: web
    image: kubelab/echo:latest
`;

/** The very objects made before each fault are there, and the pod on worker2 runs and answers through its node. */
async function expectObjectsKept(configMap: string, podUid: string): Promise<void> {
  expect(await configMapUid()).toBe(configMap);
  expect((await kubelabOk([...cl, 'get', 'configmap', 'lesson', '-o', 'jsonpath={.data.topic}'])).trim()).toBe('repair');
  await kubelabOk([...cl, 'wait', '--for=condition=Ready', 'pod/web', '--timeout=60s']);
  const p = await pod();
  expect(p.metadata.uid).toBe(podUid);
  expect(p.status?.phase).toBe('Running');
  // exec goes API server -> worker2's kubelet -> the container: both repaired processes serve again.
  expect(await kubelabOk([...cl, 'exec', 'web', '--', 'wget', '-qO-', 'http://localhost:8080/'])).toContain('Hostname: web');
}

describe('cluster up never deletes a cluster\u2019s state', () => {
  let uid = '';
  let cmUid = '';

  beforeAll(async () => {
    await kubelabOk(['cluster', 'up', '--name', name, '--workers', '2']);
    await kubelabOk([...cl, 'create', 'configmap', 'lesson', '--from-literal=topic=repair']);
    await kubelabOk([...cl, 'apply', '-f', '-'], { input: podManifest });
    await kubelabOk([...cl, 'wait', '--for=condition=Ready', 'pod/web', '--timeout=60s']);
    uid = (await pod()).metadata.uid ?? '';
    cmUid = await configMapUid();
  });
  afterAll(async () => {
    await kubelab(['cluster', 'down', '--name', name]);
  });

  it('starts a stopped worker again and reports the repair; objects and the pod are kept', async () => {
    await dockerCli('stop', worker2);
    const out = await kubelabOk(['cluster', 'up', '--name', name]);
    expect(out).toContain(`Repairing cluster "${name}" ...`);
    expect(out).toContain(`repairing cluster "${name}": started ${worker2} (exited)`);
    expect(out).toContain(`Cluster "${name}" is repaired and up in`);
    expect(out).not.toMatch(/replacing|deleted/i);
    await expectObjectsKept(cmUid, uid);
  });

  it('starts a killed control plane again; the API serves the same objects', async () => {
    await dockerCli('kill', controlPlane);
    expect(await dockerCli('inspect', '-f', '{{.State.Status}}', controlPlane)).toBe('exited');
    const out = await kubelabOk(['cluster', 'up', '--name', name]);
    expect(out).toContain(`repairing cluster "${name}": started ${controlPlane} (exited)`);
    expect(out).toContain(`Cluster "${name}" is repaired and up in`);
    await expectObjectsKept(cmUid, uid);
  });

  it('brings back a cluster whose every container stopped with the Docker daemon; the pod runs again', async () => {
    // What a daemon restart at the end of a working day leaves: node and pod containers all exited.
    const ids = (await dockerCli('ps', '-q', '--filter', `label=kubelab.cluster=${name}`)).split('\n').filter(Boolean);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    await dockerCli('stop', '-t', '2', ...ids);
    const out = await kubelabOk(['cluster', 'up', '--name', name]);
    expect(out).toContain(
      `repairing cluster "${name}": started ${controlPlane} (exited), started ${name}-worker (exited), started ${worker2} (exited)`,
    );
    // The kubelet starts the pod again in a new sandbox, as after a node reboot.
    await eventually('pod web running again after its containers exited', async () => {
      const p = await pod();
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && podReady(p) ? p : undefined;
    });
    await expectObjectsKept(cmUid, uid);
  });

  it('recreates a node container that is gone entirely, from the recorded spec, around the same state', async () => {
    await dockerCli('rm', '-f', worker2);
    const out = await kubelabOk(['cluster', 'up', '--name', name]);
    expect(out).toContain(`repairing cluster "${name}": recreated ${worker2} (missing)`);
    expect(await configMapUid()).toBe(cmUid);
    // Same address as before: the pod routes of the other nodes still point at it.
    expect(await dockerCli('inspect', '-f', `{{(index .NetworkSettings.Networks "${name}-net").IPAddress}}`, worker2)).toMatch(
      /^172\.30\.\d+\.4$/,
    );
  });

  it('fails on a control plane it cannot repair, naming the cause and the way out, and keeps the state volume', async () => {
    // A crash loop: etcd cannot open its damaged database, so the control plane exits each time Docker restarts it.
    await dockerCli('stop', '-t', '2', controlPlane);
    await dockerCli(
      'run',
      '--rm',
      '-v',
      `${volume}:/state`,
      'kubelab/toolbox:latest',
      'sh',
      '-c',
      'head -c 8192 /dev/urandom > /state/etcd/member/snap/db',
    );
    await dockerCli('start', controlPlane);
    // Commands say why there is no API instead of failing on a connection or a URL.
    await eventually('the CLI to report the damaged etcd data', async () => {
      const r = await kubelab([...cl, 'get', 'pods']);
      return r.code !== 0 && r.stderr.includes('control plane not ready: the etcd data in /var/lib/kubelab/etcd') ? r : undefined;
    });
    const r = await kubelab(['cluster', 'up', '--name', name]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: cluster "${name}" cannot be repaired:`);
    expect(r.stderr).toMatch(new RegExp(`node container ${controlPlane} (restarted \\d+ time|is restarting|is exited)`));
    expect(r.stderr).toContain("the etcd data in /var/lib/kubelab/etcd (on the cluster's state volume) is damaged");
    expect(r.stderr).toContain(`kubelab cluster up --name ${name} --recreate`);
    expect(r.stderr).toContain(`kubelab cluster down --name ${name}`);
    expect(await volumeName()).toBe(volume);
  });

  it('--recreate is what it takes to wipe, and it says what is lost before doing it', async () => {
    const out = await kubelabOk(['cluster', 'up', '--name', name, '--recreate']);
    const warning = out.indexOf(`--recreate: deleting cluster "${name}" first:`);
    const deleted = out.indexOf(`deleted cluster "${name}" for --recreate`);
    expect(warning).toBeGreaterThan(-1);
    expect(out).toContain(`and its state volume ${volume}: every object in its API`);
    expect(deleted).toBeGreaterThan(warning);
    expect(out).toContain(`Cluster "${name}" is recreated and up in`);
    const r = await kubelab([...cl, 'get', 'configmap', 'lesson']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): configmaps "lesson" not found');
  });
});
