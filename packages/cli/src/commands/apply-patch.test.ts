import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { canonicalJson, decideApply, lastAppliedAnnotation, threeWayMergePatch, withLastApplied } from './apply-patch';
import { place } from './apply';

const manifest = (spec: Record<string, unknown>, labels: Record<string, string> = { app: 'web' }): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels },
  spec,
});

/** What the server stores after create (or patch): server fields added, defaults filled in list items. */
function live(applied: KubeObject, extra: Record<string, unknown> = {}): KubeObject {
  const obj = structuredClone(applied);
  obj.metadata = { ...obj.metadata, uid: 'u1', resourceVersion: '7', creationTimestamp: '2024-01-01T00:00:00Z', generation: 1 };
  return { ...obj, status: { replicas: 1 }, ...extra };
}

const spec = { replicas: 2, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } };

describe('withLastApplied', () => {
  it('stores the manifest, without the annotation itself, as sorted JSON plus newline', () => {
    const out = withLastApplied(manifest({ replicas: 1 }));
    const stored = out.metadata.annotations![lastAppliedAnnotation];
    expect(stored.endsWith('\n')).toBe(true);
    expect(JSON.parse(stored)).toEqual({ ...manifest({ replicas: 1 }), metadata: { ...manifest({}).metadata, annotations: {} } });
    expect(stored).toBe(`${canonicalJson(JSON.parse(stored))}\n`);
  });

  it('gives the same annotation for the same manifest whatever its key order', () => {
    const a = withLastApplied({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c' }, data: { b: '2', a: '1' } });
    const b = withLastApplied({ apiVersion: 'v1', metadata: { name: 'c' }, kind: 'ConfigMap', data: { a: '1', b: '2' } });
    expect(a.metadata.annotations).toEqual(b.metadata.annotations);
  });
});

describe('decideApply', () => {
  it('creates what does not exist, with the annotation', () => {
    const d = decideApply(manifest(spec), undefined);
    expect(d.action).toBe('create');
    if (d.action === 'create') expect(d.object.metadata.annotations?.[lastAppliedAnnotation]).toBeDefined();
  });

  it('is unchanged when the manifest is what was applied, even with server fields and defaults in list items', () => {
    const current = live(withLastApplied(manifest(spec)));
    (current.spec as typeof spec).template.spec.containers[0] = {
      ...spec.template.spec.containers[0],
      imagePullPolicy: 'IfNotPresent',
    } as never;
    expect(decideApply(manifest(spec), current)).toEqual({ action: 'unchanged' });
  });

  it('configures a changed field with a minimal patch that also refreshes the annotation', () => {
    const current = live(withLastApplied(manifest(spec)));
    const d = decideApply(manifest({ ...spec, replicas: 5 }), current);
    expect(d.action).toBe('patch');
    if (d.action !== 'patch') return;
    expect(d.patch.spec).toEqual({ replicas: 5 });
    expect(Object.keys(d.patch)).toEqual(['metadata', 'spec']);
    expect(d.missingAnnotation).toBe(false);
  });

  it('deletes fields removed from the manifest since the last apply, but not fields others set', () => {
    const applied = manifest({ ...spec, paused: true }, { app: 'web', team: 'a' });
    const current = live(withLastApplied(applied));
    current.metadata.labels = { ...current.metadata.labels, 'set-by-someone-else': 'x' };
    const d = decideApply(manifest(spec, { app: 'web' }), current);
    if (d.action !== 'patch') throw new Error(`expected a patch, got ${d.action}`);
    expect(d.patch.spec).toEqual({ paused: null });
    expect((d.patch.metadata as { labels: unknown }).labels).toEqual({ team: null });
  });

  it('sends a whole list when the user changed it', () => {
    const current = live(withLastApplied(manifest(spec)));
    const changed = { ...spec, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } };
    const d = decideApply(manifest(changed), current);
    if (d.action !== 'patch') throw new Error('expected a patch');
    expect(d.patch.spec).toEqual({ template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } });
  });

  it('changes one field of a keyed list item, keeping what the server defaulted in it (strategic-merge-like)', () => {
    const current = live(withLastApplied(manifest(spec)));
    (current.spec as typeof spec).template.spec.containers[0] = {
      ...spec.template.spec.containers[0],
      imagePullPolicy: 'IfNotPresent',
    } as never;
    const changed = { ...spec, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } };
    const d = decideApply(manifest(changed), current);
    if (d.action !== 'patch') throw new Error('expected a patch');
    expect(d.patch.spec).toEqual({
      template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }] } },
    });
  });

  it('deletes a field removed inside a list item by sending the list again', () => {
    const withEnv = {
      ...spec,
      template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }] }] } },
    };
    const current = live(withLastApplied(manifest(withEnv)));
    const d = decideApply(manifest(spec), current);
    if (d.action !== 'patch') throw new Error('expected a patch');
    expect(d.patch.spec).toEqual({ template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } });
  });

  it('patches and warns when the live object lacks the annotation (made by run/create)', () => {
    const d = decideApply(manifest(spec), live(manifest(spec)));
    expect(d).toMatchObject({ action: 'patch', missingAnnotation: true });
    if (d.action === 'patch') expect(Object.keys(d.patch)).toEqual(['metadata']);
  });
});

describe('threeWayMergePatch', () => {
  it('restores a list the live object no longer contains (drift), and ignores absent deletions', () => {
    expect(threeWayMergePatch({ a: [1] }, { a: [1] }, { a: [2] })).toEqual({ a: [1] });
    expect(threeWayMergePatch({ gone: 1 }, {}, {})).toEqual({});
  });
});

describe('place', () => {
  const item = (ns?: string, kind = 'Pod', apiVersion = 'v1') => ({
    source: 'x.yaml',
    object: { apiVersion, kind, metadata: { name: 'web', ...(ns ? { namespace: ns } : {}) } },
  });

  it("uses the manifest's namespace, else -n, else default; cluster-scoped kinds lose theirs", () => {
    expect(place(item('team'), undefined, 'default').object.metadata.namespace).toBe('team');
    expect(place(item(), 'dev', 'default').object.metadata.namespace).toBe('dev');
    expect(place(item(), undefined, 'default').object.metadata.namespace).toBe('default');
    expect(place(item('x', 'Namespace'), undefined, 'default').object.metadata.namespace).toBeUndefined();
  });

  it("rejects a manifest namespace that contradicts -n, in kubectl's words", () => {
    expect(() => place(item('team'), 'dev', 'default')).toThrow(
      `the namespace from the provided object "team" does not match the namespace "dev". You must pass '--namespace=team' to perform this operation.`,
    );
  });

  it('reports unknown kinds as a resource mapping error', () => {
    expect(() => place(item(undefined, 'Foo'), undefined, 'default')).toThrow(
      'resource mapping not found for name: "web" namespace: "" from "x.yaml": no matches for kind "Foo" in version "v1"',
    );
  });
});
