import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { conditionMet, parseWaitFor } from './wait';

const pod = (status: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  status: { conditions: [{ type: 'Ready', status }] },
});

describe('wait', () => {
  it('parses --for like kubectl', () => {
    expect(parseWaitFor('condition=Ready')).toEqual({ condition: 'ready', status: 'true' });
    expect(parseWaitFor('condition=Available=False')).toEqual({ condition: 'available', status: 'false' });
    expect(parseWaitFor('delete')).toEqual({ delete: true });
    expect(() => parseWaitFor('ready')).toThrow('unrecognized condition: "ready"');
  });
  it('compares condition type and status case-insensitively', () => {
    expect(conditionMet(pod('True'), { condition: 'ready', status: 'true' })).toBe(true);
    expect(conditionMet(pod('False'), { condition: 'ready', status: 'true' })).toBe(false);
  });
});
