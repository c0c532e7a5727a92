// The cluster DNS add-on, applied by `cluster up` the way kubeadm applies CoreDNS: a Deployment of the node
// image's `dns` role and the kube-dns Service at 10.96.0.10 (udp+tcp 53) in kube-system, then waited for
// until its pods are Ready. Objects are built by a pure function; applying is create, or update of the
// Deployment when its template changed (a new image after a rebuild rolls the pods).
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveResource, StatusError, type Deployment, type KubeObject, type Pod, type ResourceInfo, type Service } from '@kubelab/api';
import { KubeClient } from '@kubelab/client';
import { NODE_ENTRY } from './names';

export const DNS_SERVICE_IP = '10.96.0.10';
export const DNS_NAMESPACE = 'kube-system';
/**
 * Two replicas, as CoreDNS ships: a restarting or rescheduled DNS pod leaves the other answering behind the
 * ClusterIP (the failover lesson), at the cost of one more ~40 MB Node process.
 */
export const DNS_REPLICAS = 2;
const LABELS = { 'k8s-app': 'kube-dns' };
/** Hash of the Deployment spec `cluster up` applied: a change (new image, upstream, log level) rolls the pods. */
const TEMPLATE_HASH = 'kubelab.dev/applied-spec-hash';

export interface DnsAddonOptions {
  image: string;
  /** The API server as pods reach it: the control plane's node-network address (pod egress is masqueraded). */
  internalApiUrl: string;
  logLevel?: string;
  /** ip[:port] of a resolver for names outside cluster.local; unset = REFUSED (no traffic leaves the machine). */
  upstream?: string;
  replicas?: number;
}

/** `cluster up --dns-upstream`: checked before anything is created. */
export function validateDnsUpstream(upstream: string | undefined): void {
  if (upstream === undefined) return;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d{1,5}))?$/.exec(upstream);
  const ok = m?.slice(1, 5).every((o) => Number(o) <= 255) && (m[5] === undefined || (Number(m[5]) >= 1 && Number(m[5]) <= 65535));
  if (!ok)
    throw new Error(`--dns-upstream ${upstream}: must be an IPv4 address, optionally with :port (e.g. 192.168.1.1 or 10.0.0.2:5353)`);
}

/**
 * CoreDNS's identity, as its manifests declare it: the `coredns` ServiceAccount, bound to the
 * `system:coredns` ClusterRole that lists and watches what the zone is built from.
 */
export function dnsRbacObjects(): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: DNS_NAMESPACE } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: DNS_NAMESPACE }],
    },
  ] as KubeObject[];
}

export function dnsAddonObjects(o: DnsAddonOptions): { service: Service; deployment: Deployment } {
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', namespace: DNS_NAMESPACE, labels: { ...LABELS, 'kubernetes.io/name': 'CoreDNS' } },
    spec: {
      selector: { ...LABELS },
      clusterIP: DNS_SERVICE_IP,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  };
  // With authentication the pods use the in-cluster config (the kubelet mounts the coredns ServiceAccount's
  // token and sets KUBERNETES_SERVICE_HOST); a cluster made before it is reached over plain HTTP.
  const inCluster = o.internalApiUrl.startsWith('https:');
  const env = [
    ...(inCluster ? [] : [{ name: 'KUBELAB_API_URL', value: o.internalApiUrl }]),
    { name: 'KUBELAB_DNS_IP', value: DNS_SERVICE_IP },
    { name: 'LOG_LEVEL', value: o.logLevel ?? 'info' },
    // CoreDNS's `log` plugin: one line per query, what `kubelab dns trace` follows.
    { name: 'KUBELAB_DNS_QUERY_LOG', value: 'true' },
    ...(o.upstream ? [{ name: 'KUBELAB_DNS_UPSTREAM', value: o.upstream }] : []),
  ];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: DNS_NAMESPACE, labels: { ...LABELS } },
    spec: {
      replicas: o.replicas ?? DNS_REPLICAS,
      selector: { matchLabels: { ...LABELS } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { ...LABELS } },
        spec: {
          // As CoreDNS: the DNS server must not resolve through itself.
          dnsPolicy: 'Default',
          ...(inCluster ? { serviceAccountName: 'coredns' } : {}),
          // kubeadm's CoreDNS tolerations: a cluster of one control-plane node still gets its DNS.
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
          ],
          containers: [
            {
              name: 'dns',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['node', NODE_ENTRY, 'dns'],
              env,
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                { name: 'liveness-probe', containerPort: 8080, protocol: 'TCP' },
                { name: 'readiness-probe', containerPort: 8181, protocol: 'TCP' },
              ],
              // CoreDNS's probes: health (liveness) on 8080, ready (watch cache synced) on 8181.
              livenessProbe: {
                httpGet: { path: '/health', port: 8080 },
                initialDelaySeconds: 10,
                periodSeconds: 10,
                timeoutSeconds: 5,
                failureThreshold: 5,
              },
              readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 },
            },
          ],
        },
      },
    },
  } as unknown as Deployment;
  const hash = createHash('sha256').update(JSON.stringify(deployment.spec)).digest('hex').slice(0, 16);
  deployment.metadata.annotations = { [TEMPLATE_HASH]: hash };
  return { service, deployment };
}

function kind(plural: string): ResourceInfo {
  const r = resolveResource(plural);
  if (!r) throw new Error(`@kubelab/api does not describe "${plural}"`);
  return r;
}

/** Upstream setting of a Deployment made by an earlier `up` (kept when this `up` does not name one). */
function upstreamOf(d: Deployment | undefined): string | undefined {
  const c = (d?.spec as { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } })?.template?.spec
    ?.containers?.[0];
  return c?.env?.find((e) => e.name === 'KUBELAB_DNS_UPSTREAM')?.value;
}

async function getOrUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return undefined;
    throw err;
  }
}

/** Applies the add-on through the API (as the cluster admin, from the host) and waits until its pods are Ready. */
export async function ensureDnsAddon(api: KubeClient | string, o: DnsAddonOptions, timeoutMs = 60_000): Promise<string> {
  const client = typeof api === 'string' ? new KubeClient({ baseUrl: api }) : api;
  try {
    if (o.internalApiUrl.startsWith('https:')) {
      for (const obj of dnsRbacObjects()) {
        const r = kind(obj.kind === 'ServiceAccount' ? 'serviceaccounts' : `${obj.kind.toLowerCase()}s.rbac.authorization.k8s.io`);
        if (!(await getOrUndefined(client.get(r, obj.metadata.name!, obj.metadata.namespace))))
          await client.create(r, obj, obj.metadata.namespace);
      }
    }
    const services = kind('services');
    const deployments = kind('deployments');
    const existing = await getOrUndefined(client.get<Deployment>(deployments, 'coredns', DNS_NAMESPACE));
    const wanted = dnsAddonObjects({ ...o, upstream: o.upstream ?? upstreamOf(existing) });
    if (!(await getOrUndefined(client.get<Service>(services, 'kube-dns', DNS_NAMESPACE)))) {
      await client.create(services, wanted.service, DNS_NAMESPACE);
    }
    if (!existing) await client.create(deployments, wanted.deployment, DNS_NAMESPACE);
    // The API server fills defaults into the stored template, so compare what this code asked for last time.
    else if (existing.metadata.annotations?.[TEMPLATE_HASH] !== wanted.deployment.metadata.annotations?.[TEMPLATE_HASH]) {
      await client.update(deployments, {
        ...wanted.deployment,
        metadata: { ...wanted.deployment.metadata, resourceVersion: existing.metadata.resourceVersion },
      });
    }
    return await waitForDnsReady(client, (wanted.deployment.spec as { replicas?: number }).replicas ?? DNS_REPLICAS, timeoutMs);
  } finally {
    if (typeof api === 'string') await client.close();
  }
}

function isReady(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Rolled out as `kubectl rollout status` judges it: the current template's pods all Ready, no old ones left. */
async function waitForDnsReady(client: KubeClient, replicas: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await client.get<Deployment>(kind('deployments'), 'coredns', DNS_NAMESPACE);
    const st = (d.status ?? {}) as {
      observedGeneration?: number;
      replicas?: number;
      updatedReplicas?: number;
      readyReplicas?: number;
      availableReplicas?: number;
    };
    const observed = (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
    if (observed && st.updatedReplicas === replicas && st.readyReplicas === replicas && st.replicas === replicas) {
      return `${replicas} DNS pod(s) Ready behind kube-dns ${DNS_SERVICE_IP}`;
    }
    if (Date.now() >= deadline) {
      const pods = await client.list<Pod>(kind('pods'), DNS_NAMESPACE, { labelSelector: 'k8s-app=kube-dns' });
      const seen =
        pods.items.map((p) => `${p.metadata.name} ${p.status?.phase ?? 'Pending'}${isReady(p) ? ' Ready' : ''}`).join(', ') || 'no pods';
      throw new Error(
        `cluster DNS not ready after ${timeoutMs / 1000} s: waited for deployment coredns in kube-system to roll out ${replicas} Ready pods (status ${JSON.stringify(st)}; pods: ${seen})`,
      );
    }
    await sleep(250);
  }
}
