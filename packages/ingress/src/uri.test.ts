import { describe, expect, it } from 'vitest';
import { escapePath, normalizePath } from './uri';

describe('normalizePath (nginx ngx_http_parse_complex_uri, merge_slashes on)', () => {
  it.each([
    ['/', '/'],
    ['/admin', '/admin'],
    ['/public/../admin', '/admin'],
    ['/public/./admin', '/public/admin'],
    ['/%61dmin', '/admin'],
    ['/public/%2e%2e/admin', '/admin'],
    ['/public/%2E%2E/admin', '/admin'],
    ['/public%2F..%2Fadmin', '/admin'],
    ['//admin///x', '/admin/x'],
    ['/a/b/', '/a/b/'],
    ['/a/..', '/'],
    ['/a/.', '/a/'],
    ['/a/b/..', '/a/'],
    ['/.well-known/x', '/.well-known/x'],
    ['/a/..b/.c', '/a/..b/.c'],
    ['/100%25', '/100%'],
    ['/%2561', '/%61'],
    ['/caf%C3%A9', '/caf\u00c3\u00a9'],
  ])('%s -> %s', (raw, want) => expect(normalizePath(raw)).toBe(want));
  it.each(['/..', '/../admin', '/a/../..', '/%2e%2e/x', '/%zz', '/%4', '/a%00b', 'admin', ''])('%s -> 400', (raw) =>
    expect(normalizePath(raw)).toBeUndefined(),
  );
});

describe('escapePath', () => {
  it('escapes what is not a path character, keeps the rest', () => {
    expect(escapePath('/new x/%/?#')).toBe('/new%20x/%25/%3F%23');
    expect(escapePath("/a-b_c.d~e!$&'()*+,;=:@")).toBe("/a-b_c.d~e!$&'()*+,;=:@");
    expect(escapePath('/caf\u00c3\u00a9')).toBe('/caf%C3%A9');
  });
});
