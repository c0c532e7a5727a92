import { describe, expect, it } from 'vitest';
import type { Pod } from '@kubelab/api';
import { gracefulDecision, podDeleteGraceSeconds } from './pod-graceful-delete';

const pod = (extra: { grace?: number; node?: string; phase?: string; deletionGracePeriodSeconds?: number } = {}): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      uid: 'u1',
      ...(extra.deletionGracePeriodSeconds !== undefined
        ? { deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: extra.deletionGracePeriodSeconds }
        : {}),
    },
    spec: { containers: [], nodeName: extra.node ?? 'n1', terminationGracePeriodSeconds: extra.grace },
    status: { phase: extra.phase ?? 'Running' },
  }) as Pod;

const now = Date.parse('2026-01-01T00:00:00Z');

describe('graceful pod deletion', () => {
  it("takes DeleteOptions' period, else the pod's, else 30; negative counts as 1", () => {
    expect(podDeleteGraceSeconds(pod({ grace: 10 }), {})).toBe(10);
    expect(podDeleteGraceSeconds(pod(), {})).toBe(30);
    expect(podDeleteGraceSeconds(pod({ grace: 10 }), { gracePeriodSeconds: 3 })).toBe(3);
    expect(podDeleteGraceSeconds(pod(), { gracePeriodSeconds: -5 })).toBe(1);
  });

  it('deletes at once a pod never scheduled, one that finished, or with grace 0', () => {
    expect(gracefulDecision(pod({ node: '' }), {}, now)).toEqual({ kind: 'delete' });
    expect(gracefulDecision(pod({ phase: 'Succeeded' }), {}, now)).toEqual({ kind: 'delete' });
    expect(gracefulDecision(pod({ phase: 'Failed' }), {}, now)).toEqual({ kind: 'delete' });
    expect(gracefulDecision(pod(), { gracePeriodSeconds: 0 }, now)).toEqual({ kind: 'delete' });
  });

  it('marks a running pod Terminating: deletionTimestamp = now + period', () => {
    expect(gracefulDecision(pod({ grace: 30 }), {}, now)).toEqual({
      kind: 'mark',
      deletionTimestamp: '2026-01-01T00:00:30Z',
      deletionGracePeriodSeconds: 30,
    });
  });

  it('a second delete may only shorten the period', () => {
    expect(gracefulDecision(pod({ deletionGracePeriodSeconds: 30 }), {}, now)).toEqual({ kind: 'unchanged' });
    expect(gracefulDecision(pod({ deletionGracePeriodSeconds: 30 }), { gracePeriodSeconds: 5 }, now)).toMatchObject({
      kind: 'mark',
      deletionGracePeriodSeconds: 5,
    });
    expect(gracefulDecision(pod({ deletionGracePeriodSeconds: 30 }), { gracePeriodSeconds: 0 }, now)).toEqual({ kind: 'delete' });
  });
});
