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

const isManaged = (s: EndpointSlice): boolean => s.metadata.labels?.[managedByLabel] === endpointSliceControllerName;

/** The controller's own slices per Service (`ns/name` -> slice names), kept from store events. */
export class ManagedSlices {
  private readonly byService = new Map<string, Set<string>>();

  constructor(slices: EndpointSlice[]) {
    for (const s of slices) this.put(s);
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
    return isManaged(s) || (prev && isManaged(prev)) ? `${s.metadata.namespace}/${svc ?? ''}` : undefined;
  }

  private key(s: EndpointSlice): string | undefined {
    const svc = s.metadata.labels?.[serviceNameLabel];
    return isManaged(s) && svc ? `${s.metadata.namespace}/${svc}` : undefined;
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
  JSON.stringify([a.endpoints ?? [], a.ports ?? [], a.metadata.labels ?? {}]) ===
  JSON.stringify([b.endpoints ?? [], b.ports ?? [], b.metadata.labels ?? {}]);

export function syncEndpointSlices(
  service: ObjectService,
  index: ServicePodIndex,
  managed: ManagedSlices,
  namespace: string,
  name: string,
): void {
  const svc = index.service(namespace, name);
  const existing = managed
    .names(`${namespace}/${name}`)
    .map((n) => service.store.get(slicesKey, namespace, n) as EndpointSlice | undefined)
    .filter((s): s is EndpointSlice => !!s)
    .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  const remove = (s: EndpointSlice): void => {
    try {
      service.delete(endpointSliceStrategy, namespace, s.metadata.name!);
    } catch (err) {
      if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
    }
  };
  if (!svc || !svc.spec?.selector) {
    for (const s of existing) remove(s);
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
  const pool = [...existing];
  for (const d of desired) {
    const want = sliceFor(svc, d);
    const i = pool.findIndex((s) => slicePortsKey(s.ports) === d.portsKey);
    if (i < 0) {
      service.create(endpointSliceStrategy, namespace, want);
      continue;
    }
    const [cur] = pool.splice(i, 1);
    if (sameContent(cur, want) && cur.metadata.ownerReferences?.some((r) => r.uid === svc.metadata.uid)) continue;
    service.update(endpointSliceStrategy, namespace, cur.metadata.name!, {
      ...cur,
      metadata: { ...cur.metadata, labels: want.metadata.labels, ownerReferences: want.metadata.ownerReferences },
      endpoints: want.endpoints,
      ports: want.ports,
    });
  }
  for (const s of pool) remove(s);
}
