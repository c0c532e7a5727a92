import type { Ingress, IngressClass, KubeObject } from '@kubelab/api';
import { describe, expect, it } from 'vitest';
import { admitDefaultIngressClass, defaultIngressClassName, validateIngress, validateIngressClass } from './ingress-validation';

const backend = { service: { name: 'web', port: { number: 80 } } };
function ing(spec: unknown, annotations?: Record<string, string>): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default', annotations }, spec };
}
const msgs = (o: KubeObject, creating = true): string[] => validateIngress(o, creating).map((e) => `${e.field}: ${e.message}`);

describe('validateIngress (ValidateIngressSpec)', () => {
  it('accepts a minimal Ingress of each path type', () => {
    for (const pathType of ['Exact', 'Prefix', 'ImplementationSpecific'])
      expect(msgs(ing({ rules: [{ host: 'a.localhost', http: { paths: [{ path: '/x', pathType, backend }] } }] }))).toEqual([]);
  });
  it('needs rules or a default backend', () => {
    expect(msgs(ing({}))).toEqual(['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified']);
  });
  it('needs pathType, absolute and clean paths', () => {
    const paths = [
      { path: '/a', backend },
      { path: 'a', pathType: 'Prefix', backend },
      { path: '/a//b', pathType: 'Exact', backend },
      { path: '/a/..', pathType: 'Prefix', backend },
      { path: '/a', pathType: 'Regex', backend },
      { path: 'x', pathType: 'ImplementationSpecific', backend },
    ];
    expect(msgs(ing({ rules: [{ http: { paths } }] }))).toEqual([
      'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
      'spec.rules[0].http.paths[1].path: Invalid value: "a": must be an absolute path',
      `spec.rules[0].http.paths[2].path: Invalid value: "/a//b": must not contain '//'`,
      `spec.rules[0].http.paths[3].path: Invalid value: "/a/..": cannot end with '/..'`,
      'spec.rules[0].http.paths[4].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
      'spec.rules[0].http.paths[5].path: Invalid value: "x": must be an absolute path',
    ]);
  });
  it('backends: service xor resource, port name xor number', () => {
    const paths = [
      { path: '/', pathType: 'Prefix', backend: { ...backend, resource: { kind: 'Bucket', name: 'b' } } },
      { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http', number: 80 } } } },
      { path: '/', pathType: 'Prefix', backend: { service: { name: 'web' } } },
      { path: '/', pathType: 'Prefix', backend: {} },
      { path: '/', pathType: 'Prefix', backend: { service: { name: '1web', port: { number: 70000 } } } },
    ];
    const m = msgs(ing({ rules: [{ http: { paths } }] }));
    expect(m[0]).toBe('spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends');
    expect(m[1]).toBe('spec.rules[0].http.paths[1].backend: Invalid value: "": cannot set both port name & port number');
    expect(m[2]).toBe('spec.rules[0].http.paths[2].backend: Required value: port name or number is required');
    expect(m[3]).toBe('spec.rules[0].http.paths[3].backend: Invalid value: "": resource or service backend is required');
    expect(m[4]).toMatch(/^spec.rules\[0\].http.paths\[4\].backend.service.name: Invalid value: "1web": a DNS-1035 label/);
    expect(m[5]).toBe(
      'spec.rules[0].http.paths[4].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive',
    );
  });
  it('hosts: DNS names, one leading wildcard label, no IPs', () => {
    const rule = (host: string) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } });
    expect(msgs(ing({ rules: [rule('*.example.com')] }))).toEqual([]);
    const m = msgs(ing({ rules: [rule('10.0.0.1'), rule('a.*.com'), rule('Foo.com')] }));
    expect(m[0]).toBe('spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address');
    expect(m[1]).toMatch(/^spec.rules\[1\].host: Invalid value: "a.\*.com": a wildcard DNS-1123 subdomain must start with '\*.'/);
    expect(m[2]).toMatch(/^spec.rules\[2\].host: Invalid value: "Foo.com": a lowercase RFC 1123 subdomain/);
  });
  it('TLS hosts and secret names; class annotation must match ingressClassName on create', () => {
    const spec = { ingressClassName: 'nginx', defaultBackend: backend, tls: [{ hosts: ['*.x.com', 'B.com'], secretName: 'Bad_name' }] };
    const m = msgs(ing(spec, { 'kubernetes.io/ingress.class': 'other' }));
    expect(m).toHaveLength(3);
    expect(m[0]).toMatch(/^spec.tls\[0\].hosts\[1\]: Invalid value: "B.com"/);
    expect(m[1]).toMatch(/^spec.tls\[0\].secretName: Invalid value: "Bad_name"/);
    expect(m[2]).toBe(
      'annotations.kubernetes.io/ingress.class: Invalid value: "other": must match `ingressClassName` when both are specified',
    );
    expect(msgs(ing(spec, { 'kubernetes.io/ingress.class': 'other' }), false)).toHaveLength(2);
  });
});

describe('IngressClass', () => {
  const cls = (name: string, controller: string, isDefault: boolean, created: string): IngressClass => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: {
      name,
      creationTimestamp: created,
      annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {},
    },
    spec: { controller },
  });
  it('validates the controller and keeps it immutable', () => {
    expect(validateIngressClass(cls('nginx', 'k8s.io/ingress-nginx', true, ''))).toEqual([]);
    expect(validateIngressClass(cls('x', '', false, ''))[0].field).toBe('spec.controller');
    expect(validateIngressClass(cls('x', 'k8s.io/b', false, ''), cls('x', 'k8s.io/a', false, ''))[0].message).toMatch(/immutable/);
  });
  it('DefaultIngressClass admission: newest default wins; an explicit class or the legacy annotation is kept', () => {
    const classes = [
      cls('a', 'k8s.io/a', true, '2024-01-01T00:00:00Z'),
      cls('b', 'k8s.io/b', true, '2025-01-01T00:00:00Z'),
      cls('c', 'k8s.io/c', false, '2026-01-01T00:00:00Z'),
    ];
    expect(defaultIngressClassName(classes)).toBe('b');
    const plain = ing({ defaultBackend: backend }) as Ingress;
    admitDefaultIngressClass(plain, () => classes);
    expect(plain.spec.ingressClassName).toBe('b');
    const legacy = ing({ defaultBackend: backend }, { 'kubernetes.io/ingress.class': 'nginx' }) as Ingress;
    admitDefaultIngressClass(legacy, () => classes);
    expect(legacy.spec.ingressClassName).toBeUndefined();
  });
});

describe('Ingress as protobuf (kubectl create ingress, 1.32+)', () => {
  it('decodes rules with the inline rule value, path types and backends', async () => {
    const protobuf = (await import('protobufjs/minimal')).default;
    await import('./ingress-kinds');
    const { decodeKubeProtobuf } = await import('../rest/protobuf/kube-protobuf');
    type W = InstanceType<typeof protobuf.Writer>;
    const msg = (id: number, w: W, body: (w: W) => void): W => {
      w.uint32((id << 3) | 2).fork();
      body(w);
      return w.ldelim();
    };
    const str = (w: W, id: number, v: string): W => w.uint32((id << 3) | 2).string(v);
    const ing = protobuf.Writer.create();
    msg(1, ing, (m) => str(m, 1, 'web'));
    msg(2, ing, (spec) => {
      str(spec, 4, 'nginx');
      msg(3, spec, (rule) => {
        str(rule, 1, 'app.localhost');
        msg(2, rule, (value) =>
          msg(1, value, (http) =>
            msg(1, http, (p) => {
              str(p, 1, '/app1');
              str(p, 3, 'Prefix');
              msg(2, p, (b) => msg(4, b, (svc) => msg(2, str(svc, 1, 'app1'), (port) => port.uint32(2 << 3).int32(80))));
            }),
          ),
        );
      });
      msg(2, spec, (tls) => str(str(tls, 1, 'app.localhost'), 2, 'app-tls'));
    });
    const w = protobuf.Writer.create();
    msg(1, w, (t) => str(str(t, 1, 'networking.k8s.io/v1'), 2, 'Ingress'));
    w.uint32((2 << 3) | 2).bytes(ing.finish());
    expect(decodeKubeProtobuf(Buffer.concat([Buffer.from('k8s\0', 'latin1'), w.finish()]))).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web' },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: 'app.localhost',
            http: { paths: [{ path: '/app1', pathType: 'Prefix', backend: { service: { name: 'app1', port: { number: 80 } } } }] },
          },
        ],
        tls: [{ hosts: ['app.localhost'], secretName: 'app-tls' }],
      },
    });
  });
});
