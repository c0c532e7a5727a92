// ValidateLeaseSpec (pkg/apis/coordination/validation): the leader-election and node-heartbeat Leases.
import { describe, expect, it } from 'vitest';
import { validateLeaseSpec } from './lease-kinds';

describe('Lease validation', () => {
  it('accepts what client-go leader election writes', () => {
    expect(
      validateLeaseSpec({
        holderIdentity: 'ingress-nginx-controller-abc',
        leaseDurationSeconds: 30,
        acquireTime: '2026-01-01T00:00:00.000000Z',
        renewTime: '2026-01-01T00:00:07.500000Z',
        leaseTransitions: 2,
      }),
    ).toEqual([]);
  });
  it('rejects durations, transitions, strategies and preferred holders as Kubernetes does', () => {
    expect(validateLeaseSpec({ leaseDurationSeconds: 0, leaseTransitions: -1 }).map((e) => `${e.field}: ${e.message}`)).toEqual([
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    ]);
    expect(validateLeaseSpec({ strategy: 'OldestEmulationVersion', preferredHolder: 'x' })).toEqual([]);
    expect(validateLeaseSpec({ strategy: 'example.com/mine' })).toEqual([]);
    expect(validateLeaseSpec({ strategy: 'Newest' }).map((e) => e.message)).toEqual([
      'Unsupported value: "Newest": supported values: "OldestEmulationVersion"',
    ]);
    expect(validateLeaseSpec({ preferredHolder: 'pod-a' }).map((e) => `${e.field}: ${e.message}`)).toEqual([
      'spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined',
    ]);
  });
});
