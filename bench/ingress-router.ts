// The bench's router process and route-table timing (issue 12 item 8), bundled by bench/ingress.mjs:
//   `node ingress-router.mjs serve PORT UPSTREAM_PORT LOGFILE [node]` the real proxy (packages/ingress) on
//        127.0.0.1:PORT, one Ingress routing bench.localhost/ to a Service whose one endpoint is
//        127.0.0.1:UPSTREAM_PORT, access log written to LOGFILE as in the pod; `node`: without the raw-socket
//        fast path (node:http + undici for every request, the router before the fast path)
//   `node ingress-router.mjs rebuild` route table build times for 1000 Ingress rules, as JSON
import type { EndpointSlice, Ingress, Service } from '@kubelab/api';
import pino from 'pino';
import { AccessLog, accessLogSink } from '../packages/ingress/src/access-log';
import { selfSignedCertificate } from '../packages/ingress/src/certs';
import { buildRouteTable, type RouteInputs } from '../packages/ingress/src/route-table';
import { startServers } from '../packages/ingress/src/server';
import { TlsStore } from '../packages/ingress/src/tls-store';
import { UpstreamPools } from '../packages/ingress/src/upstreams';

function ing(name: string, host: string, paths: [string, string][]): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host,
          http: {
            paths: paths.map(([p, svc]) => ({
              path: p,
              pathType: 'Prefix' as const,
              backend: { service: { name: svc, port: { number: 80 } } },
            })),
          },
        },
      ],
    },
  };
}

function world(endpoints: Map<string, string[]>): Pick<RouteInputs, 'service' | 'slices'> {
  return {
    service: (_ns, n) =>
      endpoints.has(n)
        ? ({
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: n, namespace: 'default' },
            spec: { ports: [{ port: 80, name: 'http' }] },
          } as Service)
        : undefined,
    slices: (_ns, n) => [
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${n}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': n } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: Number((endpoints.get(n)?.[0] ?? ':0').split(':')[1]) }],
        endpoints: (endpoints.get(n) ?? []).map((e) => ({ addresses: [e.split(':')[0]], conditions: { ready: true } })),
      } as EndpointSlice,
    ],
  };
}

async function serve(port: number, upstream: number, logFile: string, fastPath: boolean): Promise<void> {
  const w = world(new Map([['echo', [`127.0.0.1:${upstream}`]]]));
  const table = buildRouteTable({
    ingresses: [ing('bench', 'bench.localhost', [['/', 'echo']])],
    ...w,
    className: 'nginx',
    isDefaultClass: true,
  });
  const pools = new UpstreamPools();
  await startServers(
    {
      table: () => table,
      pools,
      accessLog: new AccessLog(pino({ base: undefined }), accessLogSink(logFile)),
      httpsPortFor: () => '443',
    },
    new TlsStore(selfSignedCertificate(['bench.localhost'])),
    {
      httpPort: port,
      httpsPort: 0,
      healthPort: 0,
      host: '127.0.0.1',
      maxHeaderSize: 16384,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 75_000,
      ready: () => true,
      fastPath,
    },
  );
  process.on('SIGTERM', () => process.exit(0));
  process.stdout.write('ready\n');
}

function rebuild(): void {
  // 1000 rules: 100 hosts x 10 paths over 50 Services with 3 endpoints each, and 1000 one-rule Ingresses.
  const eps = new Map<string, string[]>();
  for (let s = 0; s < 50; s++)
    eps.set(
      `svc${s}`,
      [0, 1, 2].map((e) => `10.244.${s}.${e + 2}:8080`),
    );
  const w = world(eps);
  const wide = Array.from({ length: 100 }, (_, i) =>
    ing(
      `i${i}`,
      `h${i}.example.com`,
      Array.from({ length: 10 }, (_, j) => [`/p${j}`, `svc${(i + j) % 50}`] as [string, string]),
    ),
  );
  const flat = Array.from({ length: 1000 }, (_, i) => ing(`f${i}`, `f${i}.example.com`, [['/', `svc${i % 50}`]]));
  const time = (ingresses: Ingress[]): { min: number; median: number; max: number } => {
    const runs: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      buildRouteTable({ ingresses, ...w, className: 'nginx', isDefaultClass: true });
      runs.push(performance.now() - t0);
    }
    runs.sort((a, b) => a - b);
    return { min: runs[0], median: runs[3], max: runs[6] };
  };
  process.stdout.write(`${JSON.stringify({ hosts100x10: time(wide), ingresses1000: time(flat) })}\n`);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'serve') void serve(Number(args[0]), Number(args[1]), args[2], args[3] !== 'node');
else if (cmd === 'rebuild') rebuild();
else {
  process.stderr.write('usage: ingress-router.mjs serve PORT UPSTREAM_PORT LOGFILE [node] | rebuild\n');
  process.exit(2);
}
