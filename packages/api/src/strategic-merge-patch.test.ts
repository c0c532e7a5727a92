// Strategic merge patch against Kubernetes' own test tables (testdata/strategic-merge-patch-cases.yaml, from
// strategicpatch/patch_test.go with its MergeItem struct), then the patches kubectl really sends for the
// kinds kubelab serves.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { patchMetaFor, type PatchMeta } from './patch-meta';
import { goFormat, type StrategicMergePatchError, strategicMergePatch } from './strategic-merge-patch';

/** patch_test.go's MergeItem and RetainKeysMergeItem, as patch metadata (recursive: built in two steps). */
const mergeItem: PatchMeta = { fields: {} };
const retainKeysItem: PatchMeta = {
  fields: {
    mergingIntList: { strategy: 'merge' },
    mergingList: { strategy: 'merge', key: 'name', meta: mergeItem },
  },
};
Object.assign(mergeItem.fields, {
  mergingList: { strategy: 'merge', key: 'name', meta: mergeItem },
  nonMergingList: { meta: mergeItem },
  mergingIntList: { strategy: 'merge' },
  mergeItemPtr: { strategy: 'merge', key: 'name', meta: mergeItem },
  replacingItem: { strategy: 'replace' },
  retainKeysMap: { retainKeys: true, meta: retainKeysItem },
  retainKeysMergingList: { strategy: 'merge', retainKeys: true, key: 'name', meta: mergeItem },
});

interface Case {
  description: string;
  original: Record<string, unknown>;
  patch: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: string;
}

const cases = parse(readFileSync(path.join(__dirname, 'testdata', 'strategic-merge-patch-cases.yaml'), 'utf8')) as Case[];

describe('strategic merge patch: Kubernetes test cases', () => {
  it.each(cases.map((c) => [c.description, c] as const))('%s', (_, c) => {
    const before = structuredClone(c.original);
    if (c.error) {
      expect(() => strategicMergePatch(c.original, c.patch, mergeItem)).toThrow(c.error);
      return;
    }
    expect(strategicMergePatch(c.original, c.patch, mergeItem)).toEqual(c.result);
    expect(c.original).toEqual(before);
  });

  it('answers the status kube-apiserver gives each failure', () => {
    const err = (patch: Record<string, unknown>) => {
      try {
        strategicMergePatch({ mergingList: [{ name: 1 }] }, patch, mergeItem);
      } catch (e) {
        return e as StrategicMergePatchError;
      }
      throw new Error('no error');
    };
    expect(err({ mergingList: [{ value: 1 }] })).toMatchObject({
      reason: 'InternalError',
      message: 'map: map[value:1] does not contain declared merge key: name',
    });
    expect(err({ $retainKeys: 'x' }).reason).toBe('BadRequest');
    expect(err({ mergingIntList: [[1]] }).reason).toBe('Invalid');
    expect(err({ mergingList: [[1]] }).message).toMatch(/^list element types are not identical/);
    expect(goFormat({ b: [1, 'x'], a: null })).toBe('map[a:<nil> b:[1 x]]');
  });
});

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', finalizers: ['a'], ownerReferences: [{ uid: 'u1', name: 'o' }] },
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.25',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            readinessProbe: { httpGet: { path: '/', port: 80 } },
            env: [{ name: 'A', value: '1' }],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
          { name: 'side', image: 'busybox' },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
        tolerations: [{ key: 'x', operator: 'Exists' }],
      },
    },
  },
});

describe('strategic merge patch: the kinds kubelab serves', () => {
  const deploy = patchMetaFor('Deployment');
  const containers = (d: Record<string, unknown>) =>
    (d as ReturnType<typeof deployment>).spec.template.spec.containers as Record<string, unknown>[];

  it('kubectl apply of an edited image keeps ports and the probe (three-way patch)', () => {
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'side' }],
            containers: [{ name: 'web', image: 'nginx:1.27' }],
          },
        },
      },
    };
    const out = strategicMergePatch(deployment(), patch, deploy);
    expect(containers(out)[0]).toEqual({ ...deployment().spec.template.spec.containers[0], image: 'nginx:1.27' });
    expect(containers(out).map((c) => c.name)).toEqual(['web', 'side']);
  });

  it('kubectl set image, an added env entry, a removed container', () => {
    const out = strategicMergePatch(
      deployment(),
      {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'web', env: [{ name: 'B', value: '2' }] },
                { name: 'side', $patch: 'delete' },
              ],
            },
          },
        },
      },
      deploy,
    );
    expect(containers(out)).toHaveLength(1);
    expect(containers(out)[0].image).toBe('nginx:1.25');
    // Without $setElementOrder, an entry the live list lacks goes first (mergeSortedSlice).
    expect(containers(out)[0].env).toEqual([
      { name: 'B', value: '2' },
      { name: 'A', value: '1' },
    ]);
  });

  it('merges ports by containerPort, volumes by name, volumeMounts by mountPath; replaces tolerations', () => {
    const out = strategicMergePatch(
      deployment(),
      {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'web', ports: [{ containerPort: 443 }], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
              volumes: [{ name: 'cfg', configMap: { name: 'c' } }],
              tolerations: [{ key: 'y', operator: 'Exists' }],
            },
          },
        },
      },
      deploy,
    ) as ReturnType<typeof deployment>;
    const web = out.spec.template.spec.containers[0];
    expect(web.ports?.map((p) => p.containerPort)).toEqual([443, 80]);
    expect(web.volumeMounts?.map((m) => m.mountPath)).toEqual(['/cfg', '/data']);
    expect(out.spec.template.spec.volumes.map((v) => v.name)).toEqual(['cfg', 'data']);
    expect(out.spec.template.spec.tolerations).toEqual([{ key: 'y', operator: 'Exists' }]);
  });

  it('finalizers merge as a set, ownerReferences by uid; $retainKeys on the strategy', () => {
    const out = strategicMergePatch(
      deployment(),
      {
        metadata: { finalizers: ['b', 'a'], ownerReferences: [{ uid: 'u1', name: 'renamed' }] },
        spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } },
      },
      deploy,
    ) as ReturnType<typeof deployment>;
    expect(out.metadata.finalizers).toEqual(['b', 'a']);
    expect(out.metadata.ownerReferences).toEqual([{ uid: 'u1', name: 'renamed' }]);
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
    const removed = strategicMergePatch(deployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, deploy);
    expect((removed as ReturnType<typeof deployment>).metadata.finalizers).toEqual([]);
  });

  it('Service ports merge by port, pod conditions by type, node addresses by type', () => {
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }], selector: { app: 'a' } } };
    const out = strategicMergePatch(svc, { spec: { ports: [{ port: 443 }, { port: 80, name: 'http' }] } }, patchMetaFor('Service'));
    expect(out).toEqual({ spec: { ports: [{ port: 443 }, { port: 80, targetPort: 8080, name: 'http' }], selector: { app: 'a' } } });
    const pod = {
      status: {
        conditions: [
          { type: 'Ready', status: 'False' },
          { type: 'PodScheduled', status: 'True' },
        ],
      },
    };
    const p = strategicMergePatch(pod, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, patchMetaFor('Pod'));
    expect(p).toEqual({
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'PodScheduled', status: 'True' },
        ],
      },
    });
    const node = {
      status: {
        addresses: [
          { type: 'InternalIP', address: '1' },
          { type: 'Hostname', address: 'n' },
        ],
      },
    };
    const n = strategicMergePatch(node, { status: { addresses: [{ type: 'InternalIP', address: '2' }] } }, patchMetaFor('Node'));
    expect(n).toEqual({
      status: {
        addresses: [
          { type: 'InternalIP', address: '2' },
          { type: 'Hostname', address: 'n' },
        ],
      },
    });
  });

  it('a map $patch: replace replaces it; a list $patch: replace replaces the list', () => {
    const out = strategicMergePatch(
      deployment(),
      {
        metadata: { labels: { $patch: 'replace', x: 'y' } },
        spec: { template: { spec: { containers: [{ name: 'only', image: 'i' }, { $patch: 'replace' }] } } },
      },
      deploy,
    );
    expect((out as { metadata: { labels: unknown } }).metadata.labels).toEqual({ x: 'y' });
    expect(containers(out)).toEqual([{ name: 'only', image: 'i' }]);
  });
});
