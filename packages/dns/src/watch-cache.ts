// The watch cache: informers for Services, EndpointSlices and Pods feeding one ZoneIndex (CoreDNS
// plugin/kubernetes controller.go's role). The handler only sees the ZoneSource interface.
import type { EndpointSlice, Pod, Service } from '@kubelab/api';
import { Informer, resourceInfo as kind, type KubeClient } from '@kubelab/client';
import type { Logger } from 'pino';
import { ZoneIndex } from './zone-index';

export class WatchCache {
  readonly index = new ZoneIndex();
  private readonly informers: { start(): unknown; stop(): void; readonly hasSynced: boolean; waitForSync(): Promise<void> }[] = [];

  constructor(client: KubeClient, log: Logger) {
    const onError = (what: string) => (err: unknown) => log.warn({ err: (err as Error).message }, `${what} watch failed, re-listing`);
    const services = new Informer<Service>(client, kind('services'), { onError: onError('services') });
    const slices = new Informer<EndpointSlice>(client, kind('endpointslices'), { onError: onError('endpointslices') });
    const pods = new Informer<Pod>(client, kind('pods'), { onError: onError('pods') });
    services.on((type, svc) => (type === 'DELETED' ? this.index.deleteService(svc) : this.index.upsertService(svc)));
    slices.on((type, s) => (type === 'DELETED' ? this.index.deleteSlice(s) : this.index.upsertSlice(s)));
    pods.on((type, p) => (type === 'DELETED' ? this.index.deletePod(p) : this.index.upsertPod(p)));
    this.informers.push(services, slices, pods);
  }

  start(): this {
    for (const i of this.informers) i.start();
    return this;
  }

  /** CoreDNS's `ready` plugin: ready once every informer has listed. */
  get synced(): boolean {
    return this.informers.every((i) => i.hasSynced);
  }

  waitForSync(): Promise<void> {
    return Promise.all(this.informers.map((i) => i.waitForSync())).then(() => undefined);
  }

  stop(): void {
    for (const i of this.informers) i.stop();
  }
}
