import { describe, expect, it } from 'vitest';
import { buildIngress } from './ingress-builders';

describe('create ingress (kubectl syntax)', () => {
  it('builds rules, path types and TLS as kubectl does', () => {
    const ing = buildIngress({
      name: 'simple',
      rules: ['foo.com/bar=svc1:8080,tls=my-cert', 'foo.com/path*=svc2:http', '/=svc3:80'],
      className: 'nginx',
      defaultBackend: 'defsvc:http',
      annotations: ['nginx.ingress.kubernetes.io/rewrite-target=/'],
    });
    expect(ing.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/rewrite-target': '/' });
    expect(ing.spec).toEqual({
      ingressClassName: 'nginx',
      defaultBackend: { service: { name: 'defsvc', port: { name: 'http' } } },
      tls: [{ secretName: 'my-cert', hosts: ['foo.com'] }],
      rules: [
        {
          host: 'foo.com',
          http: {
            paths: [
              { path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } },
              { path: '/path', pathType: 'Prefix', backend: { service: { name: 'svc2', port: { name: 'http' } } } },
            ],
          },
        },
        { http: { paths: [{ path: '/', pathType: 'Exact', backend: { service: { name: 'svc3', port: { number: 80 } } } }] } },
      ],
    });
  });
  it('a bare ,tls uses the default certificate', () => {
    expect(buildIngress({ name: 'x', rules: ['a.localhost/*=svc:80,tls'] }).spec.tls).toEqual([{ hosts: ['a.localhost'] }]);
  });
  it("refuses what kubectl refuses, with kubectl's words", () => {
    expect(() => buildIngress({ name: 'x', rules: [] })).toThrow(/not enough information provided/);
    expect(() => buildIngress({ name: 'x', rules: ['foo.com=svc:80'] })).toThrow(
      'rule foo.com=svc:80 is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]',
    );
    expect(() => buildIngress({ name: 'x', rules: ['/=svc:80'], annotations: ['novalue'] })).toThrow(
      'annotation novalue is invalid and should be in format key=[value]',
    );
    expect(() => buildIngress({ name: 'x', rules: [], defaultBackend: 'svc' })).toThrow(
      'default-backend should be in format servicename:serviceport',
    );
  });
});
