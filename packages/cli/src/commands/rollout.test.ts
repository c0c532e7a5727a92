import { describe, expect, it } from 'vitest';
import type { Deployment } from '@kubelab/api';
import { deploymentRolloutStatus } from './rollout';

const deploy = (generation: number, status: Deployment['status'], replicas = 3): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', generation },
  spec: { replicas, selector: {}, template: { spec: { containers: [] } } },
  status,
});

describe('deploymentRolloutStatus (kubectl rollout status)', () => {
  it('waits until the controller observed the current generation', () => {
    expect(deploymentRolloutStatus(deploy(2, { observedGeneration: 1 }))).toEqual({
      message: 'Waiting for deployment spec update to be observed...',
      done: false,
    });
  });

  it('walks through updated, old-pending and available stages', () => {
    expect(deploymentRolloutStatus(deploy(2, { observedGeneration: 2, updatedReplicas: 1, replicas: 3 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    );
    expect(deploymentRolloutStatus(deploy(2, { observedGeneration: 2, updatedReplicas: 3, replicas: 4 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    );
    expect(
      deploymentRolloutStatus(deploy(2, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 1 })).message,
    ).toBe('Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...');
  });

  it('is done when all updated replicas are available', () => {
    expect(deploymentRolloutStatus(deploy(2, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 }))).toEqual({
      message: 'deployment "web" successfully rolled out',
      done: true,
    });
  });

  it('fails when the progress deadline passed', () => {
    const d = deploy(1, {
      observedGeneration: 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    });
    expect(() => deploymentRolloutStatus(d)).toThrow('deployment "web" exceeded its progress deadline');
  });
});
