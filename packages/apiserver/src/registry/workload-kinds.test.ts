// Validation, defaults and warnings of the workload kinds, through the object service (no HTTP).
import { beforeEach, describe, expect, it } from 'vitest';
import type { Deployment, KubeObject, Pod, Secret } from '@kubelab/api';
import { Store } from '../storage/store';
import { eventStrategy, namespaceStrategy, nodeStrategy } from './core-kinds';
import { ObjectService } from './object-service';
import { Registry } from './strategy';
import {
  configMapStrategy,
  deploymentStrategy,
  podStrategy,
  replicaSetStrategy,
  secretStrategy,
  workloadStrategies,
} from './workload-kinds';

let service: ObjectService;

beforeEach(() => {
  const registry = new Registry().add(namespaceStrategy).add(nodeStrategy).add(eventStrategy);
  for (const s of workloadStrategies) registry.add(s);
  service = new ObjectService(new Store(), registry);
  service.create(namespaceStrategy, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
});

function pod(spec: Record<string, unknown>, name = 'web'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec };
}

function createError(s: typeof podStrategy, obj: KubeObject): string {
  try {
    service.create(s, 'default', obj);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the create to fail');
}

const web = { name: 'web', image: 'kubelab/echo:latest' };

describe('pod validation', () => {
  it('names the missing image like the Kubernetes API server', () => {
    expect(createError(podStrategy, pod({ containers: [{ name: 'web' }] }))).toBe(
      'Pod "web" is invalid: spec.containers[0].image: Required value',
    );
  });

  it('reports duplicate container names, bad ports and bad labels', () => {
    expect(createError(podStrategy, pod({ containers: [web, { ...web }] }))).toBe(
      'Pod "web" is invalid: spec.containers[1].name: Duplicate value: "web"',
    );
    expect(createError(podStrategy, pod({ containers: [{ ...web, ports: [{ containerPort: 70000 }] }] }))).toBe(
      'Pod "web" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    );
    const labelled = { ...pod({ containers: [web] }), metadata: { name: 'web', labels: { app: 'not valid!' } } };
    expect(createError(podStrategy, labelled)).toMatch(
      /^Pod "web" is invalid: metadata\.labels\[app\]: Invalid value: "not valid!": a valid label must be/,
    );
    expect(createError(podStrategy, pod({ containers: [{ ...web, name: 'Web' }] }))).toMatch(
      /spec\.containers\[0\]\.name: Invalid value: "Web": a lowercase RFC 1123 label/,
    );
  });

  it('checks probes, resources, env, volumes and restart policy', () => {
    const msg = createError(
      podStrategy,
      pod({
        restartPolicy: 'Sometimes',
        volumes: [
          { name: 'data', emptyDir: {} },
          { name: 'data', emptyDir: {} },
        ],
        containers: [
          {
            ...web,
            env: [{ name: '1BAD', value: 'x' }],
            resources: { requests: { cpu: '2' }, limits: { cpu: 1, memory: 'lots' } },
            livenessProbe: { httpGet: { port: 'http' }, tcpSocket: { port: 80 } },
            readinessProbe: { periodSeconds: 5 },
            volumeMounts: [{ name: 'missing', mountPath: '/m' }],
          },
        ],
      }),
    );
    expect(msg).toContain('spec.volumes[1].name: Duplicate value: "data"');
    expect(msg).toContain('spec.containers[0].env[0].name: Invalid value: "1BAD": a valid environment variable name');
    expect(msg).toContain(
      `spec.containers[0].resources.limits[memory]: Invalid value: "lots": quantities must match the regular expression`,
    );
    expect(msg).toContain('spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1');
    expect(msg).toContain('spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type');
    expect(msg).toContain('spec.containers[0].readinessProbe: Required value: must specify a handler type');
    expect(msg).toContain('spec.containers[0].volumeMounts[0].name: Not found: "missing"');
    expect(msg).toContain('spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
  });

  it('applies Kubernetes defaults and starts Pending', () => {
    const created = service.create(
      podStrategy,
      'default',
      pod({
        containers: [
          { ...web, image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { limits: { cpu: 0.5 } } },
          { name: 'side', image: 'busybox' },
        ],
      }),
    ).object as Pod;
    expect(created.spec).toMatchObject({ restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst' });
    expect(created.spec.containers[0]).toMatchObject({
      imagePullPolicy: 'IfNotPresent',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      resources: { limits: { cpu: '500m' }, requests: { cpu: '500m' } },
    });
    expect(created.spec.containers[1].imagePullPolicy).toBe('Always');
    expect(created.status).toEqual({ phase: 'Pending', conditions: [], qosClass: 'Burstable' });
  });

  it('accepts fields kubelab does not model and reports them as warnings', () => {
    const { warnings } = service.create(
      podStrategy,
      'default',
      pod({
        priorityClassName: 'high',
        hostNetwork: true,
        enableServiceLinks: true,
        containers: [{ ...web, securityContext: { runAsUser: 1 }, imagePullPolicyy: 'Never' }],
        volumes: [
          { name: 'h', hostPath: { path: '/' } },
          { name: 'data', persistentVolumeClaim: { claimName: 'x' } },
        ],
      }),
    );
    // securityContext and hostPath are applied by the kubelet: no warning. A PVC starts as an empty directory.
    expect(warnings).toEqual([
      'Pod "web": spec.priorityClassName is accepted but not modelled by kubelab (ignored)',
      'Pod "web": spec.hostNetwork is accepted but not modelled by kubelab (ignored)',
      'Pod "web": spec.containers[0].imagePullPolicyy is accepted but not modelled by kubelab (ignored)',
      'Pod "web": spec.volumes[1].persistentVolumeClaim is accepted but not modelled by kubelab (ignored)',
    ]);
  });

  it('keeps the spec immutable except images, and lets only a binding set nodeName', () => {
    service.create(podStrategy, 'default', pod({ containers: [web] }));
    expect(() => service.patch(podStrategy, 'default', 'web', { spec: { nodeName: 'n1' } })).toThrow(
      /^Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/,
    );
    const patched = service.patch(podStrategy, 'default', 'web', {
      metadata: { labels: { a: 'b' } },
      spec: { containers: [{ ...web, image: 'kubelab/echo:v2' }] },
    }).object as Pod;
    expect(patched.spec.containers[0].image).toBe('kubelab/echo:v2');
    service.createSubresource(podStrategy, 'default', 'web', 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'web' },
      target: { kind: 'Node', name: 'n1' },
    });
    const bound = service.get(podStrategy, 'default', 'web') as Pod;
    expect(bound.spec.nodeName).toBe('n1');
    expect(bound.status?.conditions).toEqual([expect.objectContaining({ type: 'PodScheduled', status: 'True' })]);
    expect(() => service.createSubresource(podStrategy, 'default', 'web', 'binding', { target: { name: 'n2' } })).toThrow(
      'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "n1"',
    );
  });
});

function deployment(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec };
}

describe('deployments, replicasets, configmaps, secrets', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [web] } };

  it('requires a selector that matches the template labels', () => {
    expect(createError(deploymentStrategy, deployment({ template }))).toBe('Deployment "web" is invalid: spec.selector: Required value');
    expect(createError(deploymentStrategy, deployment({ selector: { matchLabels: { app: 'api' } }, template }))).toBe(
      'Deployment "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    );
    expect(
      createError(replicaSetStrategy, {
        ...deployment({
          replicas: -1,
          selector: { matchLabels: { app: 'web' } },
          template: { ...template, spec: { containers: [{ name: 'web' }] } },
        }),
        kind: 'ReplicaSet',
      }),
    ).toBe(
      'ReplicaSet "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers[0].image: Required value]',
    );
  });

  it('defaults replicas, strategy and history, and checks the rolling update parameters', () => {
    const d = service.create(deploymentStrategy, 'default', deployment({ selector: { matchLabels: { app: 'web' } }, template }))
      .object as Deployment;
    expect(d.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
    expect(d.spec.template.spec.restartPolicy).toBe('Always');
    expect(() =>
      service.patch(deploymentStrategy, 'default', 'web', { spec: { strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } } }),
    ).toThrow('spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0');
    expect(() =>
      service.patch(deploymentStrategy, 'default', 'web', { spec: { selector: { matchLabels: { app: 'web', x: 'y' } } } }),
    ).toThrow(/spec\.selector: Invalid value: .*field is immutable/);
  });

  it('serves the scale sub-resource', () => {
    service.create(deploymentStrategy, 'default', deployment({ selector: { matchLabels: { app: 'web' } }, template }));
    expect(service.getSubresource(deploymentStrategy, 'default', 'web', 'scale')).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 1 },
      status: { replicas: 0, selector: 'app=web' },
    });
    expect(service.patch(deploymentStrategy, 'default', 'web', { spec: { replicas: 4 } }, 'scale').object).toMatchObject({
      kind: 'Scale',
      spec: { replicas: 4 },
    });
    const d = service.get(deploymentStrategy, 'default', 'web');
    expect(d.metadata.generation).toBe(2);
    expect(() =>
      service.update(deploymentStrategy, 'default', 'web', { kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: -1 } }, 'scale'),
    ).toThrow('Scale "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  });

  it('merges stringData into base64 data and defaults the secret type', () => {
    const s = service.create(secretStrategy, 'default', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      data: { a: 'eA==' },
      stringData: { password: 'hunter2' },
    }).object as Secret;
    expect(s).toMatchObject({ type: 'Opaque', data: { a: 'eA==', password: Buffer.from('hunter2').toString('base64') } });
    expect(s.stringData).toBeUndefined();
    expect(
      createError(secretStrategy, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'tls' },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': 'not base64!' },
      }),
    ).toBe(
      'Secret "tls" is invalid: [data[tls.crt]: Invalid value: "<secret contents redacted>": illegal base64 data, data[tls.key]: Required value]',
    );
    expect(
      createError(configMapStrategy, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { 'bad key': 'x' } }),
    ).toMatch(/^ConfigMap "cm" is invalid: data\[bad key\]: Invalid value: "bad key": a valid config key must consist of/);
  });
});

describe('downward API resourceFieldRef validation', () => {
  const withEnv = (valueFrom: Record<string, unknown>) => pod({ containers: [{ ...web, env: [{ name: 'X', valueFrom }] }] });

  it('accepts the documented resources and divisors', () => {
    service.create(podStrategy, 'default', withEnv({ resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } }));
  });

  it('refuses unknown resources and divisors with Kubernetes wording', () => {
    expect(createError(podStrategy, withEnv({ resourceFieldRef: { resource: 'limits.gpu' } }))).toMatch(
      /spec\.containers\[0\]\.env\[0\]\.valueFrom\.resourceFieldRef\.resource: Unsupported value: "limits\.gpu": supported values: "limits\.cpu"/,
    );
    expect(createError(podStrategy, withEnv({ resourceFieldRef: { resource: 'limits.cpu', divisor: '2' } }))).toContain(
      'resourceFieldRef.divisor: Invalid value: "2": only divisor\'s values 1m and 1 are supported with the cpu resource',
    );
  });
});

// SetDefaults_Namespace: the kubernetes.io/metadata.name label, kept on every write.
describe('namespaces', () => {
  it('carry their name as the kubernetes.io/metadata.name label, which an update cannot remove', () => {
    service.create(namespaceStrategy, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { x: 'y' } } });
    const ns = service.get(namespaceStrategy, undefined, 'team-a');
    expect(ns.metadata.labels).toEqual({ x: 'y', 'kubernetes.io/metadata.name': 'team-a' });
    service.update(namespaceStrategy, undefined, 'team-a', { ...ns, metadata: { ...ns.metadata, labels: {} } });
    expect(service.get(namespaceStrategy, undefined, 'team-a').metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
  });
});

describe('downwardAPI volumes', () => {
  const withVolume = (downwardAPI: Record<string, unknown>) => pod({ containers: [web], volumes: [{ name: 'info', downwardAPI }] });

  it('accepts the documented fields without warning, and refuses others with Kubernetes wording', () => {
    const { warnings } = service.create(
      podStrategy,
      'default',
      withVolume({ items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] }),
    );
    expect(warnings).toEqual([]);
    expect(createError(podStrategy, withVolume({ items: [{ path: 'ip', fieldRef: { fieldPath: 'status.podIP' } }] }))).toContain(
      'spec.volumes[0].downwardAPI.items[0].fieldRef.fieldPath: Unsupported value: "status.podIP"',
    );
    expect(createError(podStrategy, withVolume({ items: [{ path: 'cpu', resourceFieldRef: { resource: 'limits.cpu' } }] }))).toContain(
      'spec.volumes[0].downwardAPI.items[0].resourceFieldRef.containerName: Required value',
    );
  });
});
