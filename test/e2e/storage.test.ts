// Issue 10, where the state lives: etcd in the control plane. A pod's key read with the real etcdctl;
// etcd beside the API server on loopback only; no acknowledged create lost when the control plane is
// SIGKILLed mid-loop; a watch resumed across an API server restart; 410 Gone after etcd compaction; an
// older cluster's state.json imported into etcd; `cluster down` then `up` starts clean. (A damaged etcd data dir: hardening-cluster.test.ts.)
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResource, type KubeObject, type WatchEvent } from '@kubelab/api';
import { watch } from '@kubelab/client';
import { resourceOfKey } from '../../packages/apiserver/src/storage/etcd-keys';
import { kubelabOk } from '../support/cli';
import { startCluster, type TestCluster } from '../support/cluster';
import { eventually } from '../support/docker';

const run = promisify(execFile);
const name = 'kltest-storage';
const controlPlane = `${name}-control-plane`;
const configMaps = resolveResource('configmaps')!;
const namespaces = resolveResource('namespaces')!;

async function dockerCli(...args: string[]): Promise<string> {
  return (await run('docker', args, { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
}

const cm = (n: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'default' }, data: { n } });

/** Watches ConfigMaps from `rv` until `count` events for `only` came (or the server refuses). */
async function watchFrom(cl: TestCluster, rv: string, only: string, count: number): Promise<string[]> {
  const seen: string[] = [];
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 20_000);
  try {
    await watch(cl.client, configMaps, 'default', { resourceVersion: rv, signal: abort.signal }, (e: WatchEvent) => {
      if (e.object.metadata.name !== only) return;
      seen.push(`${e.type} ${(e.object as { data?: Record<string, string> }).data?.step ?? ''}`);
      if (seen.length >= count) abort.abort();
    });
  } finally {
    clearTimeout(timer);
  }
  return seen;
}

describe('cluster state in etcd', () => {
  let cl: TestCluster;

  /** After a restart of the control-plane container: its API answers again. */
  const apiBack = () =>
    eventually('the API server to answer again', async () => (await cl.client.list(namespaces)).items.length > 0, 90_000);

  beforeAll(async () => {
    cl = await startCluster(name, { workers: 1 });
  });
  afterAll(async () => {
    await cl?.down();
  });

  it('shows a pod under /registry/pods with the real etcdctl, resourceVersion = mod_revision', async () => {
    await cl.run(['run', 'web', '--image', 'kubelab/echo:latest']);
    const [key, value] = (await cl.run(['etcdctl', 'get', '/registry/pods/default/web'])).split('\n');
    expect(key).toBe('/registry/pods/default/web');
    const stored = JSON.parse(value) as KubeObject;
    expect(stored).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' } });
    // Not stored: it is the key's revision.
    expect(stored.metadata.resourceVersion).toBeUndefined();
    await cl.waitReady('web');
    await eventually('the pod and its key at the same revision', async () => {
      const kv = JSON.parse(await cl.run(['etcdctl', 'get', '/registry/pods/default/web', '-w', 'json'])) as {
        kvs: { mod_revision: number }[];
      };
      return String(kv.kvs[0].mod_revision) === (await cl.pod('web')).metadata.resourceVersion;
    });
    expect(await cl.run(['etcdctl', 'get', '/registry/minions', '--prefix', '--keys-only'])).toContain(`/registry/minions/${name}-worker`);
  });

  it('runs etcd beside the API server, on the container loopback only, both in docker logs', async () => {
    const listening = await dockerCli('exec', controlPlane, 'ss', '-Hltn');
    const etcdPorts = listening.split('\n').filter((l) => /:(2379|2380)\s/.test(l));
    expect(etcdPorts.length).toBe(2);
    for (const l of etcdPorts) expect(l).toMatch(/127\.0\.0\.1:(2379|2380)/);
    const { stdout, stderr } = await run('docker', ['logs', controlPlane], { maxBuffer: 64 * 1024 * 1024 });
    const logs = stdout + stderr;
    expect(logs).toContain('"component":"etcd"');
    expect(logs).toContain('"msg":"state loaded from etcd"');
  });

  it('loses no acknowledged create when the control plane is SIGKILLed in the middle of a create loop', async () => {
    const acked: string[] = [];
    let killed = false;
    const loops = [0, 1, 2, 3].map(async (w) => {
      for (let i = 0; !killed; i++) {
        try {
          await cl.client.create(configMaps, cm(`kill-${w}-${i}`));
          acked.push(`kill-${w}-${i}`);
        } catch {
          if (killed) return;
        }
      }
    });
    await eventually('200 creates answered', async () => acked.length >= 200, 60_000, 20);
    await dockerCli('kill', '-s', 'KILL', controlPlane);
    killed = true;
    await Promise.all(loops);
    const answered = [...acked];
    await kubelabOk(['cluster', 'up', '--name', name]);
    await apiBack();
    const stored = new Set((await cl.client.list(configMaps, 'default')).items.map((o) => o.metadata.name));
    expect(answered.filter((n) => !stored.has(n))).toEqual([]);
  });

  it('restarts etcd and the API server together when etcd dies', async () => {
    await cl.client.create(configMaps, cm('survivor'));
    const restarts = async () => Number(await dockerCli('inspect', '-f', '{{.RestartCount}}', controlPlane));
    const before = await restarts();
    await dockerCli('exec', controlPlane, 'sh', '-c', 'kill -9 $(pidof etcd)');
    await eventually('Docker to restart the control plane', async () => (await restarts()) > before, 60_000);
    await apiBack();
    expect((await cl.client.get(configMaps, 'survivor', 'default')).metadata.name).toBe('survivor');
  });

  it('resumes a watch from a resourceVersion given before the API server restarted', async () => {
    const { object } = await cl.client.create(configMaps, cm('resume'));
    await cl.client.patch(configMaps, 'resume', { data: { step: 'one' } }, 'default');
    await dockerCli('restart', '-t', '5', controlPlane);
    await apiBack();
    await cl.client.patch(configMaps, 'resume', { data: { step: 'two' } }, 'default');
    expect(await watchFrom(cl, object.metadata.resourceVersion!, 'resume', 2)).toEqual(['MODIFIED one', 'MODIFIED two']);
  });

  it('answers 410 Gone for a watch from before the last etcd compaction', async () => {
    const { object } = await cl.client.create(configMaps, cm('compacted'));
    await cl.client.patch(configMaps, 'compacted', { data: { step: 'one' } }, 'default');
    await cl.client.patch(configMaps, 'compacted', { data: { step: 'two' } }, 'default');
    const head = JSON.parse(await cl.run(['etcdctl', 'get', '/registry/configmaps/default/compacted', '-w', 'json'])) as {
      header: { revision: number };
    };
    expect(await cl.run(['etcdctl', 'compact', String(head.header.revision)])).toContain(`compacted revision ${head.header.revision}`);
    await dockerCli('restart', '-t', '5', controlPlane);
    await apiBack();
    const old = object.metadata.resourceVersion!;
    const err = await watchFrom(cl, old, 'compacted', 1).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 410, reason: 'Expired' });
    expect((err as Error).message).toMatch(new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));
  });

  it('imports the state.json of a cluster made before etcd into an empty etcd, and renames it', async () => {
    // The state volume as a control plane before etcd left it: no etcd data, the objects in state.json
    // (SnapshotFile's format: resourceVersion, then each object with its store resource key). Made from this
    // cluster's own objects, read with etcdctl, plus one ConfigMap to recognise.
    const dump = JSON.parse(await cl.run(['etcdctl', 'get', '/registry/', '--prefix', '-w', 'json'])) as {
      header: { revision: number };
      kvs: { key: string; value: string; mod_revision: number }[];
    };
    const objects = dump.kvs.flatMap((kv) => {
      const key = Buffer.from(kv.key, 'base64').toString();
      const object = JSON.parse(Buffer.from(kv.value, 'base64').toString()) as KubeObject;
      object.metadata.resourceVersion = String(kv.mod_revision);
      const resource = resourceOfKey(key, object);
      return resource ? [{ resource, object }] : [];
    });
    const rv = dump.header.revision;
    objects.push({
      resource: '/configmaps',
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'from-state-json',
          namespace: 'default',
          uid: randomUUID(),
          resourceVersion: String(rv),
          creationTimestamp: new Date().toISOString(),
        },
        data: { made: 'before etcd' },
      } as KubeObject,
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kubelab-state-json-'));
    try {
      writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ resourceVersion: rv, objects }));
      const image = await dockerCli('inspect', '-f', '{{.Config.Image}}', controlPlane);
      await dockerCli('stop', '-t', '5', controlPlane);
      await dockerCli('run', '--rm', '--volumes-from', controlPlane, '--entrypoint', 'sh', image, '-c', 'rm -rf /var/lib/kubelab/etcd');
      await dockerCli('cp', path.join(dir, 'state.json'), `${controlPlane}:/var/lib/kubelab/state.json`);
      await dockerCli('start', controlPlane);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await apiBack();
    const imported = (await cl.client.get(configMaps, 'from-state-json', 'default')) as KubeObject & { data?: Record<string, string> };
    expect(imported.data).toEqual({ made: 'before etcd' });
    expect((await cl.client.get(configMaps, 'survivor', 'default')).metadata.name).toBe('survivor');
    expect((await cl.run(['etcdctl', 'get', '/registry/configmaps/default/from-state-json'])).split('\n')[0]).toBe(
      '/registry/configmaps/default/from-state-json',
    );
    expect((await dockerCli('exec', controlPlane, 'ls', '/var/lib/kubelab')).split('\n')).toEqual(
      expect.arrayContaining(['etcd', 'pki', 'state.json.migrated-to-etcd']),
    );
    expect(await dockerCli('exec', controlPlane, 'ls', '/var/lib/kubelab')).not.toMatch(/^state\.json$/m);
    const { stdout, stderr } = await run('docker', ['logs', '--since', '5m', controlPlane], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout + stderr).toContain('"msg":"state snapshot imported into etcd"');
  });

  it('starts clean after cluster down and up', async () => {
    await kubelabOk(['cluster', 'down', '--name', name]);
    await kubelabOk(['cluster', 'up', '--name', name, '--workers', '1']);
    const r = await cl.try(['get', 'configmap', 'resume']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('configmaps "resume" not found');
    expect(await cl.run(['etcdctl', 'get', '/registry/configmaps/default/resume'])).toBe('');
  });
});
