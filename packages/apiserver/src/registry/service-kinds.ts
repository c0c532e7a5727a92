// Strategies for Services, Endpoints (core/v1) and EndpointSlices (discovery.k8s.io/v1). Defaulting and
// validation are pure (service-defaults.ts, service-validation.ts); the allocation of ClusterIPs, NodePorts
// and LoadBalancer IPs is the cluster's state and comes in as a ServiceAllocations object, run last so an
// invalid Service never holds an address (pkg/registry/core/service/storage/alloc.go runs after validation).
import { resources, type KubeObject, type ResourceInfo } from '@kubelab/api';
import { unknownTopLevel } from './ignored-fields';
import type { Strategy } from './strategy';

function info(group: string, plural: string): ResourceInfo {
  const r = resources.find((x) => x.plural === plural && x.group === group);
  if (!r) throw new Error(`resource ${plural} is not described in @kubelab/api`);
  return r;
}

export const endpointsStrategy: Strategy = {
  info: info('', 'endpoints'),
  nameRule: 'dns1123-subdomain',
  generationFields: ['subsets'],
  ignoredFields: (obj: KubeObject) => unknownTopLevel(obj, ['subsets']),
};

export const endpointSliceStrategy: Strategy = {
  info: info('discovery.k8s.io', 'endpointslices'),
  nameRule: 'dns1123-subdomain',
  generationFields: ['endpoints', 'ports', 'addressType'],
  ignoredFields: (obj: KubeObject) => unknownTopLevel(obj, ['endpoints', 'ports', 'addressType']),
};

export const serviceStrategy: Strategy = {
  info: info('', 'services'),
  nameRule: 'dns1123-label',
  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },
  ignoredFields: (obj: KubeObject) => unknownTopLevel(obj, ['spec', 'status']),
};
