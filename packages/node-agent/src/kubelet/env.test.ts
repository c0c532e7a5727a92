import { describe, expect, it } from 'vitest';
import type { ConfigMap, Secret } from '@kubelab/api';
import { ContainerConfigError, envReferences, resolveEnv, type ConfigObjects } from './env';
import { container, pod } from './fixtures.test-util';

const cm: ConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'default' },
  data: { MODE: 'fast', 'bad=key': 'x', LEVEL: '3' },
};
const secret: Secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'creds', namespace: 'default' },
  data: { PASSWORD: Buffer.from('s3cret').toString('base64') },
};
const objects: ConfigObjects = {
  configMaps: new Map([
    ['cfg', cm],
    ['gone', null],
  ]),
  secrets: new Map([['creds', secret]]),
};
const fields = { podIP: '10.244.1.7', hostIP: '172.30.0.3', nodeName: 'kt-worker' };

function asMap(list: { name: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(list.map((e) => [e.name, e.value]));
}

describe('resolveEnv', () => {
  it('resolves values, fieldRefs, key refs and envFrom with prefix, expanding earlier definitions', () => {
    const c = container('app', {
      envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 'creds' } }],
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
        { name: 'LVL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'LEVEL' } } },
        { name: 'URL', value: 'http://$(POD_IP):8080/$(MODE)/$(LATER)' },
        { name: 'LATER', value: 'x' },
      ],
    });
    const env = asMap(
      resolveEnv(pod({}, { labels: { app: 'web' } }), c, objects, fields, [{ name: 'KUBERNETES_SERVICE_HOST', value: '10.96.0.1' }]),
    );
    expect(env).toMatchObject({
      MODE: 'fast',
      LEVEL: '3',
      S_PASSWORD: 's3cret',
      POD_NAME: 'web',
      POD_NS: 'default',
      POD_IP: '10.244.1.7',
      NODE: 'kt-worker',
      HOST_IP: '172.30.0.3',
      APP: 'web',
      PW: 's3cret',
      LVL: '3',
      URL: 'http://10.244.1.7:8080/fast/$(LATER)',
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
    });
    expect(env['bad=key']).toBeUndefined();
  });

  it('fails like the kubelet on missing non-optional sources', () => {
    const p = pod();
    const cases: [Parameters<typeof container>[1], string][] = [
      [{ envFrom: [{ configMapRef: { name: 'gone' } }] }, 'configmap "gone" not found'],
      [
        { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'NOPE' } } }] },
        "couldn't find key NOPE in ConfigMap default/cfg",
      ],
      [{ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nosuch', key: 'k' } } }] }, 'secret "nosuch" not found'],
      [{ env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] }, 'unsupported fieldPath: spec.bogus'],
    ];
    for (const [extra, message] of cases) {
      const run = (): unknown => resolveEnv(p, container('a', extra), objects, fields);
      expect(run).toThrow(ContainerConfigError);
      expect(run).toThrow(message);
    }
  });

  it('skips missing optional sources', () => {
    const c = container('a', {
      envFrom: [{ configMapRef: { name: 'gone', optional: true } }],
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k', optional: true } } }],
    });
    expect(resolveEnv(pod(), c, objects, fields)).toEqual([]);
  });

  it('lists the objects a container references', () => {
    const refs = envReferences(
      container('a', {
        envFrom: [{ configMapRef: { name: 'a' } }],
        env: [{ name: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
      }),
    );
    expect([...refs.configMaps]).toEqual(['a']);
    expect([...refs.secrets]).toEqual(['s']);
  });
});
