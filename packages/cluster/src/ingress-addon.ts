// The ingress add-on, applied by `cluster up` the way kind's ingress-nginx guide deploys ingress-nginx: the
// `ingress-nginx` namespace, the default IngressClass `nginx`, the ingress-nginx-controller Deployment (the
// node image's `ingress` role) and Service, then waited for until its pod is Ready. The Service carries every
// node IP as an external IP on 80/443, so each node IP answers there (from a Linux host too), and the
// control-plane container publishes 80/443 on 127.0.0.1 (spec.ts) for every OS.
import {
  DEFAULT_INGRESS_CLASS_ANNOTATION,
  NGINX_INGRESS_CONTROLLER,
  type Deployment,
  type IngressClass,
  type KubeObject,
  type Service,
} from '@kubelab/api';
import { KubeClient } from '@kubelab/client';
import { addonDeployment, applyAddonDeployment, createMissingRbac, getOrUndefined, kind, waitForRollout } from './addon-kit';

export const INGRESS_NAMESPACE = 'ingress-nginx';
export const INGRESS_DEPLOYMENT = 'ingress-nginx-controller';
/** The leader-election Lease (ingress-nginx's chart: --election-id=ingress-nginx-leader). */
export const INGRESS_ELECTION_ID = 'ingress-nginx-leader';
export const DEFAULT_INGRESS_HTTP_PORT = 8080;
export const DEFAULT_INGRESS_HTTPS_PORT = 8443;
const LABELS = {
  'app.kubernetes.io/name': 'ingress-nginx',
  'app.kubernetes.io/instance': 'ingress-nginx',
  'app.kubernetes.io/component': 'controller',
};

export interface IngressAddonOptions {
  image: string;
  internalApiUrl: string;
  /** Node IPs: external IPs of the controller Service, so nodeIP:80/443 reach the router. */
  nodeIPs: string[];
  /** Host ports Docker publishes for 80/443 (the router redirects a request on the one to the other). */
  publicHttpPort?: number;
  publicHttpsPort?: number;
  logLevel?: string;
}

/**
 * The controller's identity, as ingress-nginx's manifests declare it (auth engineer, issue 10): the
 * `ingress-nginx` ServiceAccount bound to a ClusterRole that reads what routes are built from, writes
 * Ingress status and records events.
 */
export function ingressRbacObjects(): KubeObject[] {
  const rbac = 'rbac.authorization.k8s.io';
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ingress-nginx', namespace: INGRESS_NAMESPACE, labels: { ...LABELS } } },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'ingress-nginx', labels: { ...LABELS } },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps', 'endpoints', 'nodes', 'pods', 'secrets', 'namespaces', 'services'],
          verbs: ['get', 'list', 'watch'],
        },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update', 'patch'] },
        { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'ingress-nginx', labels: { ...LABELS } },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'ingress-nginx' },
      subjects: [{ kind: 'ServiceAccount', name: 'ingress-nginx', namespace: INGRESS_NAMESPACE }],
    },
    // The chart's namespaced Role: the leader-election Lease (get/update only that one, create any).
    {
      apiVersion: `${rbac}/v1`,
      kind: 'Role',
      metadata: { name: 'ingress-nginx', namespace: INGRESS_NAMESPACE, labels: { ...LABELS } },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [INGRESS_ELECTION_ID], verbs: ['get', 'update'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      ],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'ingress-nginx', namespace: INGRESS_NAMESPACE, labels: { ...LABELS } },
      roleRef: { apiGroup: rbac, kind: 'Role', name: 'ingress-nginx' },
      subjects: [{ kind: 'ServiceAccount', name: 'ingress-nginx', namespace: INGRESS_NAMESPACE }],
    },
  ] as KubeObject[];
}

export function ingressAddonObjects(o: IngressAddonOptions): {
  namespace: KubeObject;
  ingressClass: IngressClass;
  service: Service;
  deployment: Deployment;
} {
  const namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: INGRESS_NAMESPACE, labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
  };
  const ingressClass: IngressClass = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'nginx', labels: { ...LABELS }, annotations: { [DEFAULT_INGRESS_CLASS_ANNOTATION]: 'true' } },
    spec: { controller: NGINX_INGRESS_CONTROLLER },
  };
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: INGRESS_DEPLOYMENT, namespace: INGRESS_NAMESPACE, labels: { ...LABELS } },
    spec: {
      type: 'ClusterIP',
      selector: { ...LABELS },
      externalIPs: [...o.nodeIPs],
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', appProtocol: 'http' },
        { name: 'https', port: 443, protocol: 'TCP', targetPort: 'https', appProtocol: 'https' },
      ],
    },
  };
  // With authentication the controller uses the in-cluster config (its ServiceAccount's mounted token).
  const inCluster = o.internalApiUrl.startsWith('https:');
  const env = [
    ...(inCluster ? [] : [{ name: 'KUBELAB_API_URL', value: o.internalApiUrl }]),
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'KUBELAB_INGRESS_PUBLIC_HTTP_PORT', value: String(o.publicHttpPort ?? DEFAULT_INGRESS_HTTP_PORT) },
    { name: 'KUBELAB_INGRESS_PUBLIC_HTTPS_PORT', value: String(o.publicHttpsPort ?? DEFAULT_INGRESS_HTTPS_PORT) },
    { name: 'LOG_LEVEL', value: o.logLevel ?? 'info' },
  ];
  const deployment = addonDeployment({
    name: INGRESS_DEPLOYMENT,
    namespace: INGRESS_NAMESPACE,
    labels: LABELS,
    replicas: 1,
    pod: {
      dnsPolicy: 'ClusterFirst',
      ...(inCluster ? { serviceAccountName: 'ingress-nginx' } : {}),
      // ingress-nginx's shutdown: keep serving while the endpoint leaves, then drain keep-alive connections.
      terminationGracePeriodSeconds: 15,
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Equal', effect: 'NoSchedule' }],
    },
    container: {
      name: 'controller',
      image: o.image,
      role: 'ingress',
      env,
      ports: [
        { name: 'http', containerPort: 80, protocol: 'TCP' },
        { name: 'https', containerPort: 443, protocol: 'TCP' },
        { name: 'metrics', containerPort: 10254, protocol: 'TCP' },
      ],
      // ingress-nginx's probes: /healthz on 10254 (ready once the watch cache synced and routes are built).
      liveness: { path: '/healthz', port: 10254 },
      readiness: { path: '/healthz', port: 10254 },
    },
  });
  return { namespace, ingressClass, service, deployment };
}

/** Applies the add-on through the API (apiUrl: as the host reaches it) and waits until the router is Ready. */
export async function ensureIngressAddon(api: KubeClient | string, o: IngressAddonOptions, timeoutMs = 60_000): Promise<string> {
  // A client from the caller (the cluster admin's, auth engineer) is the caller's to close.
  const client = typeof api === 'string' ? new KubeClient({ baseUrl: api }) : api;
  try {
    const wanted = ingressAddonObjects(o);
    const ns = kind('namespaces');
    if (!(await getOrUndefined(client.get(ns, INGRESS_NAMESPACE)))) await client.create(ns, wanted.namespace);
    if (o.internalApiUrl.startsWith('https:')) {
      await createMissingRbac(client, ingressRbacObjects());
    }
    const classes = kind('ingressclasses.networking.k8s.io');
    if (!(await getOrUndefined(client.get(classes, 'nginx')))) await client.create(classes, wanted.ingressClass);
    const services = kind('services');
    const svc = await getOrUndefined(client.get<Service>(services, INGRESS_DEPLOYMENT, INGRESS_NAMESPACE));
    if (!svc) await client.create(services, wanted.service, INGRESS_NAMESPACE);
    else if (JSON.stringify(svc.spec.externalIPs ?? []) !== JSON.stringify(wanted.service.spec.externalIPs)) {
      await client.patch(services, INGRESS_DEPLOYMENT, { spec: { externalIPs: wanted.service.spec.externalIPs } }, INGRESS_NAMESPACE);
    }
    const deployments = kind('deployments');
    const existing = await getOrUndefined(client.get<Deployment>(deployments, INGRESS_DEPLOYMENT, INGRESS_NAMESPACE));
    await applyAddonDeployment(client, wanted.deployment, existing);
    await waitForRollout(client, {
      name: INGRESS_DEPLOYMENT,
      namespace: INGRESS_NAMESPACE,
      labelSelector: 'app.kubernetes.io/component=controller',
      timeoutMs,
      notReady: (status, pods) =>
        `ingress controller not ready after ${timeoutMs / 1000} s: waited for deployment ${INGRESS_DEPLOYMENT} in ${INGRESS_NAMESPACE} (status ${status}; pods: ${pods})`,
    });
    return `ingress controller Ready in ${INGRESS_NAMESPACE} (IngressClass nginx, default)`;
  } finally {
    if (typeof api === 'string') await client.close();
  }
}
