import { describe, expect, it } from 'vitest';
import { ContainerConfigError } from './env';
import { container, pod } from './fixtures.test-util';
import { podRef } from './names';
import { containerMounts, downwardApiFiles, planVolumes, projectedFiles, stagingMounts } from './volumes';

const owner = { cluster: 'kt', node: 'kt-worker' };

describe('volumes', () => {
  const p = pod({
    volumes: [
      { name: 'scratch', emptyDir: {} },
      { name: 'cfg', configMap: { name: 'app-config' } },
      { name: 'creds', secret: { secretName: 'db', items: [{ key: 'password', path: 'db/pw' }] } },
      { name: 'host', hostPath: { path: '/var/log/app' } },
    ],
  });
  const plans = planVolumes(p, podRef(p), owner);

  it('backs each pod volume with a labelled Docker volume', () => {
    expect(plans.map((v) => [v.name, v.dockerVolume, v.podScoped])).toEqual([
      ['scratch', 'kt_vol_scratch_web_default_1234abcd', true],
      ['cfg', 'kt_vol_cfg_web_default_1234abcd', true],
      ['creds', 'kt_vol_creds_web_default_1234abcd', true],
      ['host', 'kt_hostpath_kt-worker_var_log_app', false],
    ]);
    expect(plans[0].labels).toMatchObject({
      'kubelab.cluster': 'kt',
      'kubelab.role': 'pod-volume',
      'kubelab.pod-uid': p.metadata.uid,
      'kubelab.node': 'kt-worker',
    });
  });

  it('mounts configMap/secret read-only, emptyDir as asked, subPath as a bind of its resolved host path', () => {
    const c = container('app', {
      volumeMounts: [
        { name: 'scratch', mountPath: '/data' },
        { name: 'cfg', mountPath: '/etc/app' },
        { name: 'scratch', mountPath: '/logs', subPath: 'logs', readOnly: true },
      ],
    });
    const mounts = containerMounts(c, plans, new Map([[2, '/var/lib/docker/volumes/x/_data/logs']]));
    expect(mounts).toEqual([
      { Type: 'volume', Source: 'kt_vol_scratch_web_default_1234abcd', Target: '/data', ReadOnly: false, VolumeOptions: { NoCopy: true } },
      { Type: 'volume', Source: 'kt_vol_cfg_web_default_1234abcd', Target: '/etc/app', ReadOnly: true, VolumeOptions: { NoCopy: true } },
      { Type: 'bind', Source: '/var/lib/docker/volumes/x/_data/logs', Target: '/logs', ReadOnly: true },
    ]);
    expect(stagingMounts(plans).map((m) => m.Target)).toEqual([
      '/.kubelab/volumes/scratch',
      '/.kubelab/volumes/cfg',
      '/.kubelab/volumes/creds',
      '/.kubelab/volumes/host',
    ]);
  });

  it('rejects unknown volumes and unresolved subPaths; unsupported volume types start empty', () => {
    expect(() => containerMounts(container('a', { volumeMounts: [{ name: 'nope', mountPath: '/x' }] }), plans)).toThrow(
      ContainerConfigError,
    );
    // A subPath the resolver did not vouch for never reaches Docker as a path.
    expect(() => containerMounts(container('a', { volumeMounts: [{ name: 'scratch', mountPath: '/x', subPath: 'esc' }] }), plans)).toThrow(
      'failed to prepare subPath for volumeMount "scratch" of container "a": volume is not ready',
    );
    const bad = pod({ volumes: [{ name: 'pvc', persistentVolumeClaim: { claimName: 'x' } }] });
    expect(planVolumes(bad, podRef(bad), owner).map((p) => p.source)).toEqual([{ kind: 'emptyDir' }]);
  });

  it('binds the Docker host path for hostPath only when the cluster allows privileged pods', () => {
    const open = planVolumes(p, podRef(p), owner, true);
    expect(open[3]).toMatchObject({ name: 'host', hostBind: '/var/log/app', podScoped: false });
    expect(stagingMounts(open)[3]).toEqual({ Type: 'bind', Source: '/var/log/app', Target: '/.kubelab/volumes/host', ReadOnly: false });
    const c = container('app', { volumeMounts: [{ name: 'host', mountPath: '/logs', readOnly: true }] });
    expect(containerMounts(c, open)).toEqual([{ Type: 'bind', Source: '/var/log/app', Target: '/logs', ReadOnly: true }]);
    expect(containerMounts(c, plans)[0]).toMatchObject({ Type: 'volume', Source: 'kt_hostpath_kt-worker_var_log_app' });
  });

  it('projects configMap keys, secret items (decoded), and reports missing sources like the kubelet', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { 'b.conf': 'B', 'a.conf': 'A' } };
    expect(projectedFiles(plans[1].source, cm).map((f) => [f.path, f.content.toString()])).toEqual([
      ['a.conf', 'A'],
      ['b.conf', 'B'],
    ]);
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db' },
      data: { password: Buffer.from('hunter2').toString('base64') },
    };
    expect(projectedFiles(plans[2].source, secret).map((f) => [f.path, f.content.toString()])).toEqual([['db/pw', 'hunter2']]);
    expect(() => projectedFiles(plans[1].source, null)).toThrow('configmap "app-config" not found');
    expect(() => projectedFiles(plans[2].source, { ...secret, data: {} })).toThrow('secret references non-existent secret key: password');
    expect(projectedFiles({ kind: 'configMap', name: 'x', optional: true }, null)).toEqual([]);
  });
});

// pkg/volume/downwardapi: labels/annotations as fieldpath.FormatMap text, fields as values, resources as env does.
describe('downwardAPI volumes', () => {
  it('writes labels, annotations, fields and resources with their modes', () => {
    const p = pod(
      { containers: [{ name: 'app', image: 'x', resources: { limits: { memory: '64Mi' } } }] },
      { labels: { tier: 'web', app: 'shop' }, annotations: { note: 'say "hi"' } },
    );
    const files = downwardApiFiles(
      {
        kind: 'downwardAPI',
        defaultMode: 0o600,
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' }, mode: 0o444 },
          { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'mem', resourceFieldRef: { resource: 'limits.memory', containerName: 'app', divisor: '1Mi' } },
        ],
      },
      p,
      { podIP: '10.244.1.2', hostIP: '172.30.0.3', nodeName: 'n' },
    );
    expect(files.map((f) => [f.path, f.content.toString(), f.mode])).toEqual([
      ['labels', 'app="shop"\ntier="web"', 0o600],
      ['annotations', 'note="say \\"hi\\""', 0o444],
      ['name', 'web', 0o600],
      ['mem', '64', 0o600],
    ]);
  });
});
