// The indexed store behind ZoneSource: Services by namespace/name and by cluster IP, EndpointSlices by their
// Service, ready endpoints by IP, Pods by IP. Pure (no I/O): the watch cache feeds it informer events, unit
// tests and the bench feed it objects directly. Derived per-Service endpoint lists are memoised until the
// next change to that Service or its slices.
import { serviceNameLabel, type EndpointSlice, type Pod, type Service } from '@kubelab/api';
import {
  publishesNotReady,
  readyEndpointsOf,
  toDnsService,
  type DnsEndpoint,
  type DnsService,
  type PodRef,
  type ZoneSource,
} from './records';

type Key = string;

function key(ns: string, name: string): Key {
  return `${ns}/${name}`;
}

export class ZoneIndex implements ZoneSource {
  private readonly services = new Map<Key, { raw: Service; dns: DnsService }>();
  /** slices by Service key, then by slice name. */
  private readonly slices = new Map<Key, Map<string, EndpointSlice>>();
  private readonly sliceOwner = new Map<Key, Key>();
  private readonly pods = new Map<Key, { ip?: string; ref: PodRef }>();
  private readonly podsByIP = new Map<string, PodRef>();
  private readonly namespaces = new Map<string, number>();
  private endpointMemo = new Map<Key, DnsEndpoint[]>();
  private ipIndex?: { services: Map<string, DnsService[]>; endpoints: Map<string, { service: DnsService; endpoint: DnsEndpoint }[]> };
  private rev = 0;
  private lastChange: number;

  constructor(private readonly now: () => number = Date.now) {
    this.lastChange = Math.floor(now() / 1000);
  }

  get revision(): number {
    return this.rev;
  }

  get serial(): number {
    return this.lastChange;
  }

  /** Called after every change (the server re-encodes the Services' answers ahead of the next ask). */
  onChange?: () => void;

  private changed(serviceKey?: Key): void {
    this.rev++;
    this.lastChange = Math.floor(this.now() / 1000);
    this.ipIndex = undefined;
    if (serviceKey) this.endpointMemo.delete(serviceKey);
    else this.endpointMemo = new Map();
    this.onChange?.();
  }

  private countNamespace(ns: string, delta: number): void {
    const n = (this.namespaces.get(ns) ?? 0) + delta;
    if (n <= 0) this.namespaces.delete(ns);
    else this.namespaces.set(ns, n);
  }

  upsertService(svc: Service): void {
    const dns = toDnsService(svc);
    const k = key(dns.namespace, dns.name);
    if (!this.services.has(k)) this.countNamespace(dns.namespace, 1);
    this.services.set(k, { raw: svc, dns });
    this.changed(k);
  }

  deleteService(svc: Service): void {
    const k = key((svc.metadata.namespace ?? 'default').toLowerCase(), svc.metadata.name!.toLowerCase());
    if (this.services.delete(k)) this.countNamespace(k.split('/')[0], -1);
    this.changed(k);
  }

  upsertSlice(slice: EndpointSlice): void {
    const ns = (slice.metadata.namespace ?? 'default').toLowerCase();
    const sliceKey = key(ns, slice.metadata.name!);
    const owner = slice.metadata.labels?.[serviceNameLabel];
    const previous = this.sliceOwner.get(sliceKey);
    if (previous) this.slices.get(previous)?.delete(sliceKey);
    if (previous) this.endpointMemo.delete(previous);
    if (!owner) {
      this.sliceOwner.delete(sliceKey);
      this.changed();
      return;
    }
    const svcKey = key(ns, owner.toLowerCase());
    this.sliceOwner.set(sliceKey, svcKey);
    let m = this.slices.get(svcKey);
    if (!m) this.slices.set(svcKey, (m = new Map()));
    m.set(sliceKey, slice);
    this.changed(svcKey);
  }

  deleteSlice(slice: EndpointSlice): void {
    const sliceKey = key((slice.metadata.namespace ?? 'default').toLowerCase(), slice.metadata.name!);
    const owner = this.sliceOwner.get(sliceKey);
    this.sliceOwner.delete(sliceKey);
    if (owner) {
      const m = this.slices.get(owner);
      m?.delete(sliceKey);
      if (m?.size === 0) this.slices.delete(owner);
    }
    this.changed(owner);
  }

  upsertPod(pod: Pod): void {
    const ns = (pod.metadata.namespace ?? 'default').toLowerCase();
    const k = key(ns, pod.metadata.name!);
    const old = this.pods.get(k);
    const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
    if (old?.ip === ip && old) return;
    if (old?.ip && this.podsByIP.get(old.ip) === old.ref) this.podsByIP.delete(old.ip);
    if (!old) this.countNamespace(ns, 1);
    const ref = { namespace: ns, name: pod.metadata.name! };
    this.pods.set(k, { ip, ref });
    if (ip) this.podsByIP.set(ip, ref);
    this.changed(undefined);
  }

  deletePod(pod: Pod): void {
    const ns = (pod.metadata.namespace ?? 'default').toLowerCase();
    const k = key(ns, pod.metadata.name!);
    const old = this.pods.get(k);
    if (!old) return;
    this.pods.delete(k);
    if (old.ip && this.podsByIP.get(old.ip) === old.ref) this.podsByIP.delete(old.ip);
    this.countNamespace(ns, -1);
    this.changed(undefined);
  }

  service(namespace: string, name: string): DnsService | undefined {
    return this.services.get(key(namespace, name))?.dns;
  }

  readyEndpoints(namespace: string, name: string): DnsEndpoint[] {
    const k = key(namespace, name);
    let eps = this.endpointMemo.get(k);
    if (!eps) {
      const svc = this.services.get(k);
      const slices = this.slices.get(k);
      eps = svc && slices ? readyEndpointsOf([...slices.values()], publishesNotReady(svc.raw)) : [];
      this.endpointMemo.set(k, eps);
    }
    return eps;
  }

  private byIP(): NonNullable<ZoneIndex['ipIndex']> {
    if (this.ipIndex) return this.ipIndex;
    const services = new Map<string, DnsService[]>();
    const endpoints = new Map<string, { service: DnsService; endpoint: DnsEndpoint }[]>();
    for (const { dns } of this.services.values()) {
      for (const ip of dns.clusterIPs) services.set(ip, [...(services.get(ip) ?? []), dns]);
      for (const e of this.readyEndpoints(dns.namespace, dns.name)) {
        endpoints.set(e.ip, [...(endpoints.get(e.ip) ?? []), { service: dns, endpoint: e }]);
      }
    }
    this.ipIndex = { services, endpoints };
    return this.ipIndex;
  }

  servicesByIP(ip: string): DnsService[] {
    return this.byIP().services.get(ip) ?? [];
  }

  endpointsByIP(ip: string): { service: DnsService; endpoint: DnsEndpoint }[] {
    return this.byIP().endpoints.get(ip) ?? [];
  }

  /** `<service>.<ns>.svc` of every Service (for pre-encoding their answers). */
  serviceNames(): string[] {
    return [...this.services.values()].map(({ dns }) => `${dns.name}.${dns.namespace}.svc`);
  }

  podByIP(ip: string): PodRef | undefined {
    return this.podsByIP.get(ip);
  }

  namespaceExists(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }
}
