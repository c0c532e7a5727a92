import type { Pod } from '@kubelab/api';
import { describe, expect, it } from 'vitest';
import { maxStopSeconds, podGraceSeconds, stopTimeoutSeconds } from './grace';

const pod = (grace?: number): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [], terminationGracePeriodSeconds: grace } }) as Pod;

describe('podGraceSeconds', () => {
  it('is the whole pod grace period, at least the kubelet minimum (2 s), with no hidden cap', () => {
    expect(podGraceSeconds(pod(5))).toBe(5);
    expect(podGraceSeconds(pod())).toBe(30);
    expect(podGraceSeconds(undefined)).toBe(30);
    expect(podGraceSeconds(pod(600))).toBe(600);
    expect(podGraceSeconds(pod(0))).toBe(2);
  });

  it("takes the deletion's grace period over the spec's (kubectl delete --grace-period, evictions)", () => {
    const p = pod(30);
    p.metadata.deletionGracePeriodSeconds = 8;
    expect(podGraceSeconds(p)).toBe(8);
    p.metadata.deletionGracePeriodSeconds = 0;
    expect(podGraceSeconds(p)).toBe(2);
  });

  it('never hands Docker a negative or unbounded wait (docker stop -t -1 waits forever)', () => {
    expect(podGraceSeconds(pod(-1))).toBe(2);
    expect(podGraceSeconds(pod(Number.NaN))).toBe(30);
    expect(podGraceSeconds(pod(1e9))).toBe(maxStopSeconds);
  });
});

describe('stopTimeoutSeconds', () => {
  it('is a whole number from 0 to the maximum', () => {
    expect(stopTimeoutSeconds(-1)).toBe(0);
    expect(stopTimeoutSeconds(Number.NaN)).toBe(0);
    expect(stopTimeoutSeconds(1.2)).toBe(2);
    expect(stopTimeoutSeconds(2 ** 40)).toBe(maxStopSeconds);
  });
});
