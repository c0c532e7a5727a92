// The `kubernetes` Service in `default`: the API server publishes itself at the first address of the
// service range, port 443 (https) to its own address on the node network, port 6443, as kube-apiserver's
// controlplane controller and its endpoint reconciler do (pkg/controlplane/controller/kubernetesservice,
// pkg/controlplane/reconcilers). Endpoints carry endpointslice.kubernetes.io/skip-mirror, the slice the
// service-name label; neither has a selector-driven owner, so the endpoint controllers leave them alone.
import type { Endpoints, EndpointSlice, KubeObject, Service } from '@kubelab/api';
import { serviceNameLabel } from '@kubelab/api';
import type { ObjectService } from '../registry/object-service';
import type { Strategy } from '../registry/strategy';

export interface KubernetesServiceOptions {
  /** The API server's address on the node network (NODE_IP of the control plane). */
  advertiseAddress: string;
  /** The port the API server listens on (6443). */
  port: number;
  /** The first address of the service range (10.96.0.1). */
  clusterIP: string;
  strategies: { services: Strategy; endpoints: Strategy; endpointSlices: Strategy };
}

const name = 'kubernetes';
const namespace = 'default';

export function kubernetesService(clusterIP: string, port: number): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
      sessionAffinity: 'None',
    },
  };
}

export function kubernetesEndpoints(ip: string, port: number): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  };
}

export function kubernetesEndpointSlice(ip: string, port: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { [serviceNameLabel]: name } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
}

/** Creates the Service and its endpoints when missing; points the endpoints at this API server when it moved. */
export function ensureKubernetesService(service: ObjectService, opts: KubernetesServiceOptions): void {
  const { services, endpoints, endpointSlices } = opts.strategies;
  const find = (s: Strategy): KubeObject | undefined => service.store.get(`${s.info.group}/${s.info.plural}`, namespace, name);
  if (!find(services)) service.create(services, namespace, kubernetesService(opts.clusterIP, opts.port));
  const ep = kubernetesEndpoints(opts.advertiseAddress, opts.port);
  const oldEp = find(endpoints) as Endpoints | undefined;
  if (!oldEp) service.create(endpoints, namespace, ep);
  else if (JSON.stringify(oldEp.subsets) !== JSON.stringify(ep.subsets))
    service.update(endpoints, namespace, name, { ...oldEp, subsets: ep.subsets });
  const slice = kubernetesEndpointSlice(opts.advertiseAddress, opts.port);
  const oldSlice = find(endpointSlices) as EndpointSlice | undefined;
  if (!oldSlice) service.create(endpointSlices, namespace, slice);
  else if (
    JSON.stringify(oldSlice.endpoints) !== JSON.stringify(slice.endpoints) ||
    JSON.stringify(oldSlice.ports) !== JSON.stringify(slice.ports)
  )
    service.update(endpointSlices, namespace, name, { ...oldSlice, endpoints: slice.endpoints, ports: slice.ports });
}
