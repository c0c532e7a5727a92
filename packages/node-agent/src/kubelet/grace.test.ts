import type { Pod } from '@kubelab/api';
import { describe, expect, it } from 'vitest';
import { maxStopSeconds, podGraceSeconds, stopTimeoutSeconds } from './grace';

const pod = (grace?: number): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [], terminationGracePeriodSeconds: grace } }) as Pod;

describe('podGraceSeconds', () => {
  it('is the pod grace period within the kubelet minimum (2 s) and the node cap', () => {
    expect(podGraceSeconds(pod(5), 30)).toBe(5);
    expect(podGraceSeconds(pod(), 30)).toBe(30);
    expect(podGraceSeconds(undefined, 3)).toBe(3);
    expect(podGraceSeconds(pod(600), 3)).toBe(3);
    expect(podGraceSeconds(pod(0), 3)).toBe(2);
  });

  it('never hands Docker a negative or unbounded wait (docker stop -t -1 waits forever)', () => {
    expect(podGraceSeconds(pod(-1), 3)).toBe(2);
    expect(podGraceSeconds(pod(-1), 0)).toBe(0);
    expect(podGraceSeconds(pod(Number.NaN), 3)).toBe(3);
    expect(podGraceSeconds(pod(1e9), 1e9)).toBe(maxStopSeconds);
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
