import { describe, expect, it } from 'vitest';
import { StatusError } from '@kubelab/api';
import { FieldSet } from './fieldpath';
import { FieldManager, lastAppliedAnnotation } from './field-manager';
import { typeOfKind } from './schema';

// biome-ignore lint/suspicious/noExplicitAny: test objects are read freely
type Obj = Record<string, any>;

const deployments = new FieldManager({
  type: typeOfKind('apps', 'Deployment'),
  apiVersion: 'apps/v1',
  resetFields: FieldSet.of([{ field: 'status' }]),
});

function deployment(replicas: number, image = 'nginx:1.25', extra: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }], ...extra }] },
      },
    },
  };
}

const entries = (o: Obj) => o.metadata.managedFields as Obj[];

describe('server-side apply', () => {
  it('records the applier as owning exactly its config, list items keyed as k:{...}', () => {
    const out = deployments.apply(undefined, deployment(2), 'kubectl', false) as Obj;
    expect(out.spec.replicas).toBe(2);
    expect(entries(out)).toHaveLength(1);
    const [e] = entries(out);
    expect(e).toMatchObject({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(e.fieldsV1).toEqual({
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });

  it('conflicts with another manager that set a field to another value, and force takes it', () => {
    const created = deployments.update(undefined, deployment(2), 'kubectl-client-side-apply') as Obj;
    expect(entries(created)[0]).toMatchObject({ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1' });
    let err: unknown;
    try {
      deployments.apply(created, deployment(3), 'other', false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(409);
    expect((err as StatusError).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    expect((err as StatusError).details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
    ]);
    const forced = deployments.apply(created, deployment(3), 'other', true) as Obj;
    expect(forced.spec.replicas).toBe(3);
    const byManager = Object.fromEntries(entries(forced).map((e) => [e.manager, e.fieldsV1]));
    expect(byManager.other['f:spec']['f:replicas']).toEqual({});
    expect(byManager['kubectl-client-side-apply']['f:spec']['f:replicas']).toBeUndefined();
    expect(entries(forced).map((e) => e.operation)).toEqual(['Apply', 'Update']);
  });

  it('lists several conflicts by manager', () => {
    const created = deployments.update(undefined, deployment(2), 'kubectl-create') as Obj;
    expect(() => deployments.apply(created, deployment(3, 'nginx:1.26'), 'other', false)).toThrow(
      'Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
  });

  it('same values from two appliers share ownership without conflict', () => {
    const a = deployments.apply(undefined, deployment(2), 'a', false) as Obj;
    const b = deployments.apply(a, deployment(2), 'b', false) as Obj;
    expect(entries(b).map((e) => e.manager)).toEqual(expect.arrayContaining(['a', 'b']));
  });

  it('removes fields the applier dropped from its config when nobody else owns them', () => {
    const first = deployments.apply(undefined, deployment(2, 'nginx', { env: [{ name: 'A', value: '1' }] }), 'kubectl', false) as Obj;
    expect(first.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    const second = deployments.apply(first, deployment(2), 'kubectl', false) as Obj;
    expect(second.spec.template.spec.containers[0].env).toBeUndefined();
    expect(second.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80 }]);
  });

  it('keeps dropped list items another applier also owns', () => {
    const env = { env: [{ name: 'A', value: '1' }] };
    const first = deployments.apply(undefined, deployment(2, 'nginx', env), 'kubectl', false) as Obj;
    const both = deployments.apply(first, deployment(2, 'nginx', env), 'other', false) as Obj;
    const second = deployments.apply(both, deployment(2, 'nginx'), 'kubectl', false) as Obj;
    expect(second.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
  });

  it('keeps fields set by an update after the applier drops the field it never owned', () => {
    const first = deployments.apply(undefined, deployment(2), 'kubectl', false) as Obj;
    const edited = structuredClone(first);
    edited.spec.template.spec.containers[0].imagePullPolicy = 'Always';
    const afterEdit = deployments.update(first, edited, 'kubectl-edit') as Obj;
    const again = deployments.apply(afterEdit, deployment(2), 'kubectl', false) as Obj;
    expect(again.spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
  });

  it('merges associative lists by key: a second applier adds a container', () => {
    const first = deployments.apply(undefined, deployment(1), 'a', false) as Obj;
    const sidecar = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'side', image: 'busybox' }] } } },
    };
    const out = deployments.apply(first, sidecar, 'b', false) as Obj;
    expect(out.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['nginx', 'side']);
    expect(out.spec.replicas).toBe(1);
  });

  it('answers a config with duplicate list keys as kube-apiserver does (500, typed patch object)', () => {
    const dup = deployment(1, 'nginx', {
      env: [
        { name: 'A', value: '1' },
        { name: 'A', value: '2' },
      ],
    });
    expect(() => deployments.apply(undefined, dup, 'a', false)).toThrow(
      'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="nginx"].env: duplicate entries for key [name="A"]',
    );
  });

  it('refuses managedFields in the config and a wrong kind', () => {
    const bad = deployment(1);
    bad.metadata.managedFields = [];
    expect(() => deployments.apply(undefined, bad, 'a', false)).toThrow('metadata.managedFields must be nil');
  });

  it('upgrades client-side apply to server-side apply without conflicts (last-applied annotation)', () => {
    const csa = deployment(2);
    csa.metadata.annotations = { [lastAppliedAnnotation]: JSON.stringify(deployment(2)) };
    const created = deployments.update(undefined, csa, 'kubectl-client-side-apply') as Obj;
    const out = deployments.apply(created, deployment(4), 'kubectl', false) as Obj;
    expect(out.spec.replicas).toBe(4);
    expect(JSON.parse(out.metadata.annotations[lastAppliedAnnotation]).spec.replicas).toBe(4);
    // Another field manager gets the conflict.
    expect(() => deployments.apply(created, deployment(4), 'someone', false)).toThrow(/conflict/);
  });
});

describe('managedFields on updates', () => {
  it('shows value structs as Kubernetes does: no "." on spec or strategy, "." on labels', () => {
    const created = deployments.update(undefined, deployment(1), 'kubectl-create') as Obj;
    const f = entries(created)[0].fieldsV1;
    expect(f['f:spec']['.']).toBeUndefined();
    expect(f['f:spec']['f:template']['f:metadata']['f:labels']['.']).toEqual({});
    expect(f['f:metadata']).toBeUndefined();
  });

  it('an update takes the fields it changed from other managers and merges into its own entry', () => {
    const a = deployments.apply(undefined, deployment(1), 'kubectl', false) as Obj;
    const scaled = deployments.update(a, { ...structuredClone(a), spec: { ...a.spec, replicas: 5 } }, 'kubectl-scale') as Obj;
    const byManager = Object.fromEntries(entries(scaled).map((e) => [e.manager, e.fieldsV1]));
    expect(byManager['kubectl-scale']).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(byManager.kubectl['f:spec']['f:replicas']).toBeUndefined();
    expect(() => deployments.apply(scaled, deployment(1), 'kubectl', false)).toThrow(
      'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas',
    );
  });

  it('ignores status on the main resource', () => {
    const created = deployments.update(undefined, { ...deployment(1), status: { replicas: 1 } }, 'x') as Obj;
    expect(entries(created)[0].fieldsV1['f:status']).toBeUndefined();
  });

  it('caps update managers at 10, folding the oldest into ancient-changes', () => {
    let o = deployments.update(undefined, deployment(1), 'm0') as Obj;
    for (let i = 1; i <= 11; i++) {
      const next = structuredClone(o);
      next.metadata.labels = { ...(next.metadata.labels ?? {}), [`l${i}`]: 'x' };
      o = deployments.update(o, next, `m${i}`) as Obj;
    }
    const managers = entries(o).map((e) => e.manager);
    expect(managers.filter((m) => m !== 'ancient-changes')).toHaveLength(9);
    expect(managers).toContain('ancient-changes');
  });
});
