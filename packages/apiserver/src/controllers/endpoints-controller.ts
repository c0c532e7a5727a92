// The Endpoints controller (pkg/controller/endpoint): one Endpoints object per Service with a selector,
// named after it and labelled with its labels, listing the selected pods' addresses by readiness.
// Services without a selector are left alone (their Endpoints are the user's); when a Service goes, its
// Endpoints go with it, as kube-controller-manager deletes them.
import { StatusError, type Endpoints, type Service } from '@kubelab/api';
import type { ObjectService } from '../registry/object-service';
import { endpointsStrategy } from '../registry/service-kinds';
import { resourceKey } from '../registry/strategy';
import { endpointsSubsets, truncateSubsets } from './endpoints-compute';
import type { ServicePodIndex } from './service-pod-index';

/** Set while the Endpoints hold only the first 1000 addresses (v1.EndpointsOverCapacity). */
export const overCapacityAnnotation = 'endpoints.kubernetes.io/over-capacity';

/** v1.IsHeadlessService: set on the endpoints of a headless Service. */
export const headlessServiceLabel = 'service.kubernetes.io/headless';

export function endpointsLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...svc.metadata.labels };
  if (svc.spec.clusterIP === 'None') labels[headlessServiceLabel] = '';
  return labels;
}

export function syncEndpoints(service: ObjectService, index: ServicePodIndex, namespace: string, name: string): void {
  const svc = index.service(namespace, name);
  const existing = service.store.get(resourceKey(endpointsStrategy.info), namespace, name) as Endpoints | undefined;
  if (!svc) {
    if (existing) {
      try {
        service.delete(endpointsStrategy, namespace, name);
      } catch (err) {
        if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
      }
    }
    return;
  }
  // Without a selector the Endpoints are the user's; ExternalName Services get none (kubernetes#105986).
  if (!svc.spec?.selector || svc.spec.type === 'ExternalName' || svc.metadata.deletionTimestamp) return;
  const subsets = endpointsSubsets(svc, index.podsFor(svc));
  const truncated = truncateSubsets(subsets);
  const labels = endpointsLabels(svc);
  const annotations: Record<string, string> = { ...existing?.metadata.annotations };
  if (truncated) annotations[overCapacityAnnotation] = 'truncated';
  else delete annotations[overCapacityAnnotation];
  const annotated = Object.keys(annotations).length ? annotations : undefined;
  if (!existing) {
    const ep: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace, labels, ...(annotated ? { annotations: annotated } : {}) },
    };
    if (subsets.length) ep.subsets = subsets;
    service.create(endpointsStrategy, namespace, ep);
    return;
  }
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
  if (same(existing.subsets ?? [], subsets) && same(existing.metadata.labels, labels) && same(existing.metadata.annotations, annotated))
    return;
  const next: Endpoints = { ...existing, metadata: { ...existing.metadata, labels, annotations: annotated } };
  if (!annotated) delete next.metadata.annotations;
  if (subsets.length) next.subsets = subsets;
  else delete next.subsets;
  service.update(endpointsStrategy, namespace, name, next);
}
