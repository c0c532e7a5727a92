import { describe, expect, it } from 'vitest';
import type { ConfigMap, Deployment, KubeObject, Pod, ReplicaSet, Secret } from '@kubelab/api';
import { printTable, WatchRowPrinter, tableColumns, tableRows } from './table';
import { selectorString } from '@kubelab/api';

const now = Date.parse('2024-05-01T12:00:00Z');
const created = new Date(now - 5 * 60_000).toISOString();
const meta = (name: string, extra: Partial<KubeObject['metadata']> = {}) => ({
  name,
  namespace: 'default',
  creationTimestamp: created,
  ...extra,
});

const template = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.25' },
      { name: 'side', image: 'busybox' },
    ],
  },
};
const deployment: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta('web'),
  spec: { replicas: 3, selector: { matchLabels: { app: 'web', tier: 'fe' } }, template },
  status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2, replicas: 3 },
};
const replicaSet: ReplicaSet = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: meta('web-5d4f8b7c9d'),
  spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f8b7c9d' } }, template },
  status: { replicas: 3, readyReplicas: 1 },
};
const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta('web-5d4f8b7c9d-abcde', { labels: { app: 'web', 'pod-template-hash': '5d4f8b7c9d' } }),
  spec: { containers: [{ name: 'nginx', image: 'nginx' }], nodeName: 'kl-worker' },
  status: {
    phase: 'Running',
    podIP: '10.244.1.7',
    podIPs: [{ ip: '10.244.1.7' }],
    containerStatuses: [{ name: 'nginx', image: 'nginx', ready: true, restartCount: 0, state: { running: {} } }],
  },
};

describe('get tables per kind', () => {
  it('pods, and -o wide', () => {
    expect(printTable([pod], 'Pod', { now })).toBe(
      ['NAME                   READY   STATUS    RESTARTS   AGE', 'web-5d4f8b7c9d-abcde   1/1     Running   0          5m'].join('\n'),
    );
    expect(printTable([pod], 'Pod', { now, wide: true }).split('\n')).toEqual([
      'NAME                   READY   STATUS    RESTARTS   AGE   IP           NODE        NOMINATED NODE   READINESS GATES',
      'web-5d4f8b7c9d-abcde   1/1     Running   0          5m    10.244.1.7   kl-worker   <none>           <none>',
    ]);
  });

  it('deployments, and -o wide with sorted selector', () => {
    expect(printTable([deployment], 'Deployment', { now })).toBe(
      'NAME   READY   UP-TO-DATE   AVAILABLE   AGE\nweb    2/3     3            2           5m',
    );
    expect(printTable([deployment], 'Deployment', { now, wide: true }).split('\n')[1]).toBe(
      'web    2/3     3            2           5m    nginx,side   nginx:1.25,busybox   app=web,tier=fe',
    );
  });

  it('replicasets', () => {
    expect(printTable([replicaSet], 'ReplicaSet', { now })).toBe(
      'NAME             DESIRED   CURRENT   READY   AGE\nweb-5d4f8b7c9d   3         3         1       5m',
    );
  });

  it('configmaps and secrets count their keys', () => {
    const cm: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('conf'),
      data: { a: '1', b: '2' },
      binaryData: { c: 'AA==' },
    };
    const secret: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: meta('creds'), type: 'Opaque', data: { user: 'dQ==' } };
    expect(printTable([cm], 'ConfigMap', { now })).toBe('NAME   DATA   AGE\nconf   3      5m');
    expect(printTable([secret], 'Secret', { now })).toBe('NAME    TYPE     DATA   AGE\ncreds   Opaque   1      5m');
  });

  it('prefixes kind names, a NAMESPACE column and a LABELS column on request', () => {
    const text = printTable([pod], 'Pod', { now, namePrefix: 'pod', withNamespace: true, showLabels: true });
    expect(text.split('\n')).toEqual([
      'NAMESPACE   NAME                       READY   STATUS    RESTARTS   AGE   LABELS',
      'default     pod/web-5d4f8b7c9d-abcde   1/1     Running   0          5m    app=web,pod-template-hash=5d4f8b7c9d',
    ]);
  });

  it('-L adds one column per label key, empty when unset', () => {
    expect(printTable([pod, { ...pod, metadata: meta('other') }], 'Pod', { now, labelColumns: ['app'] }).split('\n')).toEqual([
      'NAME                   READY   STATUS    RESTARTS   AGE   APP',
      'web-5d4f8b7c9d-abcde   1/1     Running   0          5m    web',
      'other                  1/1     Running   0          5m',
    ]);
  });
});

describe('selectorString', () => {
  it('sorts by key and prints expressions like labels.Selector', () => {
    expect(
      selectorString({
        matchLabels: { tier: 'fe', app: 'web' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'dev'] },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=web,env in (dev,prod),!legacy,tier=fe');
    expect(selectorString(undefined)).toBe('');
  });
});

describe('WatchRowPrinter', () => {
  it('lines rows up with the printed table and widens a column for good when a cell is longer', () => {
    const cols = tableColumns('Pod', {});
    const initial = [cols.map((c) => c.header), ...tableRows([pod], cols, now)];
    const rows = new WatchRowPrinter(cols, initial);
    const pending: Pod = {
      ...pod,
      status: {
        phase: 'Pending',
        containerStatuses: [
          { name: 'nginx', image: 'nginx', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      },
    };
    expect(rows.row(pod, now)).toBe('web-5d4f8b7c9d-abcde   1/1     Running   0          5m');
    expect(rows.row(pending, now)).toBe('web-5d4f8b7c9d-abcde   0/1     ContainerCreating   0          5m');
    expect(rows.row(pod, now)).toBe('web-5d4f8b7c9d-abcde   1/1     Running             0          5m');
  });
});
