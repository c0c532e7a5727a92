import { describe, expect, it } from 'vitest';
import { dialError, relayCommand } from './netns-dial';

describe('port-forward relay in the pod network namespace', () => {
  it('dials 127.0.0.1 as the kubelet dials localhost (tcp4), half-closing and never outliving its client', () => {
    expect(relayCommand(8080)).toEqual(['nc', '-v', '-N', '-q', '1', '127.0.0.1', '8080']);
  });

  it("reports netcat's failure in Go's dial wording", () => {
    expect(dialError(80, 'nc: connect to 127.0.0.1 port 80 (tcp) failed: Connection refused\n').message).toBe(
      'dial tcp4 127.0.0.1:80: connect: connection refused',
    );
    expect(dialError(80, '').message).toBe('dial tcp4 127.0.0.1:80: connect: connection closed');
  });
});
