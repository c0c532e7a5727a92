// The `ingress` role of kubelab-node (DESIGN.md §1): a pod in ingress-nginx behind the
// ingress-nginx-controller Service. Configuration comes from the environment the Deployment sets (one
// options object, checked up front).
import { componentClient } from '@kubelab/client';
import type { Logger } from 'pino';
import { AccessLog } from './access-log';
import { fakeCertificate } from './certs';
import { fastcgiHandler } from './fastcgi-client';
import { GrpcUpstreams, grpcHandler } from './grpc';
import { apiLeaseLock, LeaderElector } from './leader-election';
import { IngressController } from './controller';
import { startServers } from './server';
import { apiPodLister, runningMultiplePods } from './status-shutdown';
import { TlsStore } from './tls-store';
import { UpstreamPools } from './upstreams';
import { IngressWatchCache } from './watch-cache';

export interface IngressConfig {
  apiUrl: string;
  className: string;
  controllerName: string;
  publishAddress: string;
  httpPort: number;
  httpsPort: number;
  healthPort: number;
  /** Host ports Docker publishes for 80/443 (redirects of a request that came in on the one go to the other). */
  publicHttpPort: number;
  publicHttpsPort: number;
  headersTimeoutMs: number;
  maxHeaderSize: number;
  podName: string;
  /** On stop, keep serving this long while the endpoint leaves the Service (ingress-nginx's shutdown delay). */
  shutdownDelayMs: number;
  /** The controller's namespace (POD_NAMESPACE), where the leader-election Lease lives. */
  namespace: string;
  /** ingress-nginx --election-id (the chart passes ingress-nginx-leader) and --election-ttl (30 s). */
  electionId: string;
  electionTtlMs: number;
}

export function ingressConfigFromEnv(env: NodeJS.ProcessEnv): IngressConfig {
  // Unset in a pod that uses its ServiceAccount (the in-cluster config, componentClient).
  const apiUrl = env.KUBELAB_API_URL ?? '';
  const num = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`ingress: ${name}=${raw}: must be a whole number ${min}-${max}`);
    return n;
  };
  return {
    apiUrl,
    className: env.KUBELAB_INGRESS_CLASS || 'nginx',
    controllerName: env.KUBELAB_INGRESS_CONTROLLER || 'k8s.io/ingress-nginx',
    publishAddress: env.KUBELAB_INGRESS_PUBLISH_ADDRESS || 'localhost',
    httpPort: num('KUBELAB_INGRESS_HTTP_PORT', 80, 0, 65535),
    httpsPort: num('KUBELAB_INGRESS_HTTPS_PORT', 443, 0, 65535),
    healthPort: num('KUBELAB_INGRESS_HEALTH_PORT', 10254, 0, 65535),
    publicHttpPort: num('KUBELAB_INGRESS_PUBLIC_HTTP_PORT', 8080, 1, 65535),
    publicHttpsPort: num('KUBELAB_INGRESS_PUBLIC_HTTPS_PORT', 8443, 1, 65535),
    headersTimeoutMs: num('KUBELAB_INGRESS_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    maxHeaderSize: num('KUBELAB_INGRESS_MAX_HEADER_SIZE', 16_384, 1024, 1_048_576),
    podName: env.POD_NAME || env.HOSTNAME || 'ingress',
    shutdownDelayMs: num('KUBELAB_INGRESS_SHUTDOWN_DELAY_MS', 3000, 0, 8000),
    namespace: env.POD_NAMESPACE || 'ingress-nginx',
    electionId: env.KUBELAB_INGRESS_ELECTION_ID || 'ingress-nginx-leader',
    electionTtlMs: electionTtl(env.KUBELAB_INGRESS_ELECTION_TTL),
  };
}

/** --election-ttl: a Go duration in whole seconds (`30s`) or a plain number of seconds; 2 s at least. */
function electionTtl(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 30_000;
  const m = /^(\d+)s?$/.exec(raw.trim());
  const n = m ? Number(m[1]) : Number.NaN;
  if (!(n >= 2 && n <= 3600)) throw new Error(`ingress: KUBELAB_INGRESS_ELECTION_TTL=${raw}: must be a duration of 2s-3600s`);
  return n * 1000;
}

export async function runIngressFromEnv(log: Logger): Promise<{ close(): Promise<void> }> {
  const cfg = ingressConfigFromEnv(process.env);
  const ilog = log.child({ component: 'ingress' });
  // One line per request on stdout, in batches (access-log.ts); other lines through the process's pino.
  const accessLog = new AccessLog(ilog);
  // In-cluster config: the ingress-nginx ServiceAccount's token and ca.crt, KUBERNETES_SERVICE_HOST.
  const client = componentClient(process.env);
  const tls = new TlsStore(fakeCertificate());
  const pools = new UpstreamPools();
  // backend-protocol GRPC/GRPCS (HTTP/2 to the pod) and FCGI (FastCGI to the pod); HTTP/HTTPS are the proxy's own.
  const grpcUpstreams = new GrpcUpstreams(ilog);
  const grpc = grpcHandler(grpcUpstreams, pools);
  const backends = { GRPC: grpc, GRPCS: grpc, FCGI: fastcgiHandler(pools, ilog) };
  let controller: IngressController | undefined;
  const cache = new IngressWatchCache(client, ilog, () => controller?.changed());
  controller = new IngressController(client, cache, tls, pools, ilog, {
    className: cfg.className,
    controllerName: cfg.controllerName,
    publishAddress: cfg.publishAddress,
    podName: cfg.podName,
    isLeader: () => elector.isLeading,
  });
  const ctl = controller;
  // Leader election for status writes, as ingress-nginx: Lease <election-id> in the controller's namespace,
  // LeaseDuration = ttl, RenewDeadline = ttl/2, RetryPeriod = ttl/4; a new leader publishes status at once.
  const elector = new LeaderElector(apiLeaseLock(client, cfg.namespace, cfg.electionId), {
    identity: cfg.podName,
    leaseDurationMs: cfg.electionTtlMs,
    renewDeadlineMs: cfg.electionTtlMs / 2,
    retryPeriodMs: cfg.electionTtlMs / 4,
    onStartedLeading: () => {
      ilog.info({ lease: `${cfg.namespace}/${cfg.electionId}` }, 'I am the new leader');
      if (cache.synced) ctl.sync();
    },
    onStoppedLeading: () => ilog.info('I am not leader anymore'),
    onNewLeader: (identity) => ilog.info({ identity }, 'New leader elected'),
    onError: (err, what) => ilog.warn({ err: err.message }, what),
  });
  elector.run();
  let stopping = false;
  let ready = false;
  cache.start();
  void cache.waitForSync().then(() => {
    ctl.sync();
    ready = true;
    ilog.info({ ingresses: ctl.table.ingresses.length }, 'ingress watch cache synced: ready');
  });
  const servers = await startServers(
    {
      table: () => ctl.table,
      pools,
      accessLog,
      httpsPortFor: (p) => (p === String(cfg.publicHttpPort) ? String(cfg.publicHttpsPort) : '443'),
      backends,
    },
    tls,
    {
      httpPort: cfg.httpPort,
      httpsPort: cfg.httpsPort,
      healthPort: cfg.healthPort,
      maxHeaderSize: cfg.maxHeaderSize,
      headersTimeoutMs: cfg.headersTimeoutMs,
      keepAliveTimeoutMs: 75_000,
      ready: () => ready && !stopping,
    },
  );
  ilog.info({ http: servers.httpPort, https: servers.httpsPort, health: servers.healthPort, class: cfg.className }, 'ingress serving');
  return {
    async close() {
      stopping = true;
      ilog.info({ delayMs: cfg.shutdownDelayMs }, 'ingress stopping: serving while the endpoint is removed');
      await new Promise((r) => setTimeout(r, cfg.shutdownDelayMs));
      elector.stop();
      // --update-status-on-shutdown (ingress-nginx's default): the last router clears the Ingresses' ADDRESS.
      // Bounded (6 s, after the 3 s delay, of the 15 s grace) so a slow or unreachable API cannot hold the pod past it.
      await Promise.race([
        ctl
          .clearStatusOnShutdown(() => runningMultiplePods(apiPodLister(client), cfg.podName, cfg.namespace))
          .catch((err) => ilog.warn({ err: (err as Error).message }, 'clearing Ingress status failed')),
        new Promise((r) => setTimeout(r, 6000).unref()),
      ]);
      ctl.stop();
      cache.stop();
      await servers.close();
      grpcUpstreams.close();
      await pools.close();
      await client.close();
      accessLog.close();
    },
  };
}
