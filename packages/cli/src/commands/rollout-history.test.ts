import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '@kubelab/api';
import { historyTable, ownedReplicaSets, rollbackPlan, rollbackTarget } from './rollout-history';

const tpl = (image: string, hash?: string) => ({
  metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'web', image }] },
});

const d: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', uid: 'd1', annotations: { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'v3' } },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: tpl('echo:v3') },
};

function rs(name: string, revision: number, image: string, cause?: string): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...(cause ? { 'kubernetes.io/change-cause': cause } : {}) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }],
    },
    spec: { replicas: 0, selector: {}, template: tpl(image, name.split('-')[1]) },
  };
}

const owned = [rs('web-a', 1, 'echo:v1'), rs('web-b', 2, 'echo:v2', 'kubectl set image v2'), rs('web-c', 3, 'echo:v3', 'v3')];

// kubectl polymorphichelpers/history.go and rollback.go
describe('rollout history and undo', () => {
  it('lists revisions oldest first with their change cause', () => {
    expect(historyTable(owned)).toBe(
      ['REVISION  CHANGE-CAUSE', '1         <none>', '2         kubectl set image v2', '3         v3'].join('\n'),
    );
    expect(historyTable([])).toBe('No rollout history found.');
  });

  it('keeps only the ReplicaSets the Deployment controls', () => {
    const stranger = { ...rs('other-x', 1, 'x'), metadata: { name: 'other-x', ownerReferences: [] } };
    expect(ownedReplicaSets(d, [...owned, stranger]).map((x) => x.metadata.name)).toEqual(['web-a', 'web-b', 'web-c']);
  });

  it('undo goes to the previous revision by default, or the one asked for', () => {
    expect(rollbackTarget(d, owned, 0).metadata.name).toBe('web-b');
    expect(rollbackTarget(d, owned, 1).metadata.name).toBe('web-a');
    expect(() => rollbackTarget(d, owned, 7)).toThrow('unable to find specified revision 7 in history');
    expect(() => rollbackTarget(d, owned.slice(2), 0)).toThrow('no rollout history found for deployment "web"');
  });

  it('patches the template without its hash label and carries the revision annotations over', () => {
    const plan = rollbackPlan(d, owned[1]);
    expect(plan).toEqual({
      patch: [
        { op: 'replace', path: '/spec/template', value: tpl('echo:v2') },
        {
          op: 'replace',
          path: '/metadata/annotations',
          value: { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'kubectl set image v2' },
        },
      ],
    });
    expect(rollbackPlan(d, owned[2])).toEqual({ skipped: 'skipped rollback (current template already matches revision 3)' });
    expect(() => rollbackPlan({ ...d, spec: { ...d.spec, paused: true } }, owned[1])).toThrow(/cannot rollback a paused deployment/);
  });
});
