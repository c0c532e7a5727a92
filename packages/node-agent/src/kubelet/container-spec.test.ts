import { describe, expect, it } from 'vitest';
import { buildContainerSpec, commandAndArgs, containerHash } from './container-spec';
import { ContainerConfigError } from './env';
import { container, pod } from './fixtures.test-util';
import { containerName, podRef, sandboxName } from './names';

const owner = { cluster: 'kt', node: 'kt-worker' };

describe('commandAndArgs (Kubernetes command/args on Docker Entrypoint/Cmd)', () => {
  const env = [
    { name: 'GREETING', value: 'hi' },
    { name: 'PORT', value: '8080' },
  ];
  it('neither: the image decides', () => {
    expect(commandAndArgs(container('a'), env)).toEqual({});
  });
  it('command only: replaces ENTRYPOINT and drops the image CMD', () => {
    expect(commandAndArgs(container('a', { command: ['sleep', '3600'] }), env)).toEqual({ Entrypoint: ['sleep', '3600'], Cmd: [] });
  });
  it('args only: keeps the image ENTRYPOINT, replaces CMD', () => {
    expect(commandAndArgs(container('a', { args: ['--port', '$(PORT)'] }), env)).toEqual({ Cmd: ['--port', '8080'] });
  });
  it('both, with $(VAR) expansion and $$ escapes', () => {
    expect(commandAndArgs(container('a', { command: ['sh', '-c'], args: ['echo $(GREETING) $$(GREETING) $(NOPE)'] }), env)).toEqual({
      Entrypoint: ['sh', '-c'],
      Cmd: ['echo hi $(GREETING) $(NOPE)'],
    });
  });
  it('an empty command counts as unset', () => {
    expect(commandAndArgs(container('a', { command: [], args: ['x'] }), env)).toEqual({ Cmd: ['x'] });
  });
});

describe('buildContainerSpec', () => {
  const p = pod();
  const ref = podRef(p);
  const c = container('app', {
    workingDir: '/srv',
    resources: { limits: { memory: '64Mi', cpu: '500m' } },
    securityContext: { capabilities: { add: ['NET_ADMIN'] } },
  });
  const spec = buildContainerSpec({
    owner,
    ref,
    pod: p,
    container: c,
    kind: 'app',
    attempt: 3,
    sandboxId: 'sandbox123',
    env: [{ name: 'A', value: '1' }],
    mounts: [{ Type: 'volume', Source: 'v', Target: '/data' }],
    allowPrivileged: false,
  });

  it('joins the sandbox network and IPC namespaces, without extra capabilities by default', () => {
    expect(spec.HostConfig?.NetworkMode).toBe('container:sandbox123');
    expect(spec.HostConfig?.IpcMode).toBe('container:sandbox123');
    expect(spec.Hostname).toBeUndefined();
    const plain = buildContainerSpec({
      owner,
      ref,
      pod: p,
      container: container('x'),
      kind: 'app',
      attempt: 0,
      sandboxId: 's',
      env: [],
      mounts: [],
      allowPrivileged: false,
    });
    expect(plain.HostConfig?.CapAdd).toBeUndefined();
    expect(plain.HostConfig?.Privileged).toBeUndefined();
  });

  it('is named and labelled for the CLI (exec/logs) and cluster down', () => {
    expect(spec.name).toBe('kt_app_web_default_1234abcd_3');
    expect(spec.Labels).toMatchObject({
      'kubelab.cluster': 'kt',
      'kubelab.role': 'pod',
      'kubelab.node': 'kt-worker',
      'kubelab.namespace': 'default',
      'kubelab.pod': 'web',
      'kubelab.pod-uid': ref.uid,
      'kubelab.container': 'app',
      'kubelab.container-kind': 'app',
      'kubelab.attempt': '3',
      'kubelab.container-hash': containerHash(c),
    });
  });

  it('maps workingDir, env, mounts, limits and securityContext', () => {
    expect(spec.WorkingDir).toBe('/srv');
    expect(spec.Env).toEqual(['A=1']);
    expect(spec.HostConfig?.Mounts).toEqual([{ Type: 'volume', Source: 'v', Target: '/data' }]);
    expect(spec.HostConfig?.Memory).toBe(64 * 1024 * 1024);
    expect(spec.HostConfig?.NanoCpus).toBe(500_000_000);
    expect(spec.HostConfig?.CapAdd).toEqual(['NET_ADMIN']);
    expect(spec.HostConfig?.RestartPolicy?.Name).toBe('no');
  });

  it('runAsUser/runAsGroup become User', () => {
    const s = buildContainerSpec({
      owner,
      ref,
      pod: pod({ securityContext: { runAsUser: 1000 } }),
      container: container('x', { securityContext: { runAsGroup: 5 } }),
      kind: 'init',
      attempt: 0,
      sandboxId: 's',
      env: [],
      mounts: [],
      allowPrivileged: false,
    });
    expect(s.User).toBe('1000:5');
    expect(s.Labels?.['kubelab.container-kind']).toBe('init');
  });

  const build = (c: Parameters<typeof container>[1], allowPrivileged: boolean, spec: Record<string, unknown> = {}) =>
    buildContainerSpec({
      owner,
      ref,
      pod: pod(spec),
      container: container('x', c),
      kind: 'app',
      attempt: 0,
      sandboxId: 's',
      env: [],
      mounts: [],
      allowPrivileged,
    });

  it('refuses privileged mode, host namespaces and wide capabilities without --allow-privileged (defence in depth)', () => {
    expect(() => build({ securityContext: { privileged: true } }, false)).toThrow(
      'container "x": securityContext.privileged: disallowed by cluster policy (the cluster was created without --allow-privileged)',
    );
    expect(() => build({ securityContext: { capabilities: { add: ['NET_ADMIN', 'sys_admin'] } } }, false)).toThrow(
      /^container "x": securityContext\.capabilities\.add\[1\]: disallowed by cluster policy/,
    );
    expect(() => build({}, false, { hostPID: true })).toThrow(/^container "x": spec\.hostPID: disallowed by cluster policy/);
    expect(() => build({}, false, { hostNetwork: true })).toThrow(ContainerConfigError);
    const sneaky = { securityContext: { privileged: 'true', capabilities: { add: 'SYS_ADMIN' } } } as unknown as Parameters<
      typeof container
    >[1];
    expect(() => build(sneaky, false)).toThrow(/securityContext\.privileged, securityContext\.capabilities\.add: disallowed/);
    // Only real booleans and lists reach Docker, even where privileged pods are allowed.
    expect(build(sneaky, true).HostConfig).not.toHaveProperty('Privileged');
    expect(build(sneaky, true).HostConfig).not.toHaveProperty('CapAdd');
  });

  it('passes privileged mode and any capability to Docker on a cluster that allows them', () => {
    const s = build({ securityContext: { privileged: true, capabilities: { add: ['cap_sys_admin'], drop: ['NET_RAW'] } } }, true);
    expect(s.HostConfig?.Privileged).toBe(true);
    expect(s.HostConfig?.CapAdd).toEqual(['SYS_ADMIN']);
    expect(s.HostConfig?.CapDrop).toEqual(['NET_RAW']);
  });

  it('lets no other HostConfig option through from a manifest', () => {
    const hostile = {
      securityContext: {
        capabilities: { add: ['NET_RAW'] },
        seccompProfile: { type: 'Unconfined' },
        appArmorProfile: { type: 'Unconfined' },
        procMount: 'Unmasked',
        Binds: ['/:/host'],
        Devices: [{ PathOnHost: '/dev/sda' }],
      },
      HostConfig: { Privileged: true, PidMode: 'host' },
      hostConfig: { Binds: ['/:/host'] },
    } as unknown as Parameters<typeof container>[1];
    const s = build(hostile, false, { securityContext: { sysctls: [{ name: 'kernel.x', value: '1' }] }, shareProcessNamespace: true });
    expect(Object.keys(s.HostConfig ?? {}).sort()).toEqual(['CapAdd', 'IpcMode', 'Mounts', 'NetworkMode', 'RestartPolicy']);
    expect(Object.keys(s).sort()).toEqual(['Env', 'HostConfig', 'Image', 'Labels', 'OpenStdin', 'Tty', 'name']);
  });

  it('the hash changes with the spec (image update restarts the container)', () => {
    expect(containerHash(container('a', { image: 'x:1' }))).not.toBe(containerHash(container('a', { image: 'x:2' })));
  });
});

describe('names', () => {
  it('are docker-safe', () => {
    const ref = { namespace: 'kube-system', name: 'coredns-abc.x', uid: 'ffff-eeee-dddd' };
    expect(sandboxName('kt', ref, 0)).toBe('kt_POD_coredns-abc.x_kube-system_ffffeeee_0');
    expect(containerName('kt', 'dns', ref, 2)).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
  });
});

describe('containerHash', () => {
  it('ignores key order, so a re-sent spec restarts nothing', () => {
    expect(containerHash({ name: 'a', image: 'i', ports: [{ containerPort: 80, protocol: 'TCP' }] })).toBe(
      containerHash({ ports: [{ protocol: 'TCP', containerPort: 80 }], image: 'i', name: 'a' }),
    );
    expect(containerHash({ name: 'a', image: 'i' })).not.toBe(containerHash({ name: 'a', image: 'j' }));
  });
});
