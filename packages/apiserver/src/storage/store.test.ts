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

describe('Store commits (the watch cache in front of etcd)', () => {
  const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } });

  it('hands each change to a durable backend and shows it to watchers only once committed', async () => {
    const handed: number[] = [];
    const s = new Store(100, (e) => handed.push(e.resourceVersion));
    s.durable = true;
    const seen: number[] = [];
    s.subscribeCommitted((e) => seen.push(e.resourceVersion));
    s.put('/configmaps', cm('a'), 'ADDED');
    const b = s.put('/configmaps', cm('b'), 'ADDED');
    expect(handed).toEqual([1, 2]);
    expect(seen).toEqual([]);
    let answered = false;
    const waiting = s.committed(Number(b.metadata.resourceVersion)).then(() => (answered = true));
    s.markCommitted(1);
    await Promise.resolve();
    expect(seen).toEqual([1]);
    expect(answered).toBe(false);
    s.markCommitted(2);
    await waiting;
    expect(seen).toEqual([1, 2]);
  });

  it('carries the replaced resourceVersion for compare-and-swap, and applies changes made in etcd at their revision', () => {
    const events: { rv: number; prior?: number; type: string }[] = [];
    const s = new Store(100, (e) => events.push({ rv: e.resourceVersion, prior: e.priorResourceVersion, type: e.type }));
    s.durable = true;
    s.put('/configmaps', cm('a'), 'ADDED');
    s.put('/configmaps', cm('a'), 'MODIFIED');
    s.remove('/configmaps', 'default', 'a');
    s.markCommitted(3);
    expect(events).toEqual([
      { rv: 1, prior: undefined, type: 'ADDED' },
      { rv: 2, prior: 1, type: 'MODIFIED' },
      { rv: 3, prior: 2, type: 'DELETED' },
    ]);
    s.applyExternal({
      type: 'ADDED',
      resource: '/configmaps',
      object: { ...cm('x'), metadata: { ...cm('x').metadata, resourceVersion: '7' } },
      resourceVersion: 7,
    });
    expect(s.resourceVersion).toBe(7);
    expect(s.get('/configmaps', 'default', 'x')?.metadata.resourceVersion).toBe('7');
    // Not handed back to the backend: it came from etcd.
    expect(events).toHaveLength(3);
    expect(s.changesSince('/configmaps', 3)?.map((e) => e.type)).toEqual(['ADDED']);
  });
});
