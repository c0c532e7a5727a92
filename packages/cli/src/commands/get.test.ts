import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { parseResourceArgs } from '../resource-args';
import { emptyMessage } from './get-common';
import { render } from './get';

const now = Date.parse('2024-05-01T12:00:00Z');
const created = new Date(now - 90_000).toISOString();
const [pods, deploys] = parseResourceArgs(['pods,deploy']);
const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: created },
  spec: { containers: [{ name: 'c', image: 'x' }] },
  status: { phase: 'Pending' },
};
const deploy: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: created },
  spec: { replicas: 1 },
  status: {},
};

describe('get rendering', () => {
  const found = [
    { request: pods, objects: [pod] },
    { request: deploys, objects: [deploy] },
  ];

  it('prints one table per kind with kind/name names, separated by a blank line', () => {
    expect(render(found, 'table', { withKind: true, singleObject: false, now })).toBe(
      [
        'NAME      READY   STATUS    RESTARTS   AGE',
        'pod/web   0/1     Pending   0          90s',
        '',
        'NAME                  READY   UP-TO-DATE   AVAILABLE   AGE',
        'deployment.apps/web   0/1     0            0           90s',
      ].join('\n'),
    );
  });

  it('omits headers and the blank line with --no-headers, and skips empty kinds', () => {
    expect(render([{ request: pods, objects: [] }, found[1]], 'table', { withKind: true, singleObject: false, noHeaders: true, now })).toBe(
      'deployment.apps/web   0/1   0     0     90s',
    );
  });

  it('-o name prints kind.group/name', () => {
    expect(render(found, 'name', { withKind: false, singleObject: false })).toBe('pod/web\ndeployment.apps/web');
  });

  it('-o json prints a single named object bare and anything else as a List', () => {
    expect(JSON.parse(render([found[0]], 'json', { withKind: false, singleObject: true }))).toEqual(pod);
    expect(JSON.parse(render(found, 'json', { withKind: false, singleObject: false }))).toMatchObject({
      kind: 'List',
      items: [pod, deploy],
    });
  });

  it("says where nothing was found, kubectl's way", () => {
    expect(emptyMessage([{ request: pods, objects: [] }], { namespace: 'dev' })).toBe('No resources found in dev namespace.');
    expect(emptyMessage([{ request: pods, objects: [] }], { allNamespaces: true })).toBe('No resources found');
  });
});
