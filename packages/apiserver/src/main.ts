// Entry inside the control-plane container: configuration comes from the environment the CLI set.
import type { Logger } from 'pino';
import { startApiServer, type RunningApiServer } from './api-server';
import { runOnEtcd } from './storage/run-on-etcd';
import { readPki } from './auth/pki-files';
import { DockerPodRuntime } from './streams/pod-runtime';
import { DockerMetricsSource } from './metrics/metrics-source';
import { defaultLoadBalancerPool } from './services/service-allocations';

export async function runApiServerFromEnv(log: Logger): Promise<RunningApiServer> {
  const env = process.env;
  const stateDir = env.KUBELAB_STATE_DIR ?? '/var/lib/kubelab';
  // HTTPS, tokens and RBAC from the credentials `cluster up` put on the state volume.
  const auth = readPki(stateDir);
  // Never fail open: a cluster made before authentication (or by compose.yaml) has no pki/, and its node
  // agents have no tokens, so the control plane cannot make them up here; it stops with the way out instead.
  if (!auth) {
    throw new Error(
      `control plane not ready: no pki/ (certificates and tokens) on the state volume ${stateDir}; the cluster predates authentication: run kubelab cluster up --recreate`,
    );
  }
  // etcd (started and supervised here) is the store; state.json on the volume is imported into it once.
  return runOnEtcd(env.KUBELAB_STATE_DIR ?? '/var/lib/kubelab', log, (storage) =>
    startApiServer({
      ...storage,
      port: Number(env.KUBELAB_API_PORT ?? 6443),
      auth,
      stateDir: env.KUBELAB_STATE_DIR ?? '/var/lib/kubelab',
      nodeGracePeriodMs: Number(env.KUBELAB_NODE_GRACE_PERIOD_MS ?? 40_000),
      podEvictionTimeoutMs: Number(env.KUBELAB_POD_EVICTION_TIMEOUT_MS ?? 300_000),
      allowPrivileged: env.KUBELAB_ALLOW_PRIVILEGED === 'true',
      // The cluster's addressing plan, as `cluster up` passes it to every node container.
      serviceNetwork: {
        serviceCidr: env.SERVICE_CIDR ?? '10.96.0.0/12',
        nodePortRange: env.KUBELAB_NODE_PORT_RANGE ?? '30000-32767',
        loadBalancerPool: env.KUBELAB_LB_POOL ?? (env.NODE_SUBNET ? defaultLoadBalancerPool(env.NODE_SUBNET) : undefined),
      },
      advertiseAddress: env.NODE_IP,
      advertisePort: Number(env.KUBELAB_API_PORT ?? 6443),
      // The control-plane container has the Docker socket for its node agent (streams/pod-runtime.ts says why
      // the API server uses it directly instead of proxying to a kubelet).
      podRuntime: env.KUBELAB_CLUSTER ? new DockerPodRuntime(env.KUBELAB_CLUSTER) : undefined,
      metrics: env.KUBELAB_CLUSTER ? new DockerMetricsSource(env.KUBELAB_CLUSTER) : undefined,
      log: log.child({ component: 'apiserver' }),
    }),
  );
}
