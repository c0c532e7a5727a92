import { describe, expect, it } from 'vitest';
import { expand } from './expansion';

const env = new Map([
  ['A', 'alpha'],
  ['B', 'beta'],
  ['EMPTY', ''],
]);
const look = (n: string): string | undefined => env.get(n);

describe('expand ($(VAR) like Kubernetes)', () => {
  it.each([
    ['$(A)', 'alpha'],
    ['x-$(A)-$(B)-y', 'x-alpha-beta-y'],
    ['$(EMPTY)', ''],
    ['$(UNDEFINED)', '$(UNDEFINED)'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$alpha'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['trailing $', 'trailing $'],
    ['$', '$'],
    ['no refs', 'no refs'],
    ['$()', '$()'],
  ])('%s -> %s', (input, want) => {
    expect(expand(input, look)).toBe(want);
  });
});
