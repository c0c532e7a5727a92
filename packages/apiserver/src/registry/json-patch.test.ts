// JSON Patch (RFC 6902) as the API server applies it for application/json-patch+json.
import { describe, expect, it } from 'vitest';
import type { StatusError } from '@kubelab/api';
import { applyJsonPatch } from './json-patch';

function failure(doc: unknown, patch: unknown): StatusError {
  try {
    applyJsonPatch(doc, patch);
  } catch (err) {
    return err as StatusError;
  }
  throw new Error('expected the patch to fail');
}

describe('JSON patch', () => {
  it('adds, removes, replaces, moves, copies and tests, leaving the input alone', () => {
    const doc = { metadata: { labels: { 'a/b': '1', 'x~y': '2' } }, spec: { list: [1, 2, 3] } };
    const out = applyJsonPatch(doc, [
      { op: 'test', path: '/metadata/labels/a~1b', value: '1' },
      { op: 'add', path: '/spec/list/-', value: 4 },
      { op: 'add', path: '/spec/list/0', value: 0 },
      { op: 'remove', path: '/spec/list/1' },
      { op: 'replace', path: '/metadata/labels/x~0y', value: '3' },
      { op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' },
      { op: 'move', from: '/metadata/labels/a~1b', path: '/metadata/labels/c' },
      { op: 'test', path: '/spec', value: { list: [0, 2, 3, 4] } },
    ]);
    expect(out).toEqual({
      metadata: { labels: { 'x~y': '3', c: '1' }, annotations: { 'a/b': '1', 'x~y': '3' } },
      spec: { list: [0, 2, 3, 4] },
    });
    expect(doc.spec.list).toEqual([1, 2, 3]);
  });

  it('answers 400 for a body that is not a list of operations, 422 for one that does not apply', () => {
    expect(failure({}, { op: 'add' })).toMatchObject({ code: 400, reason: 'BadRequest' });
    const cases: [unknown, string][] = [
      [[{ op: 'test', path: '/a', value: 2 }], 'testing value /a failed'],
      [[{ op: 'remove', path: '/missing' }], 'unable to remove nonexistent key: "/missing"'],
      [[{ op: 'replace', path: '/missing', value: 1 }], 'doc is missing key: "/missing"'],
      [[{ op: 'add', path: '/no/such', value: 1 }], 'doc is missing path: "/no/such"'],
      [[{ op: 'add', path: '/list/5', value: 1 }], 'array index 5 out of bounds in "/list/5"'],
      [[{ op: 'bogus', path: '/a' }], 'unexpected operation "bogus"'],
      [[{ op: 'add', path: '/b' }], 'add operation is missing "value"'],
    ];
    for (const [patch, cause] of cases) {
      const err = failure({ a: 1, list: [] }, patch);
      expect(err).toMatchObject({
        code: 422,
        reason: 'Invalid',
        message: 'the server rejected our request due to an error in our request',
      });
      expect(err.details?.causes?.[0].message).toBe(`operation 0: ${cause}`);
    }
  });

  it('sets a key named __proto__ as an own property, never the prototype', () => {
    const out = applyJsonPatch({ a: {} }, [{ op: 'add', path: '/a/__proto__', value: { polluted: true } }]) as {
      a: Record<string, unknown>;
    };
    expect(Object.hasOwn(out.a, '__proto__')).toBe(true);
    expect((out.a as { polluted?: boolean }).polluted).toBeUndefined();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
