// Strategies for Services, Endpoints (core/v1) and EndpointSlices (discovery.k8s.io/v1). Defaulting and
// validation are pure (service-defaults.ts, service-validation.ts, endpoints-validation.ts); the ClusterIPs,
// NodePorts and LoadBalancer IPs are the cluster's state and come from a ServiceAllocations. Allocation
// errors are reported alone, as kube-apiserver (which allocates before it validates) reports them; an
// invalid Service holds nothing afterwards (the allocations roll back).
import { resources, type KubeObject, type ResourceInfo, type Service } from '@kubelab/api';
import type { ServiceAllocations } from '../services/service-allocations';
import { defaultEndpointSlice, defaultEndpoints, validateEndpointSlice, validateEndpoints } from './endpoints-validation';
import { isRecord } from './service-defaults';
import { unknownTopLevel } from './ignored-fields';
import { defaultService, dropTypeDependentFields, normalizeClusterIPs, patchAllocatedValues } from './service-defaults';
import { blocksAllocation, validateService, validateServiceName, validateServiceUpdate } from './service-validation';
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
  prepareForCreate: defaultEndpoints,
  prepareForUpdate: defaultEndpoints,
  validate: (obj) => validateEndpoints(obj),
  ignoredFields: (obj: KubeObject) => unknownTopLevel(obj, ['subsets']),
};

export const endpointSliceStrategy: Strategy = {
  info: info('discovery.k8s.io', 'endpointslices'),
  nameRule: 'dns1123-subdomain',
  generationFields: ['endpoints', 'ports', 'addressType'],
  prepareForCreate: defaultEndpointSlice,
  prepareForUpdate: defaultEndpointSlice,
  validate: (obj, old) => {
    const errs = validateEndpointSlice(obj);
    if (old && old.addressType !== obj.addressType)
      errs.push({
        field: 'addressType',
        type: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(obj.addressType)}: field is immutable`,
      });
    return errs;
  },
  ignoredFields: (obj: KubeObject) => unknownTopLevel(obj, ['endpoints', 'ports', 'addressType']),
};

/** Service spec fields kubelab acts on (the API server, the endpoint controllers or the service proxy). */
const modelledServiceFields = new Set([
  'type',
  'selector',
  'ports',
  'clusterIP',
  'clusterIPs',
  'ipFamilies',
  'ipFamilyPolicy',
  'externalName',
  'externalIPs',
  'loadBalancerIP',
  'loadBalancerClass',
  'sessionAffinity',
  'sessionAffinityConfig',
  'externalTrafficPolicy',
  'internalTrafficPolicy',
  'healthCheckNodePort',
  'publishNotReadyAddresses',
  'allocateLoadBalancerNodePorts',
]);
const modelledServicePortFields = new Set(['name', 'protocol', 'port', 'targetPort', 'nodePort', 'appProtocol']);

/** Fields of a Service spec (and its ports) that are stored but change nothing here, e.g. loadBalancerSourceRanges. */
function ignoredServiceFields(obj: KubeObject): string[] {
  const out = unknownTopLevel(obj, ['spec', 'status']);
  const spec = obj.spec;
  if (!isRecord(spec)) return out;
  const s = spec as Record<string, unknown>;
  const empty = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && !v.length);
  for (const k of Object.keys(s)) if (!modelledServiceFields.has(k) && !empty(s[k])) out.push(`spec.${k}`);
  if (Array.isArray(s.ports))
    s.ports.forEach((p, i) => {
      if (isRecord(p)) for (const k of Object.keys(p)) if (!modelledServicePortFields.has(k)) out.push(`spec.ports[${i}].${k}`);
    });
  return out;
}

/** The Service strategy over the cluster's pools (undefined: no allocation, e.g. a bare test registry). */
export function serviceStrategyWith(alloc: ServiceAllocations | undefined): Strategy {
  return {
    info: info('', 'services'),
    nameRule: 'dns1123-label',
    prepareForCreate(obj) {
      obj.status = { loadBalancer: {} };
      const svc = obj as Service;
      normalizeClusterIPs(svc);
      defaultService(svc);
    },
    prepareForUpdate(obj, old) {
      const svc = obj as Service;
      const was = old as Service;
      if (isRecord(svc.spec) && isRecord(was.spec)) {
        normalizeClusterIPs(svc, was);
        patchAllocatedValues(svc, was);
        dropTypeDependentFields(svc, was);
      }
      defaultService(svc);
    },
    validate(obj, old) {
      const svc = obj as Service;
      const errs = [
        ...validateServiceName(obj.metadata.name),
        ...(old ? validateServiceUpdate(svc, old as Service) : validateService(svc)),
      ];
      if (!alloc || blocksAllocation(errs)) return errs;
      const allocErrs = alloc.allocate(svc, old as Service | undefined);
      return allocErrs.length ? allocErrs : errs;
    },
    ignoredFields: ignoredServiceFields,
  };
}

export const serviceStrategy: Strategy = serviceStrategyWith(undefined);
