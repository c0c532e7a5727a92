// The router's watch cache: informers for Ingresses, IngressClasses, Services, EndpointSlices and Secrets,
// indexed for the route builder (Services by ns/name, slices by ns/service). Events only mark the table
// dirty; the controller rebuilds it once per burst (kube-proxy's sync pattern, STYLE §2).
import {
  serviceNameLabel,
  type EndpointSlice,
  type ConfigMap,
  type Ingress,
  type IngressClass,
  type KubeObject,
  type Secret,
  type Service,
} from '@kubelab/api';
import { Informer, resourceInfo as kind, type KubeClient } from '@kubelab/client';
import type { Logger } from 'pino';

export class IngressWatchCache {
  readonly ingresses: Informer<Ingress>;
  readonly classes: Informer<IngressClass>;
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;
  readonly secrets: Informer<Secret>;
  /** fastcgi-params-configmap sources. */
  readonly configMaps: Informer<ConfigMap>;
  private readonly slicesByService = new Map<string, Map<string, EndpointSlice>>();
  private readonly all: Informer<KubeObject>[];

  constructor(client: KubeClient, log: Logger, changed: (what: string) => void) {
    const onError = (what: string) => (err: unknown) => log.warn({ err: (err as Error).message }, `${what} watch failed, re-listing`);
    const make = <T extends KubeObject>(plural: string) => new Informer<T>(client, kind(plural), { onError: onError(plural) });
    this.ingresses = make<Ingress>('ingresses.networking.k8s.io');
    this.classes = make<IngressClass>('ingressclasses.networking.k8s.io');
    this.services = make<Service>('services');
    this.slices = make<EndpointSlice>('endpointslices.discovery.k8s.io');
    this.secrets = make<Secret>('secrets');
    this.configMaps = make<ConfigMap>('configmaps');
    this.ingresses.on(() => changed('ingresses'));
    this.classes.on(() => changed('ingressclasses'));
    this.services.on(() => changed('services'));
    this.slices.on((type, s, old) => {
      if (old) this.unindex(old);
      if (type !== 'DELETED') this.index(s);
      changed('endpointslices');
    });
    // Only TLS Secrets matter; other Secrets (service account tokens, app config) change nothing here.
    this.secrets.on((_t, s, old) => {
      if (s.type === 'kubernetes.io/tls' || old?.type === 'kubernetes.io/tls') changed('secrets');
    });
    this.configMaps.on(() => changed('configmaps'));
    this.all = [this.ingresses, this.classes, this.services, this.slices, this.secrets, this.configMaps] as Informer<KubeObject>[];
  }

  private sliceKey(s: EndpointSlice): string {
    return `${s.metadata.namespace}/${s.metadata.labels?.[serviceNameLabel] ?? ''}`;
  }

  private index(s: EndpointSlice): void {
    const k = this.sliceKey(s);
    let m = this.slicesByService.get(k);
    if (!m) this.slicesByService.set(k, (m = new Map()));
    m.set(s.metadata.name!, s);
  }

  private unindex(s: EndpointSlice): void {
    const k = this.sliceKey(s);
    const m = this.slicesByService.get(k);
    m?.delete(s.metadata.name!);
    if (m?.size === 0) this.slicesByService.delete(k);
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  slicesOf(namespace: string, service: string): EndpointSlice[] {
    const m = this.slicesByService.get(`${namespace}/${service}`);
    return m ? [...m.values()] : [];
  }

  secret(key: string): Secret | undefined {
    return this.secrets.get(key);
  }

  configMap(namespace: string, name: string): ConfigMap | undefined {
    return this.configMaps.get(`${namespace}/${name}`);
  }

  start(): this {
    for (const i of this.all) i.start();
    return this;
  }

  get synced(): boolean {
    return this.all.every((i) => i.hasSynced);
  }

  waitForSync(): Promise<void> {
    return Promise.all(this.all.map((i) => i.waitForSync())).then(() => undefined);
  }

  stop(): void {
    for (const i of this.all) i.stop();
  }
}
