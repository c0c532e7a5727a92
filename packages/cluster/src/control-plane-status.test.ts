import { describe, expect, it } from 'vitest';
import { notReadyReason } from './control-plane-status';

describe('notReadyReason', () => {
  it('takes the reason of the last "control plane not ready" entry', () => {
    const log = [
      '{"level":30,"msg":"API server listening"}',
      '{"level":60,"reason":"first","msg":"control plane not ready"}',
      'panic: something',
      '{"level":60,"reason":"the etcd data in /var/lib/kubelab/etcd is damaged: failed to open database","msg":"control plane not ready"}',
      '{"level":60,"err":{"message":"control plane not ready: ..."},"msg":"failed to start"}',
    ].join('\n');
    expect(notReadyReason(log)).toBe('the etcd data in /var/lib/kubelab/etcd is damaged: failed to open database');
  });

  it('finds nothing in a healthy log', () => {
    expect(notReadyReason('{"msg":"API server listening"}\nplain text')).toBeUndefined();
  });
});
