import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Ingress, Service } from '@kubelab/api';
import { buildRouteTable } from '@kubelab/ingress';
import { decisionText, isIngressUrl, parseTraceUrl, routeUrl, upstreamOfLive, upstreamOfRequest, urlPort, withAnswer } from './ingress-url';

const svc = (name: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
});
const slice = (name: string, ips: string[]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${name}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
});
const app: Ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'app', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: {
    rules: [
      {
        host: 'app.localhost',
        http: {
          paths: [
            { path: '/app1', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            { path: '/empty', pathType: 'Exact', backend: { service: { name: 'none', port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
};
const services = new Map([
  ['web', svc('web')],
  ['none', svc('none')],
]);
const slices = new Map([
  ['web', [slice('web', ['10.244.2.3', '10.244.1.5'])]],
  ['none', [slice('none', [])]],
]);
// The router's own builder, fed as its watch cache would feed it.
const table = buildRouteTable({
  ingresses: [app],
  service: (_ns, n) => services.get(n),
  slices: (_ns, n) => slices.get(n) ?? [],
  className: 'nginx',
  isDefaultClass: true,
});

describe('an Ingress URL as trace destination', () => {
  it('parses http(s) URLs only', () => {
    expect(parseTraceUrl('http://App.localhost:8080/app1/x?y=1')).toEqual({
      scheme: 'http',
      hostHeader: 'app.localhost:8080',
      host: 'app.localhost',
      port: 8080,
      target: '/app1/x?y=1',
    });
    expect(parseTraceUrl('https://app.localhost')).toMatchObject({ scheme: 'https', port: undefined, target: '/' });
    expect(parseTraceUrl('svc/web')).toBeUndefined();
    expect(parseTraceUrl('web.default')).toBeUndefined();
  });

  it('routes host and path as the router does: rule, Service, endpoints', () => {
    const d = routeUrl(table, parseTraceUrl('http://app.localhost:8080/app1/deep')!);
    expect(d.answer).toBeUndefined();
    expect(d.upstream?.endpoints).toEqual(['10.244.1.5:8080', '10.244.2.3:8080']);
    expect(decisionText(d)).toBe(
      'Ingress default/app: app.localhost /app1 (Prefix) -> Service default/web:80 -> 10.244.1.5:8080, 10.244.2.3:8080',
    );
    // The router's normalised path: dot-segments resolved before matching.
    expect(routeUrl(table, parseTraceUrl('http://app.localhost/x/../app1')!).upstream?.service).toBe('web');
  });

  it('says when the router answers by itself: no rule, no endpoints', () => {
    const miss = routeUrl(table, parseTraceUrl('http://app.localhost/other')!);
    expect(miss.upstream).toBeUndefined();
    expect(miss.answer).toMatch(/404/);
    const empty = routeUrl(table, parseTraceUrl('http://app.localhost/empty')!);
    expect(decisionText(empty)).toBe(
      'Ingress default/app: app.localhost /empty (Exact) -> Service default/none:80 -> no ready endpoints; the router answers 503 (Service default/none has no ready endpoints)',
    );
  });

  it('knows an Ingress host from a Service name', () => {
    expect(isIngressUrl(table, parseTraceUrl('http://app.localhost/')!)).toBe(true);
    expect(isIngressUrl(table, parseTraceUrl('http://other.localhost/')!)).toBe(true);
    expect(isIngressUrl(table, parseTraceUrl('http://web.default/')!)).toBe(false);
  });

  it("a Service URL: its host is the name to resolve, its port the scheme's unless typed", () => {
    for (const [url, host] of [
      ['http://web/', 'web'],
      ['http://web.default/', 'web.default'],
      ['http://WEB.default.svc.cluster.local/path?q=1', 'web.default.svc.cluster.local'],
    ]) {
      const u = parseTraceUrl(url)!;
      expect(isIngressUrl(table, u)).toBe(false);
      expect(u.host).toBe(host);
      expect(urlPort(u)).toBe(80);
    }
    expect(parseTraceUrl('http://web.default.svc.cluster.local/path?q=1')!.target).toBe('/path?q=1');
    expect(urlPort(parseTraceUrl('https://web/')!)).toBe(443);
    expect(urlPort(parseTraceUrl('http://web:8080/')!)).toBe(8080);
  });

  it("adds the request's answer to a delivered conclusion only", () => {
    expect(withAnswer('DELIVERED to default/web-1 on w1 (DNAT 10.96.0.5:80 -> 10.244.1.3:8080)', 'HTTP 200')).toBe(
      'DELIVERED to default/web-1 on w1 (DNAT 10.96.0.5:80 -> 10.244.1.3:8080); the request got HTTP 200',
    );
    expect(withAnswer('NOT DELIVERED: rejected', 'HTTP 200')).toBe('NOT DELIVERED: rejected');
  });

  it('reads the endpoint the router picked from its access log', () => {
    const log = [
      '{"level":30,"time":1,"msg":"ingress serving"}',
      '{"level":30,"time":2,"remote":"10.244.1.4","method":"GET","host":"app.localhost","path":"/app1","status":200,"upstream":"10.244.2.3:8080","duration":2,"requestId":"kubelab-trace-1","msg":"request"}',
    ].join('\n');
    expect(upstreamOfRequest(log, 'kubelab-trace-1')).toEqual({ upstream: '10.244.2.3:8080', status: 200 });
    expect(upstreamOfRequest(log, 'kubelab-trace-2')).toBeUndefined();
  });

  it("reads a live request's endpoint: the last line from that client for the host and path since it was seen", () => {
    const line = (time: number, remote: string, path: string, upstream: string) =>
      `{"level":30,"time":${time},"remote":"${remote}","method":"GET","host":"app.localhost","path":"${path}","status":200,"upstream":"${upstream}","duration":1,"requestId":"x${time}","msg":"request"}`;
    const log = [
      line(1000, '172.30.0.2', '/app1', '10.244.1.5:8080'),
      line(5000, '10.244.1.4', '/app1', '10.244.9.9:8080'),
      line(5001, '172.30.0.2', '/other', '10.244.9.9:8080'),
      line(5002, '172.30.0.2', '/app1', '10.244.2.3:8080'),
    ].join('\n');
    const m = { remote: '172.30.0.2', host: 'app.localhost', path: '/app1' };
    expect(upstreamOfLive(log, { ...m, since: 4000 })).toEqual({ upstream: '10.244.2.3:8080', status: 200 });
    expect(upstreamOfLive(log, { ...m, since: 6000 })).toBeUndefined();
  });
});
