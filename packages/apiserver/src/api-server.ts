// Assembles the API server: store + persistence, the kinds it serves, bootstrap objects, controllers, HTTP.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { IngressClass, KubeObject } from '@kubelab/api';
import { closeApi, listenApi } from './auth/https-listener';
import './auth/protobuf-kinds';
import { registerAuthKinds, startAuth, type AuthConfig } from './auth/setup';
import { startNodeLifecycle } from './controllers/node-lifecycle';
import { startWorkloadControllers, type WorkloadControllerOptions } from './controllers/workload-controllers';
import { applyClusterPolicy } from './registry/cluster-policy';
import { eventStrategy, namespaceStrategy, nodeStrategy } from './registry/core-kinds';
import { ingressClassStrategy, ingressStrategyWith } from './registry/ingress-kinds';
import { leaseStrategy } from './registry/lease-kinds';
import { networkPolicyStrategy } from './registry/networkpolicy-kinds';
import { ObjectService } from './registry/object-service';
import { endpointSliceStrategy, endpointsStrategy, serviceStrategyWith } from './registry/service-kinds';
import { configMapStrategy, podStrategy, workloadStrategies } from './registry/workload-kinds';
import { Registry, type Strategy } from './registry/strategy';
import { createApp } from './server';
import type { MetricsSource } from './metrics/metrics-source';
import type { PodRuntime } from './streams/pod-runtime';
import { serveStreamUpgrades } from './streams/stream-routes';
import { ensureKubernetesService } from './services/kubernetes-service';
import { defaultServiceNetwork, ServiceAllocations, type ServiceNetworkConfig } from './services/service-allocations';
import { EtcdStorage } from './storage/etcd-storage';
import { migrateSnapshot } from './storage/migrate-snapshot';
import { SnapshotFile } from './storage/persistence';
import { Store } from './storage/store';

export interface ApiServerOptions {
  port: number;
  /**
   * HTTPS with this serving certificate, bearer-token authentication and RBAC (auth/setup.ts). Without it
   * the server refuses to start, unless KUBELAB_INSECURE_NO_AUTH=unit-tests (set only by vitest's unit
   * project, vitest.config.ts): then it speaks plain HTTP and serves every request as an administrator.
   */
  auth?: { tls: { cert: string; key: string }; config: AuthConfig };
  host?: string;
  /** Where state.json lives (without etcd; with it, a state.json found there is imported once). */
  stateDir?: string;
  /**
   * etcd client URLs: the store of record (the control plane's own etcd). Without it state is kept in
   * memory and in state.json under stateDir (unit tests).
   */
  etcdEndpoints?: string[];
  /** The cache and etcd disagree (someone wrote /registry/ meanwhile): the process should restart. */
  onStorageDiverged?: (reason: string) => void;
  nodeGracePeriodMs?: number;
  /** Pods on a node that is not Ready are deleted after this long (KUBELAB_POD_EVICTION_TIMEOUT_MS). */
  podEvictionTimeoutMs?: number;
  /** How often node health is checked (default: a quarter of the grace period, 1-5 s). */
  nodeMonitorPeriodMs?: number;
  /** Timing of the scheduler and the workload controllers (tests shorten these). */
  controllers?: WorkloadControllerOptions;
  /**
   * kube-apiserver's --allow-privileged: accept privileged containers, host namespaces and every capability
   * (`kubelab cluster up --allow-privileged`). Off by default: pods are untrusted.
   */
  allowPrivileged?: boolean;
  /** Service CIDR, NodePort range, LoadBalancer pool (defaults: 10.96.0.0/12, 30000-32767, none). */
  serviceNetwork?: Partial<ServiceNetworkConfig>;
  /** The API server's address on the node network: the `kubernetes` Service's endpoint (default 127.0.0.1). */
  advertiseAddress?: string;
  /** The port the `kubernetes` Service's endpoint names (default 6443, whatever `port` is). */
  advertisePort?: number;
  /** The container runtime behind pods/log, exec, attach and portforward (streams/pod-runtime.ts). */
  podRuntime?: PodRuntime;
  /** Containers' CPU and memory behind metrics.k8s.io (`kubectl top`); metrics/metrics-source.ts. */
  metrics?: MetricsSource;
  /** Extra kinds (pods, deployments, ...) registered by later components. */
  strategies?: Strategy[];
  log: Logger;
}

export interface RunningApiServer {
  port: number;
  service: ObjectService;
  close(): Promise<void>;
}

const bootstrapNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The only switch that lets the API server serve without authentication: vitest's unit project sets it. */
export const INSECURE_NO_AUTH_ENV = 'KUBELAB_INSECURE_NO_AUTH';

export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  if (!opts.auth && process.env[INSECURE_NO_AUTH_ENV] !== 'unit-tests') {
    throw new Error('refusing to serve the API without authentication: no serving certificate and tokens were given');
  }
  const registry = new Registry().add(namespaceStrategy).add(nodeStrategy).add(eventStrategy).add(leaseStrategy).add(networkPolicyStrategy);
  for (const s of applyClusterPolicy(workloadStrategies, { allowPrivileged: !!opts.allowPrivileged })) registry.add(s);
  for (const s of opts.strategies ?? []) registry.add(s);

  let file: SnapshotFile | undefined;
  let etcd: EtcdStorage | undefined;
  const store = new Store(10_000, (e) => (etcd ? etcd.enqueue(e) : file?.schedule()));
  if (opts.etcdEndpoints?.length) {
    etcd = new EtcdStorage({
      endpoints: opts.etcdEndpoints,
      log: opts.log.child({ component: 'storage' }),
      onDiverged: opts.onStorageDiverged,
    });
    await etcd.connect();
    if (opts.stateDir) await migrateSnapshot(etcd, opts.stateDir, opts.log);
    await etcd.attach(store);
    opts.log.info(
      {
        objects: store.snapshot().objects.length,
        resourceVersion: store.resourceVersion,
        history: store.resourceVersion - store.oldestResumable,
      },
      'state loaded from etcd',
    );
  } else if (opts.stateDir) {
    file = new SnapshotFile(opts.stateDir, () => store.snapshot(), 50, opts.log);
    const snap = file.read();
    if (snap) {
      store.load(snap);
      opts.log.info({ objects: snap.objects.length, resourceVersion: snap.resourceVersion, file: file.file }, 'state restored');
    }
  }
  const allocations = new ServiceAllocations(store, { ...defaultServiceNetwork, ...opts.serviceNetwork });
  const serviceStrategy = serviceStrategyWith(allocations);
  registry.add(serviceStrategy).add(endpointsStrategy).add(endpointSliceStrategy);
  // DefaultIngressClass admission reads the IngressClasses when an Ingress is created.
  registry.add(ingressClassStrategy).add(ingressStrategyWith(() => service.list(ingressClassStrategy, undefined) as IngressClass[]));
  const serviceAccountStrategy = registerAuthKinds(registry, opts.auth?.config.serviceAccountTokens, () => service);
  const service = new ObjectService(store, registry);
  for (const name of bootstrapNamespaces) {
    if (!store.get('/namespaces', undefined, name)) {
      service.create(namespaceStrategy, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject);
    }
  }

  ensureKubernetesService(service, {
    advertiseAddress: opts.advertiseAddress ?? '127.0.0.1',
    port: opts.advertisePort ?? 6443,
    clusterIP: allocations.firstIP,
    strategies: { services: serviceStrategy, endpoints: endpointsStrategy, endpointSlices: endpointSliceStrategy },
  });

  const auth = startAuth(
    service,
    { serviceAccounts: serviceAccountStrategy, namespaces: namespaceStrategy, pods: podStrategy, configMaps: configMapStrategy },
    opts.auth?.config,
    opts.log,
  );
  const workloads = startWorkloadControllers(service, opts.log, opts.controllers);
  const stopLifecycle = startNodeLifecycle(service, nodeStrategy, opts.log, {
    gracePeriodMs: opts.nodeGracePeriodMs ?? 40_000,
    podEvictionTimeoutMs: opts.podEvictionTimeoutMs ?? 300_000,
    tickMs: opts.nodeMonitorPeriodMs,
    pods: podStrategy,
    recorder: workloads.recorder,
  });
  const app = createApp({
    service,
    log: opts.log,
    ready: () => true,
    podRuntime: opts.podRuntime,
    metrics: opts.metrics,
    auth: auth.requestAuth,
  });
  const listener = await listenApi(app, opts.auth?.tls, opts.port, opts.host ?? '0.0.0.0');
  const server: Server = listener.server;
  serveStreamUpgrades(server, service, () => opts.podRuntime, opts.log, auth.requestAuth);
  // Watches are long-lived; the defaults would cut them after 5 minutes.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  const port = (listener.listening.address() as AddressInfo).port;
  opts.log.info({ port, stateDir: opts.stateDir }, 'API server listening');

  return {
    port,
    service,
    async close() {
      stopLifecycle();
      auth.stop();
      workloads.stop();
      allocations.close();
      await file?.close();
      await etcd?.close();
      await closeApi(listener);
    },
  };
}
