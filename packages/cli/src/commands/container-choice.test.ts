import { describe, expect, it } from 'vitest';
import type { Pod } from '@kubelab/api';
import { chooseContainer } from './container-choice';

const pod = (extra: Partial<Pod> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: {
    containers: [
      { name: 'app', image: 'x' },
      { name: 'sidecar', image: 'y' },
    ],
    initContainers: [{ name: 'setup', image: 'z' }],
  },
  status: { phase: 'Running' },
  ...extra,
});

describe('chooseContainer', () => {
  it("defaults to the first container and says so when there are several, in kubectl's words", () => {
    expect(chooseContainer(pod(), undefined)).toEqual({
      name: 'app',
      notice: 'Defaulted container "app" out of: app, sidecar, setup (init)',
    });
    expect(chooseContainer(pod({ spec: { containers: [{ name: 'only', image: 'x' }] } }), undefined)).toEqual({
      name: 'only',
      notice: undefined,
    });
  });
  it('honours -c and the default-container annotation; rejects unknown names', () => {
    expect(chooseContainer(pod(), 'sidecar')).toEqual({ name: 'sidecar' });
    expect(
      chooseContainer(pod({ metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/default-container': 'sidecar' } } }), undefined),
    ).toEqual({ name: 'sidecar' });
    expect(() => chooseContainer(pod(), 'nope')).toThrow('container nope is not valid for pod web');
  });
});
