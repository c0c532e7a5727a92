// The EndpointSlice controller (pkg/controller/endpointslice and its reconciler): the slices of a Service
// with a selector, one per distinct port mapping of its pods and at most 100 endpoints each, named
// `<service>-<random>`, labelled kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by,
// owned by the Service (so the garbage collector removes them with it). A Service whose pods are all gone
// keeps one empty placeholder slice. Slices another manager wrote (or that carry no managed-by label of
// this controller) are never touched.
import {
  endpointSliceControllerName,
  managedByLabel,
  serviceNameLabel,
  StatusError,
  type EndpointSlice,
  type Node,
  type Service,
} from '@kubelab/api';
import type { ObjectService } from '../registry/object-service';
import { endpointSliceStrategy } from '../registry/service-kinds';
import { resourceKey } from '../registry/strategy';
import type { StoredEvent } from '../storage/store';
import { type DesiredSlice, desiredSlices, slicePortsKey } from './endpoints-compute';
import { endpointsLabels } from './endpoints-controller';
import { controllerReference } from './ownership';
import type { ServicePodIndex } from './service-pod-index';

const slicesKey = resourceKey(endpointSliceStrategy.info);
const zoneLabel = 'topology.kubernetes.io/zone';

/** A manager's own slices per Service (`ns/name` -> slice names), kept from store events. */
export class ManagedSlices {
  private readonly byService = new Map<string, Set<string>>();

  constructor(
    slices: EndpointSlice[],
    private readonly manager = endpointSliceControllerName,
  ) {
    for (const s of slices) this.put(s);
  }

  private isManaged(s: EndpointSlice): boolean {
    return s.metadata.labels?.[managedByLabel] === this.manager;
  }

  names(key: string): string[] {
    return [...(this.byService.get(key) ?? [])];
  }

  /** Applies a store event; returns the Service whose managed slice changed, if any. */
  apply(e: StoredEvent): string | undefined {
    if (e.resource !== slicesKey) return undefined;
    const prev = (e.type === 'DELETED' ? e.object : e.previous) as EndpointSlice | undefined;
    if (prev) this.remove(prev);
    if (e.type !== 'DELETED') this.put(e.object as EndpointSlice);
    const s = e.object as EndpointSlice;
    const svc = s.metadata.labels?.[serviceNameLabel];
    return this.isManaged(s) || (prev && this.isManaged(prev)) ? `${s.metadata.namespace}/${svc ?? ''}` : undefined;
  }

  private key(s: EndpointSlice): string | undefined {
    const svc = s.metadata.labels?.[serviceNameLabel];
    return this.isManaged(s) && svc ? `${s.metadata.namespace}/${svc}` : undefined;
  }

  private put(s: EndpointSlice): void {
    const k = this.key(s);
    if (!k) return;
    let set = this.byService.get(k);
    if (!set) this.byService.set(k, (set = new Set()));
    set.add(s.metadata.name!);
  }

  private remove(s: EndpointSlice): void {
    const k = this.key(s);
    const set = k ? this.byService.get(k) : undefined;
    if (!set) return;
    set.delete(s.metadata.name!);
    if (!set.size) this.byService.delete(k!);
  }
}

function sliceFor(svc: Service, d: DesiredSlice): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace,
      labels: { ...endpointsLabels(svc), [serviceNameLabel]: svc.metadata.name!, [managedByLabel]: endpointSliceControllerName },
      ownerReferences: [controllerReference(svc)],
    },
    addressType: 'IPv4',
    endpoints: d.endpoints,
    ports: d.ports,
  };
}

const sameContent = (a: EndpointSlice, b: EndpointSlice): boolean =>
  JSON.stringify([a.endpoints ?? [], a.ports ?? [], a.metadata.labels ?? {}, a.metadata.ownerReferences ?? []]) ===
  JSON.stringify([b.endpoints ?? [], b.ports ?? [], b.metadata.labels ?? {}, b.metadata.ownerReferences ?? []]);

/** The slices a manager holds for one Service, as stored, oldest name first. */
export function storedSlices(service: ObjectService, managed: ManagedSlices, namespace: string, name: string): EndpointSlice[] {
  return managed
    .names(`${namespace}/${name}`)
    .map((n) => service.store.get(slicesKey, namespace, n) as EndpointSlice | undefined)
    .filter((s): s is EndpointSlice => !!s)
    .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

function removeSlice(service: ObjectService, s: EndpointSlice): void {
  try {
    service.delete(endpointSliceStrategy, s.metadata.namespace, s.metadata.name!);
  } catch (err) {
    if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
  }
}

/**
 * Brings a Service's slices to `wanted` (each with generateName, labels, owner, endpoints and ports): a
 * stored slice with the same ports is reused (updated only when it differs), missing ones are created,
 * the rest deleted. Names stay stable while pods come and go.
 */
export function reconcileSlices(service: ObjectService, namespace: string, existing: EndpointSlice[], wanted: EndpointSlice[]): void {
  const pool = [...existing];
  for (const want of wanted) {
    const key = slicePortsKey(want.ports);
    const i = pool.findIndex((s) => slicePortsKey(s.ports) === key);
    if (i < 0) {
      service.create(endpointSliceStrategy, namespace, want);
      continue;
    }
    const [cur] = pool.splice(i, 1);
    if (sameContent(cur, want)) continue;
    service.update(endpointSliceStrategy, namespace, cur.metadata.name!, {
      ...cur,
      metadata: { ...cur.metadata, labels: want.metadata.labels, ownerReferences: want.metadata.ownerReferences },
      endpoints: want.endpoints,
      ports: want.ports,
    });
  }
  for (const s of pool) removeSlice(service, s);
}

export function syncEndpointSlices(
  service: ObjectService,
  index: ServicePodIndex,
  managed: ManagedSlices,
  namespace: string,
  name: string,
): void {
  const svc = index.service(namespace, name);
  const existing = storedSlices(service, managed, namespace, name);
  // ExternalName Services get no endpoints (kubernetes#105986); neither do Services without a selector, whose
  // slices are written by hand. Slices this controller wrote before the change go.
  if (!svc?.spec?.selector || svc.spec.type === 'ExternalName') {
    for (const s of existing) removeSlice(service, s);
    return;
  }
  if (svc.metadata.deletionTimestamp) return;
  const nodes = resourceKey({ group: '', plural: 'nodes' });
  const node = (n: string): Node | undefined => service.store.get(nodes, undefined, n) as Node | undefined;
  let desired = desiredSlices(svc, index.podsFor(svc), {
    nodeExists: (n) => !!node(n),
    zoneOf: (n) => node(n)?.metadata.labels?.[zoneLabel],
  });
  // A Service with no endpoints keeps one empty placeholder slice.
  if (!desired.length) desired = [{ portsKey: '', ports: [], endpoints: [] }];
  reconcileSlices(
    service,
    namespace,
    existing,
    desired.map((d) => sliceFor(svc, d)),
  );
}
