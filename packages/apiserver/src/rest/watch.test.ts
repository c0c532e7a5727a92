import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { buildFilter } from './filters';
import { filteredType, watchTimeoutSeconds } from './watch';
import type { StoredEvent } from '../storage/store';

const pod = (app: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app } } });
const change = (before: string, after: string): StoredEvent => ({
  type: 'MODIFIED',
  resource: '/pods',
  object: pod(after),
  previous: pod(before),
  resourceVersion: 2,
});

describe('filteredType', () => {
  const web = buildFilter('app=web');
  it('maps selector transitions like the Kubernetes watch cache', () => {
    expect(filteredType(change('web', 'web'), web)).toBe('MODIFIED');
    expect(filteredType(change('db', 'web'), web)).toBe('ADDED');
    expect(filteredType(change('web', 'db'), web)).toBe('DELETED');
    expect(filteredType(change('db', 'db'), web)).toBeUndefined();
  });
  it('passes ADDED and DELETED only for matching objects', () => {
    expect(filteredType({ type: 'ADDED', resource: '/pods', object: pod('web'), resourceVersion: 1 }, web)).toBe('ADDED');
    expect(filteredType({ type: 'DELETED', resource: '/pods', object: pod('db'), resourceVersion: 1 }, web)).toBeUndefined();
  });
});

describe('watchTimeoutSeconds', () => {
  it('means no timeout when absent, zero, negative or not a number', () => {
    for (const v of [undefined, '', '0', '-5', 'abc']) expect(watchTimeoutSeconds(v), String(v)).toBeUndefined();
  });

  it('clamps a timeout too long for a timer to the longest one, never to "at once"', () => {
    expect(watchTimeoutSeconds('30')).toBe(30);
    expect(watchTimeoutSeconds(String(2 ** 31))).toBe(2147483);
    expect(watchTimeoutSeconds('1e300')).toBe(2147483);
    expect(watchTimeoutSeconds('Infinity')).toBe(2147483);
  });
});
