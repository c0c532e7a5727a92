import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseAnnotations, parseNginxSize } from './annotations';
import { allowed, rewritePath, useCanary } from './proxy';
import type { Location } from './route-table';

const A = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`nginx.ingress.kubernetes.io/${k}`, v]));

describe('ingress-nginx annotations', () => {
  it("defaults are ingress-nginx's", () => {
    const { config, warnings } = parseAnnotations(undefined);
    expect(config).toMatchObject({
      sslRedirect: true,
      forceSslRedirect: false,
      proxyBodySize: 1048576,
      connectTimeoutMs: 5000,
      readTimeoutMs: 60000,
      backendProtocol: 'HTTP',
    });
    expect(warnings).toEqual([]);
  });
  it('parses values with their rules, warning on what it cannot use', () => {
    const { config, warnings } = parseAnnotations(
      A({
        'ssl-redirect': 'false',
        'proxy-body-size': '8m',
        'proxy-read-timeout': '120',
        'proxy-connect-timeout': 'soon',
        'backend-protocol': 'AJP',
        'use-regex': 'yes',
        affinity: 'cookie',
        'session-cookie-max-age': '3600',
      }),
    );
    expect(config.sslRedirect).toBe(false);
    expect(config.proxyBodySize).toBe(8 * 1024 * 1024);
    expect(config.readTimeoutMs).toBe(120_000);
    expect(config.connectTimeoutMs).toBe(5_000);
    expect(config.affinity).toEqual({ cookieName: 'INGRESSCOOKIE', maxAge: 3600, path: undefined, mode: 'balanced' });
    const modes = ['persistent', 'balanced', 'sticky'].map((m) => parseAnnotations(A({ affinity: 'cookie', 'affinity-mode': m })));
    expect(modes.map((p) => p.config.affinity?.mode)).toEqual(['persistent', 'balanced', 'balanced']);
    expect(modes[2].warnings).toEqual([
      'annotation nginx.ingress.kubernetes.io/affinity-mode: "sticky" is not "balanced" or "persistent"; balanced used',
    ]);
    expect(warnings).toEqual([
      'annotation nginx.ingress.kubernetes.io/use-regex: "yes" is not a boolean; ignored',
      'annotation nginx.ingress.kubernetes.io/proxy-connect-timeout: "soon" is not a number of seconds; ignored',
      'annotation nginx.ingress.kubernetes.io/backend-protocol: "AJP" is not one of AUTO_HTTP, HTTP, HTTPS, GRPC, GRPCS, FCGI; HTTP used',
    ]);
    expect([parseNginxSize('0'), parseNginxSize('512k'), parseNginxSize('1g'), parseNginxSize('lots')]).toEqual([
      0,
      524288,
      1073741824,
      undefined,
    ]);
  });
  it('snippets refuse the Ingress; other annotation prefixes are not ours', () => {
    const p = parseAnnotations({ ...A({ 'server-snippet': 'x' }), 'kubernetes.io/ingress.class': 'nginx', 'other.io/x': 'y' });
    expect(p.refused).toMatch(/server-snippet cannot be used/);
    expect(p.warnings).toEqual([]);
  });
  it('whitelist-source-range: CIDRs and bare IPs; an invalid entry denies everything', () => {
    const loc = (ranges: string) => ({ config: parseAnnotations(A({ 'whitelist-source-range': ranges })).config }) as Location;
    const ok = loc('10.0.0.0/8, 192.168.1.7');
    expect([allowed(ok, '10.1.2.3'), allowed(ok, '192.168.1.7'), allowed(ok, '192.168.1.8'), allowed(ok, '172.17.0.1')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(loc('10.0.0.0/8,not-an-ip').config.denied).toMatch(/not a valid IP address or network/);
  });
  it('canary: header value or always/never, then cookie, then weight', () => {
    const cfg = parseAnnotations(
      A({ canary: 'true', 'canary-by-header': 'X-Canary', 'canary-by-cookie': 'c', 'canary-weight': '25' }),
    ).config;
    const loc = { config: cfg, canary: { config: cfg.canary!, upstream: { endpoints: ['10.0.0.1:80'] } } } as unknown as Location;
    const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
    expect(useCanary(loc, req({ 'x-canary': 'always' }), () => 0.99)).toBe(true);
    expect(useCanary(loc, req({ 'x-canary': 'never' }), () => 0)).toBe(false);
    expect(useCanary(loc, req({ cookie: 'a=b; c=always' }), () => 0.99)).toBe(true);
    expect(useCanary(loc, req({ cookie: 'c=never' }), () => 0)).toBe(false);
    expect(useCanary(loc, req({}), () => 0.24)).toBe(true);
    expect(useCanary(loc, req({}), () => 0.25)).toBe(false);
    const byValue = parseAnnotations(A({ canary: 'true', 'canary-by-header': 'X-Env', 'canary-by-header-value': 'beta' })).config;
    const l2 = { config: byValue, canary: { config: byValue.canary!, upstream: { endpoints: ['10.0.0.1:80'] } } } as unknown as Location;
    expect([useCanary(l2, req({ 'x-env': 'beta' })), useCanary(l2, req({ 'x-env': 'always' }), () => 0.5)]).toEqual([true, false]);
  });
  it('rewrite-target replaces the whole path with the target and its capture groups', () => {
    const loc = {
      rewrite: /\/something(\/|$)(.*)/i,
      config: parseAnnotations(A({ 'rewrite-target': '/$2' })).config,
    } as unknown as Location;
    expect([rewritePath(loc, '/something'), rewritePath(loc, '/something/'), rewritePath(loc, '/something/new')]).toEqual([
      '/',
      '/',
      '/new',
    ]);
    const app = { rewrite: /\/app(.*)/i, config: parseAnnotations(A({ 'rewrite-target': '/v2$1' })).config } as unknown as Location;
    expect(rewritePath(app, '/APP/users')).toBe('/v2/users');
  });
});
