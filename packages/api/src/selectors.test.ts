import { describe, expect, it } from 'vitest';
import { formatSelector, matchesMap, matchesRequirements, matchesSelector, parseSelector } from './selectors';

describe('parseSelector', () => {
  it('parses every operator kubectl accepts', () => {
    expect(parseSelector('app=web,tier!=db,env in (a, b),!legacy,track,x==y')).toEqual([
      { key: 'app', operator: 'In', values: ['web'] },
      { key: 'tier', operator: 'NotIn', values: ['db'] },
      { key: 'env', operator: 'In', values: ['a', 'b'] },
      { key: 'legacy', operator: 'DoesNotExist', values: [] },
      { key: 'track', operator: 'Exists', values: [] },
      { key: 'x', operator: 'In', values: ['y'] },
    ]);
  });
  it('rejects garbage with a message naming the part', () => {
    expect(() => parseSelector('a=b,c d')).toThrow(/unable to parse requirement: "c d"/);
  });
  it('an empty selector selects everything', () => {
    expect(matchesRequirements(parseSelector(''), { a: 'b' })).toBe(true);
  });
});

describe('matching', () => {
  const labels = { app: 'web', tier: 'front' };
  it('matches equality, inequality, sets and existence', () => {
    expect(matchesRequirements(parseSelector('app=web'), labels)).toBe(true);
    expect(matchesRequirements(parseSelector('app!=web'), labels)).toBe(false);
    expect(matchesRequirements(parseSelector('tier notin (back)'), labels)).toBe(true);
    expect(matchesRequirements(parseSelector('!tier'), labels)).toBe(false);
    expect(matchesRequirements(parseSelector('missing!=x'), labels)).toBe(true);
  });
  it('structured selectors: matchLabels and matchExpressions are ANDed', () => {
    const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['front', 'edge'] }] };
    expect(matchesSelector(sel, labels)).toBe(true);
    expect(matchesSelector(sel, { app: 'web', tier: 'back' })).toBe(false);
    expect(formatSelector(sel)).toBe('app=web,tier in (front,edge)');
  });
  it('a Service selector map that is empty selects nothing', () => {
    expect(matchesMap({}, labels)).toBe(false);
    expect(matchesMap({ app: 'web' }, labels)).toBe(true);
  });
});
