// The `dns` role of kubelab-node (DESIGN.md §3): a pod in kube-system behind the kube-dns Service.
// Configuration comes from the environment the Deployment sets (one options object, checked up front).
import type { Logger } from 'pino';
import { componentClient } from '@kubelab/client';
import { isIPv4 } from './records';
import { DnsHandler } from './handler';
import { startDnsServer } from './server';
import { parseUpstream } from './upstream';
import { WatchCache } from './watch-cache';

/** Past this many Services a change re-encodes lazily only (each encode is tens of µs of one core). */
const PREWARM_MAX_SERVICES = 2000;

export interface DnsConfig {
  zone: string;
  ttl: number;
  port: number;
  healthPort: number;
  readyPort: number;
  dnsIP?: string;
  upstream?: string;
  /** Every query logged at info with its answers (KUBELAB_DNS_QUERY_LOG=true; `cluster up` sets it). */
  queryLog: boolean;
  /** CoreDNS health's `lameduck`: on stop, keep answering this long while the endpoint leaves the Service. */
  lameduckMs: number;
}

export function dnsConfigFromEnv(env: NodeJS.ProcessEnv): DnsConfig {
  const num = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`dns: ${name}=${raw}: must be a whole number ${min}-${max}`);
    return n;
  };
  const zone = (env.KUBELAB_CLUSTER_DOMAIN || 'cluster.local').toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(zone)) throw new Error(`dns: KUBELAB_CLUSTER_DOMAIN=${zone}: not a domain name`);
  const dnsIP = env.KUBELAB_DNS_IP || undefined;
  if (dnsIP && !isIPv4(dnsIP)) throw new Error(`dns: KUBELAB_DNS_IP=${dnsIP}: not an IPv4 address`);
  const upstream = env.KUBELAB_DNS_UPSTREAM || undefined;
  if (upstream) parseUpstream(upstream);
  return {
    zone,
    ttl: num('KUBELAB_DNS_TTL', 30, 0, 3600),
    port: num('KUBELAB_DNS_PORT', 53, 0, 65535),
    healthPort: num('KUBELAB_DNS_HEALTH_PORT', 8080, 0, 65535),
    readyPort: num('KUBELAB_DNS_READY_PORT', 8181, 0, 65535),
    dnsIP,
    upstream,
    lameduckMs: num('KUBELAB_DNS_LAMEDUCK_MS', 5000, 0, 8000),
    queryLog: env.KUBELAB_DNS_QUERY_LOG === 'true',
  };
}

export async function runDnsFromEnv(log: Logger): Promise<{ close(): Promise<void> }> {
  const cfg = dnsConfigFromEnv(process.env);
  const dnsLog = log.child({ component: 'dns' });
  // In-cluster config (the coredns ServiceAccount's token and ca.crt, KUBERNETES_SERVICE_HOST), or
  // KUBELAB_API_URL where a Deployment still sets it.
  const client = componentClient(process.env);
  const cache = new WatchCache(client, dnsLog).start();
  let stopping = false;
  const handler = new DnsHandler(cache.index, { zone: cfg.zone, ttl: cfg.ttl, dnsIP: cfg.dnsIP, upstream: !!cfg.upstream });
  // Watch events come in bursts (a rollout, a re-list): re-encode the Services' answers once things settle.
  let prewarm: NodeJS.Timeout | undefined;
  cache.index.onChange = () => {
    clearTimeout(prewarm);
    prewarm = setTimeout(() => {
      const names = cache.index.serviceNames();
      if (names.length <= PREWARM_MAX_SERVICES) handler.prewarm(names);
    }, 50);
  };
  const server = await startDnsServer({
    handler,
    log: dnsLog,
    port: cfg.port,
    healthPort: cfg.healthPort,
    readyPort: cfg.readyPort,
    ready: () => cache.synced && !stopping,
    upstream: cfg.upstream,
    queryLog: cfg.queryLog,
  });
  dnsLog.info(
    { port: server.port, zone: cfg.zone, ttl: cfg.ttl, upstream: cfg.upstream ?? 'none (out-of-zone names are REFUSED)' },
    'dns serving',
  );
  void cache.waitForSync().then(() => dnsLog.info('dns watch cache synced: ready'));
  return {
    async close() {
      // A terminating pod's endpoint turns not-ready and leaves the Service's rules; queries already sent
      // here are still answered meanwhile (CoreDNS's lameduck 5s in the kubeadm Corefile).
      stopping = true;
      cache.index.onChange = undefined;
      clearTimeout(prewarm);
      dnsLog.info({ lameduckMs: cfg.lameduckMs }, 'dns stopping: lame duck');
      await new Promise((r) => setTimeout(r, cfg.lameduckMs));
      cache.stop();
      await server.close();
      await client.close();
    },
  };
}
