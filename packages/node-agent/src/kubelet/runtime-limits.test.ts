import { describe, expect, it } from 'vitest';
import { dockerMinMemoryBytes, memoryLimitProblem } from './runtime-limits';

describe('memoryLimitProblem', () => {
  it('names the container and the limit when Docker would refuse it', () => {
    expect(memoryLimitProblem({ name: 'web', resources: { limits: { memory: '1' } } }, 1)).toBe(
      'container "web": memory limit "1" (1 byte) is below the container runtime\'s minimum of 6Mi (6291456 bytes); raise resources.limits.memory',
    );
    expect(memoryLimitProblem({ name: 'web', resources: { limits: { memory: '5Mi' } } }, 5 * 2 ** 20)).toContain('"5Mi"');
  });

  it('accepts no limit and limits from 6 MiB up', () => {
    expect(memoryLimitProblem({ name: 'web' }, undefined)).toBeUndefined();
    expect(memoryLimitProblem({ name: 'web' }, dockerMinMemoryBytes)).toBeUndefined();
    expect(memoryLimitProblem({ name: 'web' }, 2 ** 30)).toBeUndefined();
  });
});
