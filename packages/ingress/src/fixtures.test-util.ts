// Builders for route-table tests: Ingresses, Services and EndpointSlices as the API serves them.
import type { EndpointSlice, HTTPIngressPath, Ingress, IngressBackend, Service } from '@kubelab/api';
import type { RouteInputs } from './route-table';
import type { ServerOptions } from './server';

let clock = 0;
export function ingress(
  name: string,
  rules: { host?: string; paths: [string, HTTPIngressPath['pathType'], string][] }[],
  extra: {
    annotations?: Record<string, string>;
    defaultBackend?: string;
    tls?: { hosts: string[]; secretName?: string }[];
    className?: string;
    namespace?: string;
  } = {},
): Ingress {
  clock++;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      annotations: extra.annotations,
      creationTimestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, clock)).toISOString(),
    },
    spec: {
      ingressClassName: extra.className ?? 'nginx',
      defaultBackend: extra.defaultBackend ? backend(extra.defaultBackend) : undefined,
      tls: extra.tls,
      rules: rules.map((r) => ({
        host: r.host,
        http: { paths: r.paths.map(([path, pathType, svc]) => ({ path, pathType, backend: backend(svc) })) },
      })),
    },
  };
}

/** `svc:80` or `svc:http`. */
export function backend(s: string): IngressBackend {
  const [name, port] = s.split(':');
  return { service: { name, port: /^\d+$/.test(port ?? '80') ? { number: Number(port ?? 80) } : { name: port } } };
}

/** A Service `name` with port 80 (named http) -> targetPort 8080 and the given ready pod IPs. */
export function world(services: Record<string, string[]>, namespace = 'default'): Pick<RouteInputs, 'service' | 'slices'> {
  const svcs = new Map<string, Service>();
  const slices = new Map<string, EndpointSlice[]>();
  for (const [name, ips] of Object.entries(services)) {
    svcs.set(`${namespace}/${name}`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    slices.set(`${namespace}/${name}`, [
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${name}-abc`, namespace, labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      },
    ]);
  }
  return { service: (ns, n) => svcs.get(`${ns}/${n}`), slices: (ns, n) => slices.get(`${ns}/${n}`) ?? [] };
}

/** The router's listeners on 127.0.0.1, every port picked by the kernel: the servers a unit test starts. */
export const localServers: ServerOptions = {
  httpPort: 0,
  httpsPort: 0,
  healthPort: 0,
  host: '127.0.0.1',
  maxHeaderSize: 16384,
  headersTimeoutMs: 5000,
  keepAliveTimeoutMs: 5000,
  ready: () => true,
};
