// Starts the Endpoints and EndpointSlice controllers over one shared index of pods and Services. Store
// events only mark the Services they concern; each controller then syncs exactly those, so a pod turning
// ready costs the work of its own Services, not a scan of every pod for every Service.
import type { Logger } from 'pino';
import type { EndpointSlice, Pod, Service } from '@kubelab/api';
import type { ObjectService } from '../registry/object-service';
import { endpointSliceStrategy, endpointsStrategy } from '../registry/service-kinds';
import { resourceKey } from '../registry/strategy';
import { syncEndpoints } from './endpoints-controller';
import { ManagedSlices, syncEndpointSlices } from './endpointslice-controller';
import { mirroringControllerName, syncMirroredSlices } from './endpointslice-mirroring';
import type { EventRecorder } from './events';
import { startKeyedLoop } from './keyed-loop';
import { loadBalancerEventsHandler } from './loadbalancer-events';
import { ServicePodIndex } from './service-pod-index';

export interface EndpointControllerTiming {
  delayMs?: number;
  resyncMs?: number;
}

export function startEndpointControllers(
  service: ObjectService,
  log: Logger,
  timing: EndpointControllerTiming = {},
  recorder?: EventRecorder,
): () => void {
  const store = service.store;
  const lbEvents = recorder ? loadBalancerEventsHandler(recorder) : undefined;
  const index = new ServicePodIndex(store.list('/pods') as Pod[], store.list('/services') as Service[]);
  const allSlices = store.list(resourceKey(endpointSliceStrategy.info)) as EndpointSlice[];
  const managed = new ManagedSlices(allSlices);
  const mirrored = new ManagedSlices(allSlices, mirroringControllerName);
  const endpoints = startKeyedLoop(
    'endpoints-controller',
    'service',
    log.child({ component: 'endpoints-controller' }),
    timing,
    (ns, name) => syncEndpoints(service, index, ns, name),
  );
  const slices = startKeyedLoop(
    'endpointslice-controller',
    'service',
    log.child({ component: 'endpointslice-controller' }),
    timing,
    (ns, name) => syncEndpointSlices(service, index, managed, ns, name),
  );
  const mirroring = startKeyedLoop(
    'endpointslicemirroring-controller',
    'endpoints',
    log.child({ component: 'endpointslicemirroring-controller' }),
    timing,
    (ns, name) => syncMirroredSlices(service, index, mirrored, ns, name),
  );
  const endpointsKey = resourceKey(endpointsStrategy.info);
  const unsubscribe = store.subscribe((e) => {
    if (e.resource === '/pods' || e.resource === '/services') {
      lbEvents?.(e);
      const keys = index.apply(e);
      endpoints.mark(keys);
      slices.mark(keys);
      if (e.resource === '/services') mirroring.mark(keys);
    } else if (e.resource === endpointsKey) {
      // Someone else changed or removed Endpoints a Service with a selector owns: put them back.
      const key = `${e.object.metadata.namespace}/${e.object.metadata.name}`;
      const svc = index.service(e.object.metadata.namespace!, e.object.metadata.name!);
      if (svc?.spec?.selector) endpoints.mark([key]);
      else mirroring.mark([key]);
    } else if (e.resource === '/nodes' && e.type !== 'MODIFIED') {
      // Pods on a node that was unknown (or is gone) enter (or leave) the slices.
      slices.mark(index.serviceKeys());
    } else {
      const key = managed.apply(e);
      if (key) slices.mark([key]);
      const mirrorKey = mirrored.apply(e);
      if (mirrorKey) mirroring.mark([mirrorKey]);
    }
  });
  const all = index.serviceKeys();
  endpoints.mark(all);
  slices.mark(all);
  mirroring.mark(all);
  return () => {
    unsubscribe();
    endpoints.stop();
    slices.stop();
    mirroring.stop();
  };
}
