// The EndpointSlice mirroring controller (pkg/controller/endpointslicemirroring): hand-written Endpoints of a
// Service without a selector are mirrored into EndpointSlices, so a proxy that reads only slices (kube-proxy,
// kubelab's service proxy) routes to them too. One slice per subset, owned by the Endpoints, labelled
// managed-by endpointslicemirroring-controller.k8s.io; Endpoints labelled
// endpointslice.kubernetes.io/skip-mirror=true (the `kubernetes` Service's) are not mirrored.
import { managedByLabel, serviceNameLabel, type Endpoint, type EndpointSlice, type Endpoints, type EndpointSubset } from '@kubelab/api';
import type { ObjectService } from '../registry/object-service';
import { endpointsStrategy } from '../registry/service-kinds';
import { resourceKey } from '../registry/strategy';
import { type ManagedSlices, reconcileSlices, storedSlices } from './endpointslice-controller';
import type { ServicePodIndex } from './service-pod-index';

export const mirroringControllerName = 'endpointslicemirroring-controller.k8s.io';
export const skipMirrorLabel = 'endpointslice.kubernetes.io/skip-mirror';
const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

function endpointsOf(subset: EndpointSubset): Endpoint[] {
  const one =
    (ready: boolean) =>
    (a: NonNullable<EndpointSubset['addresses']>[number]): Endpoint => {
      const e: Endpoint = { addresses: [a.ip], conditions: { ready } };
      if (a.hostname) e.hostname = a.hostname;
      if (a.targetRef) e.targetRef = a.targetRef;
      if (a.nodeName) e.nodeName = a.nodeName;
      return e;
    };
  return [...(subset.addresses ?? []).map(one(true)), ...(subset.notReadyAddresses ?? []).map(one(false))];
}

/** The mirrored slices of an Endpoints object: one per subset (its ports), labels copied. */
export function mirroredSlices(ep: Endpoints): EndpointSlice[] {
  const labels: Record<string, string> = {
    ...ep.metadata.labels,
    [serviceNameLabel]: ep.metadata.name!,
    [managedByLabel]: mirroringControllerName,
  };
  const annotations = { ...ep.metadata.annotations };
  delete annotations[lastApplied];
  return (ep.subsets ?? []).map((subset) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${ep.metadata.name}-`,
      namespace: ep.metadata.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Endpoints', name: ep.metadata.name!, uid: ep.metadata.uid!, controller: true, blockOwnerDeletion: true },
      ],
    },
    addressType: 'IPv4',
    endpoints: endpointsOf(subset),
    ports: (subset.ports ?? []).map((p) => ({
      name: p.name ?? '',
      port: p.port,
      protocol: p.protocol ?? 'TCP',
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    })),
  }));
}

export function syncMirroredSlices(
  service: ObjectService,
  index: ServicePodIndex,
  managed: ManagedSlices,
  namespace: string,
  name: string,
): void {
  const svc = index.service(namespace, name);
  const ep = service.store.get(resourceKey(endpointsStrategy.info), namespace, name) as Endpoints | undefined;
  const mirror = !!svc && !svc.spec?.selector && !!ep && ep.metadata.labels?.[skipMirrorLabel] !== 'true';
  reconcileSlices(service, namespace, storedSlices(service, managed, namespace, name), mirror ? mirroredSlices(ep) : []);
}
