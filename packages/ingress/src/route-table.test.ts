import { describe, expect, it } from 'vitest';
import { backend, ingress, world } from './fixtures.test-util';
import { buildRouteTable, normalizeHost, route, type RouteTable } from './route-table';

const services = world({ a: ['10.244.1.2'], b: ['10.244.1.3'], c: ['10.244.2.4'], d: ['10.244.2.5'], def: ['10.244.1.9'] });
const build = (...ingresses: ReturnType<typeof ingress>[]): RouteTable =>
  buildRouteTable({ ingresses, ...services, className: 'nginx', isDefaultClass: true });
/** The Service that answers, or 404 for the router's own default backend. */
const svc = (t: RouteTable, host: string, path: string): string => route(t, host, path).location?.upstream?.service ?? '404';

// https://kubernetes.io/docs/concepts/services-networking/ingress/#examples: every row of the table.
describe('Kubernetes Ingress docs: path type examples', () => {
  const one = (pathType: 'Exact' | 'Prefix', ...paths: string[]) =>
    build(ingress('i', [{ paths: paths.map((p, i) => [p, pathType, 'abcd'[i]] as [string, 'Exact' | 'Prefix', string]) }]));
  const cases: [string, 'Exact' | 'Prefix', string[], string, string][] = [
    ['Prefix / matches all paths', 'Prefix', ['/'], '/anything/at/all', 'a'],
    ['Exact /foo matches /foo', 'Exact', ['/foo'], '/foo', 'a'],
    ['Exact /foo does not match /bar', 'Exact', ['/foo'], '/bar', '404'],
    ['Exact /foo does not match /foo/', 'Exact', ['/foo'], '/foo/', '404'],
    ['Exact /foo/ does not match /foo', 'Exact', ['/foo/'], '/foo', '404'],
    ['Prefix /foo matches /foo', 'Prefix', ['/foo'], '/foo', 'a'],
    ['Prefix /foo matches /foo/', 'Prefix', ['/foo'], '/foo/', 'a'],
    ['Prefix /foo/ matches /foo', 'Prefix', ['/foo/'], '/foo', 'a'],
    ['Prefix /foo/ matches /foo/', 'Prefix', ['/foo/'], '/foo/', 'a'],
    ['Prefix /aaa/bb does not match /aaa/bbb', 'Prefix', ['/aaa/bb'], '/aaa/bbb', '404'],
    ['Prefix /aaa/bbb matches /aaa/bbb', 'Prefix', ['/aaa/bbb'], '/aaa/bbb', 'a'],
    ['Prefix /aaa/bbb/ matches /aaa/bbb (ignores trailing slash)', 'Prefix', ['/aaa/bbb/'], '/aaa/bbb', 'a'],
    ['Prefix /aaa/bbb matches /aaa/bbb/ (matches trailing slash)', 'Prefix', ['/aaa/bbb'], '/aaa/bbb/', 'a'],
    ['Prefix /aaa/bbb matches /aaa/bbb/ccc (subpath)', 'Prefix', ['/aaa/bbb'], '/aaa/bbb/ccc', 'a'],
    ['Prefix /aaa/bbb does not match /aaa/bbbxyz (no string prefix)', 'Prefix', ['/aaa/bbb'], '/aaa/bbbxyz', '404'],
    ['Prefix /, /aaa: /aaa/ccc matches /aaa', 'Prefix', ['/', '/aaa'], '/aaa/ccc', 'b'],
    ['Prefix /, /aaa, /aaa/bbb: /aaa/bbb matches /aaa/bbb', 'Prefix', ['/', '/aaa', '/aaa/bbb'], '/aaa/bbb', 'c'],
    ['Prefix /, /aaa, /aaa/bbb: /ccc matches /', 'Prefix', ['/', '/aaa', '/aaa/bbb'], '/ccc', 'a'],
    ['Prefix /aaa: /ccc uses the default backend', 'Prefix', ['/aaa'], '/ccc', '404'],
  ];
  for (const [name, type, paths, request, want] of cases) it(name, () => expect(svc(one(type, ...paths), '', request)).toBe(want));

  it('Mixed /foo (Prefix), /foo (Exact): /foo prefers Exact', () => {
    const t = build(
      ingress('i', [
        {
          paths: [
            ['/foo', 'Prefix', 'a'],
            ['/foo', 'Exact', 'b'],
          ],
        },
      ]),
    );
    expect(svc(t, '', '/foo')).toBe('b');
    expect(svc(t, '', '/foo/x')).toBe('a');
  });
  it('longest match wins whatever the order of the rules', () => {
    const t = build(
      ingress('i', [
        {
          paths: [
            ['/aaa/bbb', 'Prefix', 'c'],
            ['/', 'Prefix', 'a'],
            ['/aaa', 'Prefix', 'b'],
          ],
        },
      ]),
    );
    expect([svc(t, '', '/aaa/bbb/x'), svc(t, '', '/aaa/x'), svc(t, '', '/x')]).toEqual(['c', 'b', 'a']);
  });
  it('ImplementationSpecific is an nginx prefix location (string prefix)', () => {
    const t = build(ingress('i', [{ paths: [['/app', 'ImplementationSpecific', 'a']] }]));
    expect([svc(t, '', '/app'), svc(t, '', '/apple'), svc(t, '', '/ap')]).toEqual(['a', 'a', '404']);
  });
});

describe('Kubernetes Ingress docs: hostname wildcards', () => {
  const t = build(
    ingress('i', [
      { host: 'foo.bar.com', paths: [['/bar', 'Prefix', 'a']] },
      { host: '*.foo.com', paths: [['/foo', 'Prefix', 'b']] },
    ]),
  );
  it('*.foo.com matches bar.foo.com (shared suffix)', () => expect(svc(t, 'bar.foo.com', '/foo')).toBe('b'));
  it('*.foo.com does not match baz.bar.foo.com (one label only)', () => expect(svc(t, 'baz.bar.foo.com', '/foo')).toBe('404'));
  it('*.foo.com does not match foo.com', () => expect(svc(t, 'foo.com', '/foo')).toBe('404'));
  it('an exact host wins over a wildcard that also matches', () => {
    const t2 = build(
      ingress('i', [
        { host: '*.x.com', paths: [['/', 'Prefix', 'a']] },
        { host: 'a.x.com', paths: [['/', 'Prefix', 'b']] },
      ]),
    );
    expect([svc(t2, 'a.x.com', '/'), svc(t2, 'b.x.com', '/')]).toEqual(['b', 'a']);
  });
  it('host rules before the hostless rules; hostless rules serve any other host', () => {
    const t2 = build(ingress('i', [{ host: 'foo.bar.com', paths: [['/', 'Prefix', 'a']] }, { paths: [['/', 'Prefix', 'b']] }]));
    expect([svc(t2, 'foo.bar.com', '/x'), svc(t2, 'other.com', '/x'), svc(t2, '', '/x')]).toEqual(['a', 'b', 'b']);
  });
  it('normalizes Host headers (case, port, trailing dot) and refuses junk', () => {
    expect(normalizeHost('Foo.Bar.COM:8080')).toBe('foo.bar.com');
    expect(normalizeHost('app.localhost.')).toBe('app.localhost');
    expect(normalizeHost('a b')).toBeUndefined();
    expect(normalizeHost('x:abc')).toBeUndefined();
  });
});

describe('default backends and merging (ingress-nginx)', () => {
  it('an Ingress with only a defaultBackend takes the catch-all server', () => {
    const t = build(ingress('only-default', [], { defaultBackend: 'def' }));
    expect(svc(t, 'anything.example', '/x')).toBe('def');
  });
  it("an Ingress's defaultBackend answers its hosts' unmatched paths; other hosts get the 404", () => {
    const t = build(ingress('i', [{ host: 'a.localhost', paths: [['/app', 'Prefix', 'a']] }], { defaultBackend: 'def' }));
    expect([svc(t, 'a.localhost', '/app'), svc(t, 'a.localhost', '/other'), svc(t, 'b.localhost', '/')]).toEqual(['a', 'def', '404']);
  });
  it('several Ingresses for one host merge; the oldest keeps a contested path', () => {
    const first = ingress('first', [{ host: 'shop.localhost', paths: [['/cart', 'Prefix', 'a']] }]);
    const second = ingress('second', [
      {
        host: 'shop.localhost',
        paths: [
          ['/cart', 'Prefix', 'c'],
          ['/pay', 'Prefix', 'b'],
        ],
      },
    ]);
    const t = build(second, first);
    expect([svc(t, 'shop.localhost', '/cart'), svc(t, 'shop.localhost', '/pay')]).toEqual(['a', 'b']);
    expect(t.problems.map((p) => `${p.ingress} ${p.reason}`)).toEqual(['default/second PathConflict']);
  });
  it('serves its class, the legacy annotation, and class-less Ingresses when nginx is the default class', () => {
    const other = ingress('other', [{ host: 'o.localhost', paths: [['/', 'Prefix', 'a']] }], { className: 'traefik' });
    const legacy = ingress('legacy', [{ host: 'l.localhost', paths: [['/', 'Prefix', 'a']] }]);
    delete legacy.spec.ingressClassName;
    legacy.metadata.annotations = { 'kubernetes.io/ingress.class': 'nginx' };
    const none = ingress('none', [{ host: 'n.localhost', paths: [['/', 'Prefix', 'b']] }]);
    delete none.spec.ingressClassName;
    const t = build(other, legacy, none);
    expect([svc(t, 'o.localhost', '/'), svc(t, 'l.localhost', '/'), svc(t, 'n.localhost', '/')]).toEqual(['404', 'a', 'b']);
    const notDefault = buildRouteTable({ ingresses: [none], ...services, className: 'nginx', isDefaultClass: false });
    expect(svc(notDefault, 'n.localhost', '/')).toBe('404');
  });
  it('resolves ready endpoints through the Service port to the slice port; missing Services are named', () => {
    const t = build(
      ingress('i', [
        {
          paths: [
            ['/a', 'Prefix', 'a'],
            ['/x', 'Prefix', 'missing'],
            ['/n', 'Prefix', 'a:9999'],
          ],
        },
      ]),
    );
    expect(route(t, '', '/a').location?.upstream?.endpoints).toEqual(['10.244.1.2:8080']);
    expect(route(t, '', '/x').location?.upstream?.problem).toBe('service "default/missing" not found');
    expect(route(t, '', '/n').location?.upstream?.problem).toBe('service "default/a" does not have port 9999');
    expect(backend('a:http')).toEqual({ service: { name: 'a', port: { name: 'http' } } });
  });
});

describe('regex, rewrite, canary, TLS, refusals', () => {
  it('use-regex makes every path of the host a case-insensitive regex, longest first', () => {
    const t = build(
      ingress('r', [{ host: 'r.localhost', paths: [['/api/v[0-9]+', 'ImplementationSpecific', 'a']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/use-regex': 'true' },
      }),
      ingress('plain', [{ host: 'r.localhost', paths: [['/static', 'Prefix', 'b']] }]),
    );
    expect(route(t, 'r.localhost', '/x').server.regexMode).toBe(true);
    expect([svc(t, 'r.localhost', '/API/v2/users'), svc(t, 'r.localhost', '/staticfile'), svc(t, 'r.localhost', '/api/vx')]).toEqual([
      'a',
      'b',
      '404',
    ]);
  });
  it('rewrite-target keeps the location regex for the capture groups', () => {
    const t = build(
      ingress('rw', [{ host: 'rw.localhost', paths: [['/something(/|$)(.*)', 'ImplementationSpecific', 'a']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' },
      }),
    );
    const loc = route(t, 'rw.localhost', '/something/new').location!;
    expect(loc.upstream?.service).toBe('a');
    expect(loc.rewrite?.exec('/something/new')?.[2]).toBe('new');
  });
  it('canary Ingresses attach to the main location of the same host and path', () => {
    const main = ingress('main', [{ host: 'c.localhost', paths: [['/', 'Prefix', 'a']] }]);
    const canary = ingress(
      'canary',
      [
        {
          host: 'c.localhost',
          paths: [
            ['/', 'Prefix', 'b'],
            ['/nomain', 'Prefix', 'b'],
          ],
        },
      ],
      {
        annotations: { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '30' },
      },
    );
    const t = build(main, canary);
    const loc = route(t, 'c.localhost', '/').location!;
    expect(loc.upstream?.service).toBe('a');
    expect(loc.canary?.upstream.service).toBe('b');
    expect(loc.canary?.config.weight).toBe(30);
    expect(svc(t, 'c.localhost', '/nomain')).toBe('a');
    expect(t.problems.map((p) => p.reason)).toEqual(['CanaryIgnored']);
  });
  it('TLS hosts carry their Secret; snippets refuse the Ingress; unknown annotations warn', () => {
    const t = build(
      ingress('tls', [{ host: 's.localhost', paths: [['/', 'Prefix', 'a']] }], { tls: [{ hosts: ['s.localhost'], secretName: 's-tls' }] }),
      ingress('snip', [{ host: 'x.localhost', paths: [['/', 'Prefix', 'a']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "A: b";' },
      }),
      ingress('odd', [{ host: 'o.localhost', paths: [['/', 'Prefix', 'a']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/enable-cors': 'true' },
      }),
    );
    expect(route(t, 's.localhost', '/').server.tlsSecret).toBe('default/s-tls');
    expect([...t.tlsSecrets]).toEqual(['default/s-tls']);
    expect(svc(t, 'x.localhost', '/')).toBe('404');
    expect(t.problems.map((p) => `${p.ingress} ${p.reason}`)).toEqual(['default/snip Rejected', 'default/odd AnnotationIgnored']);
  });
  it('builds 1000 rules into one table (build time is measured by bench/ingress.mjs, not here)', () => {
    const many = Array.from({ length: 100 }, (_, i) =>
      ingress(`i${i}`, [
        {
          host: `h${i}.localhost`,
          paths: Array.from({ length: 10 }, (_, j) => [`/p${j}`, 'Prefix', 'abcd'[j % 4]] as [string, 'Prefix', string]),
        },
      ]),
    );
    const t = build(...many);
    expect(t.problems).toEqual([]);
    expect(svc(t, 'h0.localhost', '/p0')).toBe('a');
    expect(svc(t, 'h42.localhost', '/p3/deep/er')).toBe('d');
    expect(svc(t, 'h99.localhost', '/p9/x')).toBe('b');
    expect(svc(t, 'h99.localhost', '/p10')).toBe('404');
  });
});
