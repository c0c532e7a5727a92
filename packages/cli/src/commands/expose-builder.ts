// What `kubectl expose` builds from an object, pure (k8s.io/kubectl/pkg/cmd/expose and the
// polymorphichelpers it calls): the selector of a pod (its labels), a Service, a Deployment or ReplicaSet
// (matchLabels only), the ports found by introspection when --port is not given, and the Service itself
// (ServiceGeneratorV2: several ports are named port-1, port-2, ...). Errors are worded as kubectl's.
import type { Container, KubeObject, LabelSelector, Service, ServicePort, ServiceProtocol } from '@kubelab/api';
import { CliError } from '../errors';
import { parseLabels } from './object-builders';

export interface ExposeFlags {
  port?: string;
  targetPort?: string;
  type?: string;
  name?: string;
  protocol?: string;
  selector?: string;
  labels?: string;
  externalIp?: string;
  clusterIp?: string;
  sessionAffinity?: string;
  loadBalancerIp?: string;
}

export const exposableKinds = ['Pod', 'Service', 'ReplicationController', 'Deployment', 'ReplicaSet'];

/** generate.MakeLabels: `k=v,k2=v2` in map order. */
const makeLabels = (m: Record<string, string>): string =>
  Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** MapBasedSelectorForObject */
export function selectorForObject(obj: KubeObject): string {
  switch (obj.kind) {
    case 'Pod': {
      const labels = obj.metadata.labels ?? {};
      if (!Object.keys(labels).length) throw new CliError('the pod has no labels and cannot be exposed');
      return makeLabels(labels);
    }
    case 'Service': {
      const sel = (obj as Service).spec?.selector;
      if (!sel) throw new CliError('the service has no pod selector set');
      return makeLabels(sel);
    }
    case 'Deployment':
    case 'ReplicaSet': {
      const sel = (obj.spec as { selector?: LabelSelector } | undefined)?.selector;
      if (sel?.matchExpressions?.length)
        throw new CliError(`couldn't convert expressions - "${JSON.stringify(sel.matchExpressions)}" to map-based selector format`);
      return makeLabels(sel?.matchLabels ?? {});
    }
    default:
      throw new CliError(`cannot extract pod selector from ${obj.kind}`);
  }
}

function containersOf(obj: KubeObject): Container[] {
  if (obj.kind === 'Pod') return (obj.spec as { containers?: Container[] })?.containers ?? [];
  const template = (obj.spec as { template?: { spec?: { containers?: Container[] } } } | undefined)?.template;
  return template?.spec?.containers ?? [];
}

/** PortsForObject + ProtocolsForObject: container ports (or a Service's ports) with their protocols. */
export function portsForObject(obj: KubeObject): { port: number; protocol: ServiceProtocol }[] {
  if (obj.kind === 'Service') return ((obj as Service).spec?.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' }));
  return containersOf(obj).flatMap((c) =>
    (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: (p.protocol ?? 'TCP') as ServiceProtocol })),
  );
}

function parsePort(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new CliError(`invalid ${what} "${text}": must be a number between 1 and 65535`);
  return n;
}

/** intstr.Parse: a number stays a number, anything else is a port name. */
const intOrString = (text: string): number | string => (/^\d+$/.test(text) ? Number(text) : text);

export function buildExposedService(obj: KubeObject, flags: ExposeFlags): Service {
  if (!exposableKinds.includes(obj.kind)) throw new CliError(`cannot expose a ${obj.kind}`);
  const selector = flags.selector || selectorForObject(obj);
  const found = flags.port
    ? flags.port.split(',').map((p) => ({ port: parsePort(p.trim(), 'port'), protocol: undefined as ServiceProtocol | undefined }))
    : portsForObject(obj);
  if (!found.length) throw new CliError("couldn't find port via --port flag or introspection");
  const ports: ServicePort[] = found.map((p, i) => {
    const sp: ServicePort = { port: p.port, protocol: (flags.protocol as ServiceProtocol) || p.protocol || 'TCP' };
    if (found.length > 1) sp.name = `port-${i + 1}`;
    // Without --target-port the target is the port itself, whatever the object is (kubectl's generateService).
    sp.targetPort = flags.targetPort ? intOrString(flags.targetPort) : p.port;
    return { name: sp.name, protocol: sp.protocol, port: sp.port, targetPort: sp.targetPort };
  });
  for (const p of ports) if (p.name === undefined) delete p.name;
  const labels = flags.labels ? parseLabels(flags.labels) : { ...obj.metadata.labels };
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: flags.name || obj.metadata.name, ...(Object.keys(labels).length ? { labels } : {}) },
    spec: { ports, selector: parseLabels(selector) },
  };
  if (flags.type) svc.spec.type = flags.type as Service['spec']['type'];
  if (flags.externalIp) svc.spec.externalIPs = [flags.externalIp];
  if (flags.clusterIp) svc.spec.clusterIP = flags.clusterIp;
  if (flags.sessionAffinity) svc.spec.sessionAffinity = flags.sessionAffinity as Service['spec']['sessionAffinity'];
  if (flags.loadBalancerIp) svc.spec.loadBalancerIP = flags.loadBalancerIp;
  return svc;
}
