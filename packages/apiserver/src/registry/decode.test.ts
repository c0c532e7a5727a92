import { describe, expect, it } from 'vitest';
import { validatePodSpecUpdate } from './pod-validation';
import { assertNestingDepth, tooDeepAt } from './decode';

describe('tooDeepAt', () => {
  it('counts the body as level 1 and names the first field past the limit', () => {
    expect(tooDeepAt({ a: { b: 1 } }, 2)).toBeUndefined();
    expect(tooDeepAt({ a: { b: {} } }, 2)).toBe('a.b');
    expect(tooDeepAt({ ok: 1, list: [[1], [[]]] }, 3)).toBe('list[1][0]');
    expect(tooDeepAt([[[]]], 2)).toBe('[0][0]');
  });

  it('writes keys that are not identifiers as map keys, as Kubernetes field paths do', () => {
    expect(tooDeepAt({ metadata: { labels: { 'app.kubernetes.io/name': {} } } }, 3)).toBe('metadata.labels[app.kubernetes.io/name]');
  });

  it('stops at the limit however deep the value goes', () => {
    let v: unknown = 1;
    for (let i = 0; i < 200_000; i++) v = [v];
    expect(tooDeepAt(v, 100)).toBe('[0]'.repeat(100));
  });

  it('throws the decode error of the kind', () => {
    let v: unknown = 1;
    for (let i = 0; i < 150; i++) v = { x: v };
    expect(() => assertNestingDepth({ kind: 'Deployment', group: 'apps', version: 'v1' }, { spec: v })).toThrow(
      /^Deployment in version "apps\/v1" cannot be handled as a Deployment: exceeded max depth: spec(\.x){99} is nested more than 100 levels deep$/,
    );
  });
});

describe('pod update rule for a stored negative grace period', () => {
  const spec = (grace: number) => ({ containers: [{ name: 'a', image: 'i' }], terminationGracePeriodSeconds: grace });

  it('allows setting it to 1, nothing else', () => {
    expect(validatePodSpecUpdate(spec(1), spec(-1))).toEqual([]);
    expect(validatePodSpecUpdate(spec(5), spec(-1))).toHaveLength(1);
    expect(validatePodSpecUpdate(spec(1), spec(30))).toHaveLength(1);
  });
});
