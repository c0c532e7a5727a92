// A container's environment, built the way the kubelet's makeEnvironmentVariables does: envFrom sources in
// order, then env entries in order, each value expanded against what is defined so far. Pure: ConfigMaps and
// Secrets are fetched beforehand (config-sources.ts) and passed in.
import { isIPv4, parseQuantity, type ConfigMap, type Container, type Pod, type Secret, type Service } from '@kubelab/api';
import { expand, mapLookup } from './expansion';

/** The kubelet reports these as waiting reason CreateContainerConfigError with this message. */
export class ContainerConfigError extends Error {
  readonly code = 'CreateContainerConfigError';
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** Fetched objects by name; `null` = the API said it does not exist. */
export interface ConfigObjects {
  configMaps: Map<string, ConfigMap | null>;
  secrets: Map<string, Secret | null>;
}

export interface PodFieldValues {
  podIP: string;
  hostIP: string;
  nodeName: string;
  /** The node's allocatable cpu (cores) and memory (bytes): what an unset limit means to the downward API. */
  allocatable?: { cpu: number; memory: number; 'ephemeral-storage'?: number };
}

export interface EnvVarValue {
  name: string;
  value: string;
}

/** The ConfigMaps and Secrets a container's env and envFrom reference. */
export function envReferences(c: Container): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const src of c.envFrom ?? []) {
    if (src.configMapRef?.name) configMaps.add(src.configMapRef.name);
    if (src.secretRef?.name) secrets.add(src.secretRef.name);
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
    if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
  }
  return { configMaps, secrets };
}

export function decodeSecretValue(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf8');
}

function secretData(s: Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = decodeSecretValue(v);
  // stringData is write-only in the API, but a server that keeps it must not hide values from pods.
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
  return out;
}

function configMapData(cm: ConfigMap): Record<string, string> {
  const out: Record<string, string> = { ...(cm.data ?? {}) };
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] ??= Buffer.from(v, 'base64').toString('utf8');
  return out;
}

/** metadata.labels['app'] style paths are supported along with the plain ones the downward API offers. */
export function fieldRefValue(pod: Pod, path: string, fields: PodFieldValues): string {
  const indexed = path.match(/^metadata\.(labels|annotations)\['([^']*)'\]$/);
  if (indexed) return (indexed[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[indexed[2]] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? fields.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return fields.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return fields.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

type ResourceFieldRef = NonNullable<NonNullable<NonNullable<Container['env']>[number]['valueFrom']>['resourceFieldRef']>;

/**
 * A resourceFieldRef's value as the kubelet computes it (pkg/api/v1/resource ExtractContainerResourceValue):
 * the quantity divided by the divisor (default 1), rounded up; cpu counted in millicores. An unset limit is the
 * node's allocatable (kubelet defaultPodLimitsForDownwardAPI); an unset request is 0.
 */
export function resourceFieldRefValue(pod: Pod, self: Container, ref: ResourceFieldRef, fields: PodFieldValues): string {
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const c = ref.containerName ? all.find((x) => x.name === ref.containerName) : self;
  if (!c) throw new ContainerConfigError(`resourceFieldRef: container "${ref.containerName}" not found in pod`);
  const m = ref.resource.match(/^(limits|requests)\.(cpu|memory|ephemeral-storage)$/);
  if (!m) throw new ContainerConfigError(`unsupported container resource : "${ref.resource}"`);
  const [, kind, name] = m as unknown as [string, 'limits' | 'requests', 'cpu' | 'memory' | 'ephemeral-storage'];
  const set = c.resources?.[kind]?.[name];
  const fallback = kind === 'limits' ? (fields.allocatable?.[name] ?? 0) : 0;
  const amount = set === undefined ? fallback : (parseQuantity(set) ?? 0);
  const divisor = parseQuantity(ref.divisor === undefined || ref.divisor === '' || ref.divisor === 0 ? '1' : ref.divisor) ?? 1;
  if (name === 'cpu') return String(Math.ceil(milli(amount) / Math.max(1, milli(divisor))));
  return String(Math.ceil(Math.ceil(amount) / Math.max(1, divisor)));
}

// Quantity.MilliValue rounds up to the next millicore.
const milli = (cores: number): number => Math.ceil(Math.round(cores * 1e9) / 1e6);

/**
 * Resolves env and envFrom. `base` holds variables defined before the container's own (Kubernetes' service
 * links: KUBERNETES_SERVICE_HOST and friends); the container's own definitions override them.
 */
export function resolveEnv(
  pod: Pod,
  c: Container,
  objects: ConfigObjects,
  fields: PodFieldValues,
  base: EnvVarValue[] = [],
): EnvVarValue[] {
  const ns = pod.metadata.namespace ?? 'default';
  const env = new Map<string, string>(base.map((e) => [e.name, e.value]));
  for (const src of c.envFrom ?? []) {
    const prefix = src.prefix ?? '';
    let data: Record<string, string> | undefined;
    if (src.configMapRef) {
      const cm = objects.configMaps.get(src.configMapRef.name);
      if (!cm && !src.configMapRef.optional) throw new ContainerConfigError(`configmap "${src.configMapRef.name}" not found`);
      data = cm ? configMapData(cm) : undefined;
    } else if (src.secretRef) {
      const s = objects.secrets.get(src.secretRef.name);
      if (!s && !src.secretRef.optional) throw new ContainerConfigError(`secret "${src.secretRef.name}" not found`);
      data = s ? secretData(s) : undefined;
    }
    // Keys that cannot be variable names are skipped, as the kubelet does (it reports them in an event).
    for (const [k, v] of Object.entries(data ?? {})) if (!(prefix + k).includes('=') && prefix + k) env.set(prefix + k, v);
  }
  for (const e of c.env ?? []) {
    const value = envValue(pod, c, ns, e, objects, fields, env);
    if (value !== undefined) env.set(e.name, value);
  }
  return [...env].map(([name, value]) => ({ name, value }));
}

function envValue(
  pod: Pod,
  self: Container,
  ns: string,
  e: NonNullable<Container['env']>[number],
  objects: ConfigObjects,
  fields: PodFieldValues,
  defined: Map<string, string>,
): string | undefined {
  // kubelet makeEnvironmentVariables: a non-empty value wins; `value: ""` falls through to valueFrom.
  if (e.value) return expand(e.value, mapLookup(defined));
  const from = e.valueFrom;
  if (!from) return '';
  if (from.fieldRef) return fieldRefValue(pod, from.fieldRef.fieldPath, fields);
  if (from.resourceFieldRef) return resourceFieldRefValue(pod, self, from.resourceFieldRef, fields);
  if (from.configMapKeyRef) {
    const ref = from.configMapKeyRef;
    const cm = objects.configMaps.get(ref.name);
    if (!cm) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`configmap "${ref.name}" not found`);
    }
    const v = configMapData(cm)[ref.key];
    if (v === undefined && !ref.optional) throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
    return v;
  }
  if (from.secretKeyRef) {
    const ref = from.secretKeyRef;
    const s = objects.secrets.get(ref.name);
    if (!s) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`secret "${ref.name}" not found`);
    }
    const v = secretData(s)[ref.key];
    if (v === undefined && !ref.optional) throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
    return v;
  }
  return '';
}

/** The `kubernetes` service's link variables every pod gets (DESIGN.md §2: 10.96.0.1:443). */
export function kubernetesServiceEnv(serviceIp: string): EnvVarValue[] {
  return [
    { name: 'KUBERNETES_SERVICE_HOST', value: serviceIp },
    { name: 'KUBERNETES_SERVICE_PORT', value: '443' },
    { name: 'KUBERNETES_SERVICE_PORT_HTTPS', value: '443' },
    { name: 'KUBERNETES_PORT', value: `tcp://${serviceIp}:443` },
    { name: 'KUBERNETES_PORT_443_TCP', value: `tcp://${serviceIp}:443` },
    { name: 'KUBERNETES_PORT_443_TCP_PROTO', value: 'tcp' },
    { name: 'KUBERNETES_PORT_443_TCP_PORT', value: '443' },
    { name: 'KUBERNETES_PORT_443_TCP_ADDR', value: serviceIp },
  ];
}

// kubelet getServiceEnvVarMap: the master service `kubernetes` of `default` is always there; other Services
// only from the pod's namespace and only with enableServiceLinks (default true).
const MASTER_SERVICES = new Set(['kubernetes']);

function isServiceIPSet(s: Service): boolean {
  const ip = s.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** pkg/kubelet/envvars makeEnvVariableName: upper case, "-" as "_". */
function envName(name: string): string {
  return name.replace(/-/g, '_').toUpperCase();
}

/** pkg/kubelet/envvars FromServices for one Service: {NAME}_SERVICE_HOST/_PORT[_PORTNAME] plus Docker links. */
export function serviceLinkEnv(s: Service): EnvVarValue[] {
  const ports = s.spec.ports ?? [];
  const ip = s.spec.clusterIP as string;
  if (!isServiceIPSet(s) || ports.length === 0) return [];
  const prefix = envName(s.metadata.name ?? '');
  const out: EnvVarValue[] = [{ name: `${prefix}_SERVICE_HOST`, value: ip }];
  out.push({ name: `${prefix}_SERVICE_PORT`, value: String(ports[0].port) });
  for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
  const hostPort = (port: number) => `${isIPv4(ip) ? ip : `[${ip}]`}:${port}`;
  ports.forEach((p, i) => {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    const url = `${proto}://${hostPort(p.port)}`;
    // Docker special-cases the first port.
    if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
    const portPrefix = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push(
      { name: portPrefix, value: url },
      { name: `${portPrefix}_PROTO`, value: proto },
      { name: `${portPrefix}_PORT`, value: String(p.port) },
      { name: `${portPrefix}_ADDR`, value: ip },
    );
  });
  return out;
}

/**
 * The service environment of a pod in `namespace`, as the kubelet builds it before the container's own env
 * (so `$(VAR)` in env values sees it). `services` is the kubelet's Service cache, every namespace.
 */
export function serviceEnv(services: Service[], namespace: string, enableServiceLinks = true): EnvVarValue[] {
  const byName = new Map<string, Service>();
  const sorted = [...services].sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1,
  );
  for (const s of sorted) {
    if (!isServiceIPSet(s)) continue;
    const name = s.metadata.name ?? '';
    const ns = s.metadata.namespace ?? 'default';
    if (ns === 'default' && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, s);
    } else if (ns === namespace && enableServiceLinks) byName.set(name, s);
  }
  return [...byName.keys()].sort().flatMap((name) => serviceLinkEnv(byName.get(name) as Service));
}
