// What the DNS answer logic knows about the cluster, and the narrow interface it asks (the shape of CoreDNS's
// plugin/kubernetes Controller: the handler never sees informers, so unit tests feed it a fake).
import type { EndpointSlice, Service } from '@kubelab/api';

export type ServiceKind = 'ClusterIP' | 'Headless' | 'ExternalName';

export interface DnsPort {
  /** Lower-cased port name; unnamed ports get no SRV record (spec 2.3.2). */
  name: string;
  /** Lower-cased protocol: tcp, udp or sctp. */
  protocol: string;
  port: number;
}

export interface DnsService {
  namespace: string;
  name: string;
  kind: ServiceKind;
  /** IPv4 cluster IPs (spec.clusterIPs, else spec.clusterIP); empty for headless and ExternalName. */
  clusterIPs: string[];
  externalName?: string;
  ports: DnsPort[];
}

export interface DnsEndpoint {
  ip: string;
  /**
   * The endpoint's _hostname_ (spec 2.1): its `hostname` field, else a system-assigned identifier. As CoreDNS
   * does, the identifier is the address with dashes (10-244-1-5), unique within the Service.
   */
  hostname: string;
  /** Whether `hostname` came from the endpoint (only those get PTR records, spec 2.4.3). */
  explicitHostname: boolean;
  ports: DnsPort[];
}

export interface PodRef {
  namespace: string;
  name: string;
}

/** Everything the answer function may ask. Names are matched lower-case; implementations index them so. */
export interface ZoneSource {
  service(namespace: string, name: string): DnsService | undefined;
  /** The _ready_ endpoints (spec 2.1) of a Service, deduplicated by IP, in a stable order. */
  readyEndpoints(namespace: string, name: string): DnsEndpoint[];
  /** Services whose cluster IP this is. */
  servicesByIP(ip: string): DnsService[];
  /** Ready endpoints with this IP, with the Service each belongs to. */
  endpointsByIP(ip: string): { service: DnsService; endpoint: DnsEndpoint }[];
  podByIP(ip: string): PodRef | undefined;
  /** A namespace exists for DNS when a Service or a Pod lives in it (no Namespace watch needed). */
  namespaceExists(namespace: string): boolean;
  /** Bumped on every change: cached encoded answers from an older revision are stale. */
  readonly revision: number;
  /** Unix seconds of the last change: the SOA serial, as CoreDNS reports it. */
  readonly serial: number;
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return ipv4.test(s);
}

function dnsPorts(ports: { name?: string; protocol?: string; port?: number }[] | undefined): DnsPort[] {
  return (ports ?? [])
    .filter((p) => typeof p.port === 'number')
    .map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port as number }));
}

/** A Service as DNS sees it. */
export function toDnsService(svc: Service): DnsService {
  const spec = svc.spec ?? {};
  const namespace = (svc.metadata.namespace ?? 'default').toLowerCase();
  const name = svc.metadata.name!.toLowerCase();
  const ports = dnsPorts(spec.ports);
  if (spec.type === 'ExternalName') {
    return { namespace, name, kind: 'ExternalName', clusterIPs: [], externalName: (spec.externalName ?? '').replace(/\.$/, ''), ports };
  }
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  if (ips.length === 0 || ips[0] === 'None') return { namespace, name, kind: 'Headless', clusterIPs: [], ports };
  return { namespace, name, kind: 'ClusterIP', clusterIPs: ips.filter(isIPv4), ports };
}

/** Endpoints of one Service may be published even when not ready (spec 2.1 _ready_). */
export function publishesNotReady(svc: Service): boolean {
  return (
    svc.spec?.publishNotReadyAddresses === true ||
    svc.metadata.annotations?.['service.alpha.kubernetes.io/tolerate-unready-endpoints'] === 'true'
  );
}

/**
 * The ready IPv4 endpoints of a Service across its slices, deduplicated by IP (a pod may sit in two slices
 * while the controller moves it), sorted by IP so answers are stable. A nil `ready` condition means ready
 * (discovery.k8s.io/v1 EndpointConditions).
 */
export function readyEndpointsOf(slices: EndpointSlice[], publishNotReady: boolean): DnsEndpoint[] {
  const byIP = new Map<string, DnsEndpoint>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const ports = dnsPorts(slice.ports);
    for (const ep of slice.endpoints ?? []) {
      if (!publishNotReady && ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses ?? []) {
        if (!isIPv4(ip) || byIP.has(ip)) continue;
        const explicit = !!ep.hostname;
        byIP.set(ip, { ip, hostname: explicit ? ep.hostname!.toLowerCase() : ip.replaceAll('.', '-'), explicitHostname: explicit, ports });
      }
    }
  }
  return [...byIP.values()].sort((a, b) => compareIPv4(a.ip, b.ip));
}

export function compareIPv4(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}
