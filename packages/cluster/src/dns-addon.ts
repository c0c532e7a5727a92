// The cluster DNS add-on, applied by `cluster up` the way kubeadm applies CoreDNS: a Deployment of the node
// image's `dns` role and the kube-dns Service at 10.96.0.10 (udp+tcp 53) in kube-system, then waited for
// until its pods are Ready. Objects are built by a pure function; applying is create, or update of the
// Deployment when its template changed (a new image after a rebuild rolls the pods).
import type { Deployment, KubeObject, Service } from '@kubelab/api';
import { KubeClient } from '@kubelab/client';
import { addonDeployment, applyAddonDeployment, createMissingRbac, getOrUndefined, kind, waitForRollout } from './addon-kit';

export const DNS_SERVICE_IP = '10.96.0.10';
export const DNS_NAMESPACE = 'kube-system';
/**
 * Two replicas, as CoreDNS ships: a restarting or rescheduled DNS pod leaves the other answering behind the
 * ClusterIP (the failover lesson), at the cost of one more ~40 MB Node process.
 */
export const DNS_REPLICAS = 2;
const LABELS = { 'k8s-app': 'kube-dns' };

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
  const deployment = addonDeployment({
    name: 'coredns',
    namespace: DNS_NAMESPACE,
    labels: LABELS,
    replicas: o.replicas ?? DNS_REPLICAS,
    pod: {
      // As CoreDNS: the DNS server must not resolve through itself.
      dnsPolicy: 'Default',
      ...(inCluster ? { serviceAccountName: 'coredns' } : {}),
      // kubeadm's CoreDNS tolerations: a cluster of one control-plane node still gets its DNS.
      tolerations: [
        { key: 'CriticalAddonsOnly', operator: 'Exists' },
        { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      ],
    },
    container: {
      name: 'dns',
      image: o.image,
      role: 'dns',
      env,
      ports: [
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
        { name: 'liveness-probe', containerPort: 8080, protocol: 'TCP' },
        { name: 'readiness-probe', containerPort: 8181, protocol: 'TCP' },
      ],
      // CoreDNS's probes: health (liveness) on 8080, ready (watch cache synced) on 8181.
      liveness: { path: '/health', port: 8080 },
      readiness: { path: '/ready', port: 8181 },
    },
  });
  return { service, deployment };
}

/** Upstream setting of a Deployment made by an earlier `up` (kept when this `up` does not name one). */
function upstreamOf(d: Deployment | undefined): string | undefined {
  const c = (d?.spec as { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } })?.template?.spec
    ?.containers?.[0];
  return c?.env?.find((e) => e.name === 'KUBELAB_DNS_UPSTREAM')?.value;
}

/** Applies the add-on through the API (as the cluster admin, from the host) and waits until its pods are Ready. */
export async function ensureDnsAddon(api: KubeClient | string, o: DnsAddonOptions, timeoutMs = 60_000): Promise<string> {
  const client = typeof api === 'string' ? new KubeClient({ baseUrl: api }) : api;
  try {
    if (o.internalApiUrl.startsWith('https:')) {
      await createMissingRbac(client, dnsRbacObjects());
    }
    const services = kind('services');
    const deployments = kind('deployments');
    const existing = await getOrUndefined(client.get<Deployment>(deployments, 'coredns', DNS_NAMESPACE));
    const wanted = dnsAddonObjects({ ...o, upstream: o.upstream ?? upstreamOf(existing) });
    if (!(await getOrUndefined(client.get<Service>(services, 'kube-dns', DNS_NAMESPACE)))) {
      await client.create(services, wanted.service, DNS_NAMESPACE);
    }
    await applyAddonDeployment(client, wanted.deployment, existing);
    const replicas = (wanted.deployment.spec as { replicas?: number }).replicas ?? DNS_REPLICAS;
    await waitForRollout(client, {
      name: 'coredns',
      namespace: DNS_NAMESPACE,
      replicas,
      labelSelector: 'k8s-app=kube-dns',
      timeoutMs,
      showReady: true,
      notReady: (status, pods) =>
        `cluster DNS not ready after ${timeoutMs / 1000} s: waited for deployment coredns in kube-system to roll out ${replicas} Ready pods (status ${status}; pods: ${pods})`,
    });
    return `${replicas} DNS pod(s) Ready behind kube-dns ${DNS_SERVICE_IP}`;
  } finally {
    if (typeof api === 'string') await client.close();
  }
}
