import { describe, expect, it } from 'vitest';
import { buildConfigMap, buildDeployment, buildRunPod, buildSecret, containerNameForImage, parseLabels } from './object-builders';

describe('buildRunPod (kubectl run)', () => {
  it('labels run=NAME and names the container after the pod', () => {
    expect(buildRunPod({ name: 'web', image: 'nginx' })).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { run: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx', resources: {} }], dnsPolicy: 'ClusterFirst', restartPolicy: 'Always' },
    });
  });

  it('passes words after -- as args, or as the command with --command', () => {
    expect(buildRunPod({ name: 'a', image: 'busybox', words: ['sleep', '3600'] }).spec.containers[0]).toMatchObject({
      args: ['sleep', '3600'],
    });
    const c = buildRunPod({ name: 'a', image: 'busybox', words: ['sleep', '3600'], command: true }).spec.containers[0];
    expect(c.command).toEqual(['sleep', '3600']);
    expect(c.args).toBeUndefined();
  });

  it('adds port, env, restart policy, and --labels replaces run=NAME', () => {
    const p = buildRunPod({ name: 'a', image: 'x', port: 8080, env: ['A=1', 'B=x=y'], labels: 'app=a,tier=be', restart: 'Never' });
    expect(p.metadata.labels).toEqual({ app: 'a', tier: 'be' });
    expect(p.spec.restartPolicy).toBe('Never');
    expect(p.spec.containers[0]).toMatchObject({
      ports: [{ containerPort: 8080 }],
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: 'x=y' },
      ],
    });
  });

  it('rejects what kubectl rejects', () => {
    expect(() => buildRunPod({ name: 'a', image: 'x', restart: 'Sometimes' })).toThrow('invalid restart policy: Sometimes');
    expect(() => buildRunPod({ name: 'a', image: '' })).toThrow('required flag(s) "image" not set');
    expect(() => parseLabels('app')).toThrow(/invalid label spec/);
  });
});

describe('buildDeployment (kubectl create deployment)', () => {
  it('labels and selects app=NAME, names containers after images, command after --', () => {
    const d = buildDeployment({
      name: 'web',
      images: ['registry.local:5000/team/nginx:1.25'],
      replicas: 3,
      port: 80,
      command: ['nginx', '-g', 'daemon off;'],
    });
    expect(d.metadata).toEqual({ name: 'web', labels: { app: 'web' } });
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(d.spec.template.metadata?.labels).toEqual({ app: 'web' });
    expect(d.spec.template.spec.containers).toEqual([
      {
        name: 'nginx',
        image: 'registry.local:5000/team/nginx:1.25',
        command: ['nginx', '-g', 'daemon off;'],
        resources: {},
        ports: [{ containerPort: 80 }],
      },
    ]);
  });

  it('defaults to one replica and drops tags and digests from container names', () => {
    expect(buildDeployment({ name: 'w', images: ['my_app@sha256:abc'] }).spec).toMatchObject({
      replicas: 1,
      template: { spec: { containers: [{ name: 'my-app' }] } },
    });
    const taken = new Set<string>();
    expect(containerNameForImage('nginx', taken)).toBe('nginx');
    expect(containerNameForImage('nginx:2', taken)).toMatch(/^nginx-[a-z0-9]+$/);
  });
});

describe('configmaps and secrets', () => {
  it('--from-literal and --from-file data; secrets base64', () => {
    const files = [{ path: '/tmp/app.conf', content: Buffer.from('x=1\n') }];
    expect(buildConfigMap('c', { literals: ['a=1', 'b=two=2'], files }).data).toEqual({ a: '1', b: 'two=2', 'app.conf': 'x=1\n' });
    expect(buildSecret('s', { literals: ['password=hunter2'] })).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { password: 'aHVudGVyMg==' },
      type: 'Opaque',
    });
  });

  it('puts non-UTF-8 files in binaryData and rejects duplicate or invalid keys', () => {
    expect(buildConfigMap('c', { files: [{ path: 'blob', content: Buffer.from([0xff, 0xfe]) }] }).binaryData).toEqual({ blob: '//4=' });
    expect(() => buildConfigMap('c', { literals: ['a=1', 'a=2'] })).toThrow(
      'cannot add key a, another key by that name already exists in Data for ConfigMap "c"',
    );
    expect(() => buildSecret('s', { literals: ['a b=1'] })).toThrow(/not a valid key name/);
  });
});
