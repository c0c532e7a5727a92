// --allow-privileged as kube-apiserver words it, for pods and pod templates, through the object service.
import { beforeEach, describe, expect, it } from 'vitest';
import { privilegedRequests, type KubeObject } from '@kubelab/api';
import { Store } from '../storage/store';
import { applyClusterPolicy, type ClusterPolicy } from './cluster-policy';
import { eventStrategy, namespaceStrategy, nodeStrategy } from './core-kinds';
import { ObjectService } from './object-service';
import { Registry, type Strategy } from './strategy';
import { workloadStrategies } from './workload-kinds';

const web = { name: 'web', image: 'kubelab/toolbox:latest' };

function setup(policy: ClusterPolicy): { service: ObjectService; kind: (plural: string) => Strategy } {
  const registry = new Registry().add(namespaceStrategy).add(nodeStrategy).add(eventStrategy);
  for (const s of applyClusterPolicy(workloadStrategies, policy)) registry.add(s);
  const service = new ObjectService(new Store(), registry);
  service.create(namespaceStrategy, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return { service, kind: (plural) => registry.all().find((s) => s.info.plural === plural)! };
}

function pod(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec };
}

function withContainer(c: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return pod({ containers: [{ ...web, ...c }], ...extra });
}

describe('cluster policy without --allow-privileged', () => {
  let service: ObjectService;
  let kind: (plural: string) => Strategy;
  beforeEach(() => ({ service, kind } = setup({ allowPrivileged: false })));

  function createError(plural: string, obj: KubeObject): string {
    try {
      service.create(kind(plural), 'default', obj);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected the create to fail');
  }

  const refused: [string, KubeObject, string][] = [
    [
      'a privileged container',
      withContainer({ securityContext: { privileged: true } }),
      'spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy',
    ],
    ['the host network', withContainer({}, { hostNetwork: true }), 'spec.hostNetwork: Forbidden: disallowed by cluster policy'],
    ['the host PID namespace', withContainer({}, { hostPID: true }), 'spec.hostPID: Forbidden: disallowed by cluster policy'],
    ['the host IPC namespace', withContainer({}, { hostIPC: true }), 'spec.hostIPC: Forbidden: disallowed by cluster policy'],
    [
      'SYS_ADMIN',
      withContainer({ securityContext: { capabilities: { add: ['NET_ADMIN', 'SYS_ADMIN'] } } }),
      'spec.containers[0].securityContext.capabilities.add[1]: Forbidden: disallowed by cluster policy',
    ],
    [
      'ALL',
      withContainer({ securityContext: { capabilities: { add: ['ALL'] } } }),
      'spec.containers[0].securityContext.capabilities.add[0]: Forbidden: disallowed by cluster policy',
    ],
    [
      'a capability spelt as Docker also accepts it',
      withContainer({ securityContext: { capabilities: { add: ['cap_sys_ptrace'] } } }),
      'spec.containers[0].securityContext.capabilities.add[0]: Forbidden: disallowed by cluster policy',
    ],
    [
      'privileged spelt as a string',
      withContainer({ securityContext: { privileged: 'true' } }),
      'spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy',
    ],
    [
      'capabilities that are not a list',
      withContainer({ securityContext: { capabilities: { add: 'SYS_ADMIN' } } }),
      'spec.containers[0].securityContext.capabilities.add: Forbidden: disallowed by cluster policy',
    ],
    [
      'a privileged init container',
      pod({ initContainers: [{ ...web, name: 'init', securityContext: { privileged: true } }], containers: [web] }),
      'spec.initContainers[0].securityContext.privileged: Forbidden: disallowed by cluster policy',
    ],
  ];

  it.each(refused)('refuses %s with 422 and the field', (_what, obj, message) => {
    expect(createError('pods', obj)).toBe(`Pod "p" is invalid: ${message}`);
  });

  it('lists every refused request in one answer, as the API server does', () => {
    const obj = withContainer({ securityContext: { privileged: true, capabilities: { add: ['SYS_MODULE', 'BPF'] } } }, { hostPID: true });
    expect(createError('pods', obj)).toBe(
      'Pod "p" is invalid: [spec.hostPID: Forbidden: disallowed by cluster policy, ' +
        'spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy, ' +
        'spec.containers[0].securityContext.capabilities.add[0]: Forbidden: disallowed by cluster policy, ' +
        'spec.containers[0].securityContext.capabilities.add[1]: Forbidden: disallowed by cluster policy]',
    );
  });

  it('refuses the same in Deployment and ReplicaSet templates', () => {
    const template = {
      metadata: { labels: { app: 'x' } },
      spec: { containers: [{ ...web, securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }], hostNetwork: true },
    };
    const spec = { selector: { matchLabels: { app: 'x' } }, template };
    const msg = (kind: string) =>
      `${kind} "x" is invalid: [spec.template.spec.hostNetwork: Forbidden: disallowed by cluster policy, ` +
      'spec.template.spec.containers[0].securityContext.capabilities.add[0]: Forbidden: disallowed by cluster policy]';
    expect(createError('deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec })).toBe(
      msg('Deployment'),
    );
    expect(createError('replicasets', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'x' }, spec })).toBe(
      msg('ReplicaSet'),
    );
  });

  it('accepts NET_ADMIN, NET_RAW, Docker default capabilities, drops, and privileged: false', () => {
    const obj = withContainer({
      securityContext: { privileged: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW', 'CAP_CHOWN', 'kill'], drop: ['ALL'] } },
    });
    expect(service.create(kind('pods'), 'default', obj).object.metadata.uid).toBeTruthy();
  });

  it('says on create what a hostPath volume is here', () => {
    const { warnings } = service.create(
      kind('pods'),
      'default',
      withContainer({}, { volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }] }),
    );
    expect(warnings).toEqual([
      'Pod "p": spec.volumes[0].hostPath: "/var/log" is a private directory of the node (a Docker volume), not the host\'s; create the cluster with --allow-privileged to mount host paths',
    ]);
  });

  it('lets status writes through for objects stored before (spec unchanged)', () => {
    const { service: open } = setup({ allowPrivileged: true });
    const stored = open.create(open.registry.all().find((s) => s.info.plural === 'pods')!, 'default', withContainer({}, { hostIPC: true }));
    // Same object, a policy that refuses it: an update that leaves the spec alone still passes the policy.
    const strict = kind('pods');
    expect(strict.validate?.(stored.object, stored.object)).toEqual([]);
    const changed = strict.validate?.({ ...stored.object, spec: { ...(stored.object.spec as object), hostPID: true } }, stored.object);
    expect(changed?.map((e) => e.field)).toEqual(['spec', 'spec.hostPID', 'spec.hostIPC']);
  });
});

describe('cluster policy with --allow-privileged', () => {
  it('accepts privileged containers, host namespaces and any capability, and says hostPath is the host path', () => {
    const { service, kind } = setup({ allowPrivileged: true });
    const obj = withContainer(
      { securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN', 'ALL'] } } },
      { hostNetwork: true, volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }] },
    );
    const { warnings } = service.create(kind('pods'), 'default', obj);
    expect(warnings).toContain(
      'Pod "p": spec.volumes[0].hostPath: "/var/run/docker.sock" is the Docker host\'s own path (the cluster allows privileged pods)',
    );
  });
});

describe('privilegedRequests', () => {
  it('finds nothing in an ordinary pod and ignores malformed parts', () => {
    expect(privilegedRequests({ containers: [web, null, { securityContext: 'x' }] }, 'spec')).toEqual([]);
    expect(privilegedRequests(undefined, 'spec')).toEqual([]);
  });

  it('refuses capabilities that are not strings', () => {
    expect(privilegedRequests({ containers: [{ securityContext: { capabilities: { add: [7] } } }] }, 'spec')).toEqual([
      { field: 'spec.containers[0].securityContext.capabilities.add[0]', detail: 'disallowed by cluster policy' },
    ]);
  });
});
