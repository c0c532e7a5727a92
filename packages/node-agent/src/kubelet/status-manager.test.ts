import { describe, expect, it } from 'vitest';
import { stableJson } from '@kubelab/api';
import { statusPatch } from './status-manager';

describe('status writes', () => {
  it('compares statuses independent of key order', () => {
    expect(stableJson({ b: 1, a: { d: 2, c: [{ y: 1, x: 2 }] } })).toBe(stableJson({ a: { c: [{ x: 2, y: 1 }], d: 2 }, b: 1 }));
  });
  it('nulls keys that disappeared (merge patch)', () => {
    expect(statusPatch({ phase: 'Running', podIP: '10.244.1.2', message: 'x' }, { phase: 'Running', podIP: '10.244.1.2' })).toEqual({
      phase: 'Running',
      podIP: '10.244.1.2',
      message: null,
    });
  });
});
