import { describe, expect, it } from 'vitest';
import { mergeEnv } from './node-container';

describe('mergeEnv', () => {
  it('keeps the flags a recreated node was made with, but its own per-node values', () => {
    const spec = ['NODE_NAME=lab-worker2', 'NODE_IP=172.30.0.4', 'LOG_LEVEL=info', 'KUBELAB_NODE_ROLE=worker'];
    // Recorded from the sibling lab-worker: its name and address must not leak into lab-worker2.
    const sibling = [
      'NODE_NAME=lab-worker',
      'NODE_IP=172.30.0.3',
      'LOG_LEVEL=debug',
      'KUBELAB_ALLOW_PRIVILEGED=true',
      'KUBELAB_HEARTBEAT_MS=1000',
      'PATH=/usr/bin:/bin',
    ];
    expect(mergeEnv(spec, sibling)).toEqual([
      'NODE_NAME=lab-worker2',
      'NODE_IP=172.30.0.4',
      'LOG_LEVEL=debug',
      'KUBELAB_NODE_ROLE=worker',
      'KUBELAB_ALLOW_PRIVILEGED=true',
      'KUBELAB_HEARTBEAT_MS=1000',
      'PATH=/usr/bin:/bin',
    ]);
    expect(mergeEnv(spec, undefined)).toEqual(spec);
  });
});
