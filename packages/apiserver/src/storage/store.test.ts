import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { Store } from './store';

function obj(name: string, uid: string, owners: string[] = [], namespace = 'default'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid,
      ownerReferences: owners.map((o) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o, uid: o })),
    },
  };
}

describe('Store indexes', () => {
  it('finds dependents through the owner index, following updates and removals', () => {
    const s = new Store();
    s.put('/pods', obj('a', 'ua', ['rs1']), 'ADDED');
    s.put('/pods', obj('b', 'ub', ['rs1', 'rs2']), 'ADDED');
    s.put('/pods', obj('c', 'uc'), 'ADDED');
    const names = (uid: string): string[] =>
      s
        .dependents(uid)
        .map((d) => d.object.metadata.name!)
        .sort();
    expect(names('rs1')).toEqual(['a', 'b']);
    expect(names('rs2')).toEqual(['b']);
    expect(s.hasDependents('nobody')).toBe(false);
    // Re-parented: rs1 loses b.
    s.put('/pods', obj('b', 'ub', ['rs2']), 'MODIFIED');
    expect(names('rs1')).toEqual(['a']);
    s.remove('/pods', 'default', 'a');
    expect(s.hasDependents('rs1')).toBe(false);
    expect(s.getByUid('ub')?.object.metadata.name).toBe('b');
    expect(s.getByUid('ua')).toBeUndefined();
  });

  it('lists one kind in namespace/name order, keeping the order across updates and changes', () => {
    const s = new Store();
    for (const n of ['b', 'a', 'c']) s.put('/pods', obj(n, `u${n}`, [], 'ns2'), 'ADDED');
    s.put('/pods', obj('z', 'uz', [], 'ns1'), 'ADDED');
    s.put('/configmaps', obj('a', 'cm', [], 'ns1'), 'ADDED');
    const list = (ns?: string): string[] => s.list('/pods', ns).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(list()).toEqual(['ns1/z', 'ns2/a', 'ns2/b', 'ns2/c']);
    s.put('/pods', { ...obj('a', 'ua', [], 'ns2'), metadata: { ...obj('a', 'ua', [], 'ns2').metadata, labels: { x: 'y' } } }, 'MODIFIED');
    expect(s.list('/pods', 'ns2')[0].metadata.labels).toEqual({ x: 'y' });
    s.remove('/pods', 'ns2', 'b');
    s.put('/pods', obj('aa', 'uaa', [], 'ns2'), 'ADDED');
    expect(list('ns2')).toEqual(['ns2/a', 'ns2/aa', 'ns2/c']);
    expect(s.count('/pods')).toBe(4);
  });

  it('rebuilds its indexes from a snapshot', () => {
    const s = new Store();
    s.put('/pods', obj('a', 'ua', ['rs1']), 'ADDED');
    const t = new Store();
    t.load(s.snapshot());
    expect(t.dependents('rs1').map((d) => d.object.metadata.name)).toEqual(['a']);
    expect(t.list('/pods')).toHaveLength(1);
  });

  it('replays changes after a resourceVersion from its history', () => {
    const s = new Store(10);
    for (let i = 0; i < 30; i++) s.put('/pods', obj(`p${i}`, `u${i}`), 'ADDED');
    expect(s.changesSince('/pods', 5)).toBeUndefined();
    expect(s.changesSince('/pods', 25)?.map((e) => e.resourceVersion)).toEqual([26, 27, 28, 29, 30]);
    expect(s.changesSince('/configmaps', 25)).toEqual([]);
  });
});
