// Builders for the network role's unit tests: Services, EndpointSlices, Nodes and the node's own facts.
import type { Endpoint, EndpointSlice, Node, Pod, Service, ServicePort, ServiceSpec } from '@kubelab/api';
import type { ModelInput, NodeFacts } from './model';

export const NODE: NodeFacts = {
  name: 'kt-worker',
  ip: '172.30.0.3',
  nodeInterface: 'eth0',
  podCidr: '10.244.1.0/24',
  clusterPodCidr: '10.244.0.0/16',
  serviceCidr: '10.96.0.0/12',
};

export function svc(name: string, spec: Partial<ServiceSpec> & { ports: ServicePort[] }, extra: Partial<Service> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', ...(extra.metadata ?? {}) },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.20', ...spec },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

/** One endpoint: "ip@node", ready unless `ready: false`. */
export function ep(ipAtNode: string, conditions: Endpoint['conditions'] = {}): Endpoint {
  const [ip, nodeName] = ipAtNode.split('@');
  return {
    addresses: [ip],
    nodeName,
    conditions: { ready: true, ...conditions },
    targetRef: { kind: 'Pod', namespace: 'default', name: `pod-${ip}` },
  };
}

export function slice(service: string, ports: EndpointSlice['ports'], endpoints: Endpoint[], suffix = 'abcde'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-${suffix}`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports,
    endpoints,
  };
}

export function node(name: string, ip: string, podCIDR: string, ready = true): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { podCIDR },
    status: {
      addresses: [{ type: 'InternalIP', address: ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  } as Node;
}

export function input(parts: Partial<ModelInput>): ModelInput {
  return { node: NODE, nodes: [node('kt-worker', '172.30.0.3', '10.244.1.0/24')], services: [], slices: [], pods: [], ...parts };
}

export function podWithHostPort(
  name: string,
  podIP: string,
  hostPort: number,
  containerPort: number,
  protocol: 'TCP' | 'UDP' = 'TCP',
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      nodeName: 'kt-worker',
      containers: [{ name: 'app', image: 'kubelab/echo:latest', ports: [{ containerPort, hostPort, protocol }] }],
    },
    status: { phase: 'Running', podIP },
  };
}
