import { describe, expect, it } from 'vitest';
import type { ConfigMap, Secret, Service } from '@kubelab/api';
import { ContainerConfigError, envReferences, resolveEnv, serviceEnv, type ConfigObjects } from './env';
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

// Downward API resource values: kubernetes pkg/api/v1/resource/helpers.go ExtractContainerResourceValue and
// the kubelet's defaultPodLimitsForDownwardAPI (unset limits are the node's allocatable).
describe('resourceFieldRef', () => {
  const withNode = { ...fields, allocatable: { cpu: 2, memory: 8 * 2 ** 30 } };
  const ref = (resource: string, extra: Record<string, unknown> = {}) => ({
    name: resource.replace(/\W/g, '_').toUpperCase(),
    valueFrom: { resourceFieldRef: { resource, ...extra } },
  });

  it('divides by the divisor and rounds up, cpu in millicores', () => {
    const c = container('app', {
      resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m', memory: '1500k' } },
      env: [
        ref('limits.cpu'),
        { ...ref('limits.cpu', { divisor: '1m' }), name: 'CPU_MILLI' },
        ref('limits.memory'),
        { ...ref('limits.memory', { divisor: '1Mi' }), name: 'MEM_MI' },
        ref('requests.cpu', { divisor: '1m' }),
        { ...ref('requests.memory', { divisor: '1Mi' }), name: 'REQ_MEM_MI' },
      ],
    });
    expect(asMap(resolveEnv(pod({ containers: [c] }), c, objects, withNode))).toMatchObject({
      LIMITS_CPU: '1',
      CPU_MILLI: '250',
      LIMITS_MEMORY: String(64 * 2 ** 20),
      MEM_MI: '64',
      REQUESTS_CPU: '100',
      REQ_MEM_MI: '2',
    });
  });

  it('an unset limit is the node allocatable, an unset request 0', () => {
    const c = container('app', { env: [ref('limits.cpu'), ref('limits.memory', { divisor: '1Gi' }), ref('requests.cpu')] });
    expect(asMap(resolveEnv(pod({ containers: [c] }), c, objects, withNode))).toMatchObject({
      LIMITS_CPU: '2',
      LIMITS_MEMORY: '8',
      REQUESTS_CPU: '0',
    });
  });

  it('reads another container of the pod by containerName', () => {
    const side = container('side', { resources: { limits: { memory: '32Mi' } } });
    const c = container('app', { env: [ref('limits.memory', { containerName: 'side', divisor: '1Mi' })] });
    expect(asMap(resolveEnv(pod({ containers: [c, side] }), c, objects, withNode)).LIMITS_MEMORY).toBe('32');
    const bad = container('app', { env: [ref('limits.memory', { containerName: 'nope' })] });
    expect(() => resolveEnv(pod({ containers: [bad] }), bad, objects, withNode)).toThrow(ContainerConfigError);
  });

  it('`value: ""` beside valueFrom takes valueFrom, as the kubelet does', () => {
    const c = container('app', { env: [{ name: 'N', value: '', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] });
    expect(asMap(resolveEnv(pod(), c, objects, fields)).N).toBe('web');
  });
});

describe('serviceEnv (kubelet getServiceEnvVarMap + envvars.FromServices)', () => {
  const service = (namespace: string, name: string, clusterIP: string, ports: Service['spec']['ports']): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace, name },
    spec: { clusterIP, ports },
  });
  const all = [
    service('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
    service('shop', 'redis-primary', '10.96.0.30', [{ port: 6379 }]),
    service('shop', 'web', '10.96.0.31', [
      { name: 'http', port: 80, protocol: 'TCP' },
      { name: 'dns-udp', port: 53, protocol: 'UDP' },
    ]),
    service('shop', 'headless', 'None', [{ port: 80 }]),
    service('other', 'db', '10.96.0.40', [{ port: 5432 }]),
  ];

  it('writes the host, port, named-port and Docker link variables for every Service of the namespace', () => {
    const env = Object.fromEntries(serviceEnv(all, 'shop').map((e) => [e.name, e.value]));
    expect(env).toEqual({
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
      REDIS_PRIMARY_SERVICE_HOST: '10.96.0.30',
      REDIS_PRIMARY_SERVICE_PORT: '6379',
      REDIS_PRIMARY_PORT: 'tcp://10.96.0.30:6379',
      REDIS_PRIMARY_PORT_6379_TCP: 'tcp://10.96.0.30:6379',
      REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
      REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379',
      REDIS_PRIMARY_PORT_6379_TCP_ADDR: '10.96.0.30',
      WEB_SERVICE_HOST: '10.96.0.31',
      WEB_SERVICE_PORT: '80',
      WEB_SERVICE_PORT_HTTP: '80',
      WEB_SERVICE_PORT_DNS_UDP: '53',
      WEB_PORT: 'tcp://10.96.0.31:80',
      WEB_PORT_80_TCP: 'tcp://10.96.0.31:80',
      WEB_PORT_80_TCP_PROTO: 'tcp',
      WEB_PORT_80_TCP_PORT: '80',
      WEB_PORT_80_TCP_ADDR: '10.96.0.31',
      WEB_PORT_53_UDP: 'udp://10.96.0.31:53',
      WEB_PORT_53_UDP_PROTO: 'udp',
      WEB_PORT_53_UDP_PORT: '53',
      WEB_PORT_53_UDP_ADDR: '10.96.0.31',
    });
  });

  it('keeps only the kubernetes Service with enableServiceLinks: false', () => {
    expect(serviceEnv(all, 'shop', false).every((e) => e.name.startsWith('KUBERNETES_'))).toBe(true);
    expect(serviceEnv(all, 'shop', false)).toHaveLength(8);
  });

  it('is defined before the container env, so $(VAR) sees it and the container may override it', () => {
    const c = container('app', {
      env: [
        { name: 'URL', value: 'http://$(WEB_SERVICE_HOST):$(WEB_SERVICE_PORT_HTTP)/' },
        { name: 'WEB_SERVICE_PORT', value: '8080' },
      ],
    });
    const env = resolveEnv(pod({ containers: [c] }, { namespace: 'shop' }), c, objects, fields, serviceEnv(all, 'shop'));
    const get = (n: string) => env.find((e) => e.name === n)?.value;
    expect(get('URL')).toBe('http://10.96.0.31:80/');
    expect(get('WEB_SERVICE_PORT')).toBe('8080');
  });
});
