// The answer logic: one question in, records and an rcode out. Pure: it only asks a ZoneSource. Implements
// the Kubernetes DNS-Based Service Discovery specification (kubernetes/dns docs/specification.md, schema
// 1.1.0) with CoreDNS plugin/kubernetes's behaviour where the spec leaves room.
import { isIPv4, type DnsEndpoint, type DnsService, type ZoneSource } from './records';

export const SCHEMA_VERSION = '1.1.0';

export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  AXFR: 252,
  IXFR: 251,
  ANY: 255,
} as const;
export const CLASS_IN = 1;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** A resource record in the shape dns2's encoder takes. */
export interface RR {
  name: string;
  type: number;
  class: number;
  ttl: number;
  address?: string;
  domain?: string;
  data?: string;
  priority?: number;
  weight?: number;
  port?: number;
  target?: string;
  ns?: string;
  primary?: string;
  admin?: string;
  serial?: number;
  refresh?: number;
  retry?: number;
  expiration?: number;
  minimum?: number;
}

export interface Answer {
  rcode: number;
  /** Authoritative (AA): set for everything in our zones. */
  authoritative: boolean;
  answers: RR[];
  authorities: RR[];
  additionals: RR[];
  /** Out of our zones and an upstream is configured: the server forwards the query instead. */
  forward?: boolean;
}

export interface AnswerConfig {
  /** The cluster domain, lower-case, no trailing dot (cluster.local). */
  zone: string;
  ttl: number;
  /** The DNS Service's own address, for `ns.dns.<zone>` (what the apex NS record names). */
  dnsIP?: string;
  /** Whether out-of-zone questions are forwarded (else REFUSED). */
  upstream: boolean;
}

export interface Question {
  /** Lower-case, no trailing dot; "" is the root. */
  name: string;
  type: number;
  class: number;
}

const REVERSE_ZONE = 'in-addr.arpa';
const REVERSE6_ZONE = 'ip6.arpa';

export function answer(q: Question, src: ZoneSource, cfg: AnswerConfig): Answer {
  const { zone } = cfg;
  const name = q.name;
  if (q.type === TYPE.AXFR || q.type === TYPE.IXFR) return bare(RCODE.NOTIMP, false);
  if (name === zone || name.endsWith(`.${zone}`)) return inZone(q, src, cfg);
  if (name === REVERSE_ZONE || name.endsWith(`.${REVERSE_ZONE}`)) return reverse(q, src, cfg);
  // IPv4-only cluster: no reverse IPv6 records of ours, but the zone is ours as in CoreDNS's Corefile.
  if (!cfg.upstream && (name === REVERSE6_ZONE || name.endsWith(`.${REVERSE6_ZONE}`)))
    return negative(RCODE.NXDOMAIN, REVERSE6_ZONE, src, cfg);
  if (cfg.upstream) return { ...bare(RCODE.NOERROR, false), forward: true };
  return bare(RCODE.REFUSED, false);
}

function bare(rcode: number, authoritative: boolean): Answer {
  return { rcode, authoritative, answers: [], authorities: [], additionals: [] };
}

export function soa(origin: string, src: ZoneSource, cfg: AnswerConfig): RR {
  // CoreDNS plugin/kubernetes Serial/MinTTL: refresh 7200, retry 1800, expire 86400, minimum = ttl.
  return {
    name: origin,
    type: TYPE.SOA,
    class: CLASS_IN,
    ttl: cfg.ttl,
    primary: `ns.dns.${cfg.zone}`,
    admin: `hostmaster.${cfg.zone}`,
    serial: src.serial >>> 0,
    refresh: 7200,
    retry: 1800,
    expiration: 86400,
    minimum: cfg.ttl,
  };
}

/** NXDOMAIN, or NOERROR with no answers (NODATA): both carry the zone's SOA in the authority section (RFC 2308). */
function negative(rcode: number, origin: string, src: ZoneSource, cfg: AnswerConfig): Answer {
  return { rcode, authoritative: true, answers: [], authorities: [soa(origin, src, cfg)], additionals: [] };
}

function positive(answers: RR[], additionals: RR[] = []): Answer {
  return { rcode: RCODE.NOERROR, authoritative: true, answers, authorities: [], additionals };
}

/** Records that exist at a name: the answer for the asked type, NODATA when the name has none of it. */
function atName(q: Question, records: RR[], src: ZoneSource, cfg: AnswerConfig, additionals: RR[] = []): Answer {
  const matching = q.type === TYPE.ANY ? records : records.filter((r) => r.type === q.type || r.type === TYPE.CNAME);
  if (matching.length === 0) return negative(RCODE.NOERROR, cfg.zone, src, cfg);
  return positive(matching, additionals);
}

function rr(name: string, type: number, ttl: number, rdata: Partial<RR>): RR {
  return { name, type, class: CLASS_IN, ttl, ...rdata };
}

function inZone(q: Question, src: ZoneSource, cfg: AnswerConfig): Answer {
  const { zone, ttl } = cfg;
  const name = q.name;
  if (name === zone) {
    return atName(q, [soa(zone, src, cfg), rr(zone, TYPE.NS, ttl, { ns: `ns.dns.${zone}` })], src, cfg, nsGlue(cfg));
  }
  const labels = name.slice(0, -(zone.length + 1)).split('.');
  const n = labels.length;
  // Spec 2.2: dns-version.<zone> TXT.
  if (n === 1 && labels[0] === 'dns-version') return atName(q, [rr(name, TYPE.TXT, ttl, { data: SCHEMA_VERSION })], src, cfg);
  const kind = labels[n - 1];
  if (kind === 'svc') return serviceTree(q, labels.slice(0, -1), src, cfg);
  if (kind === 'pod') return podTree(q, labels.slice(0, -1), src, cfg);
  if (kind === 'dns') {
    // ns.dns.<zone>: the name server the apex NS and SOA name (CoreDNS answers with its Service IP).
    if (n === 1) return cfg.dnsIP ? negative(RCODE.NOERROR, zone, src, cfg) : negative(RCODE.NXDOMAIN, zone, src, cfg);
    if (n === 2 && labels[0] === 'ns' && cfg.dnsIP) return atName(q, nsGlue(cfg), src, cfg);
  }
  return negative(RCODE.NXDOMAIN, zone, src, cfg);
}

function nsGlue(cfg: AnswerConfig): RR[] {
  return cfg.dnsIP ? [rr(`ns.dns.${cfg.zone}`, TYPE.A, cfg.ttl, { address: cfg.dnsIP })] : [];
}

function serviceFqdn(svc: DnsService, zone: string): string {
  return `${svc.name}.${svc.namespace}.svc.${zone}`;
}

/** Labels below `svc.<zone>`, most specific first: [], [ns], [svc, ns], [host|_proto, svc, ns], [_port, _proto, svc, ns]. */
function serviceTree(q: Question, labels: string[], src: ZoneSource, cfg: AnswerConfig): Answer {
  const { zone, ttl } = cfg;
  const n = labels.length;
  // svc.<zone> has names below it: an empty non-terminal, NODATA (RFC 8020: NXDOMAIN would deny the subtree).
  if (n === 0) return negative(RCODE.NOERROR, zone, src, cfg);
  const ns = labels[n - 1];
  if (!src.namespaceExists(ns)) return negative(RCODE.NXDOMAIN, zone, src, cfg);
  if (n === 1) return negative(RCODE.NOERROR, zone, src, cfg);
  const svc = src.service(ns, labels[n - 2]);
  if (!svc) return negative(RCODE.NXDOMAIN, zone, src, cfg);
  const fqdn = serviceFqdn(svc, zone);
  if (n === 2) return serviceName(q, svc, src, cfg);
  if (n === 3) {
    const first = labels[0];
    if (first.startsWith('_')) {
      // `_proto.svc.ns.svc.<zone>` exists (as an empty non-terminal) when some named port uses that protocol.
      const proto = first.slice(1);
      const exists = svc.ports.some((p) => p.name && p.protocol === proto);
      return negative(exists ? RCODE.NOERROR : RCODE.NXDOMAIN, zone, src, cfg);
    }
    if (svc.kind !== 'Headless') return negative(RCODE.NXDOMAIN, zone, src, cfg);
    // Spec 2.4.1: <hostname>.<service>.<ns>.svc.<zone> A, one per IP of the endpoints with that hostname.
    const eps = src.readyEndpoints(ns, svc.name).filter((e) => e.hostname === first);
    if (eps.length === 0) return negative(RCODE.NXDOMAIN, zone, src, cfg);
    return atName(
      q,
      eps.map((e) => rr(q.name, TYPE.A, ttl, { address: e.ip })),
      src,
      cfg,
    );
  }
  if (n === 4 && labels[0].startsWith('_') && labels[1].startsWith('_')) {
    const portName = labels[0].slice(1);
    const proto = labels[1].slice(1);
    const srv = srvRecords(q.name, svc, portName, proto, src, cfg, fqdn);
    if (srv.answers.length === 0) return negative(RCODE.NXDOMAIN, zone, src, cfg);
    return atName(q, srv.answers, src, cfg, srv.additionals);
  }
  return negative(RCODE.NXDOMAIN, zone, src, cfg);
}

/** `<service>.<ns>.svc.<zone>`: A per spec 2.3.1 / 2.4.1, CNAME per 2.5. */
function serviceName(q: Question, svc: DnsService, src: ZoneSource, cfg: AnswerConfig): Answer {
  const { zone, ttl } = cfg;
  if (svc.kind === 'ExternalName') {
    if (!svc.externalName) return negative(RCODE.NXDOMAIN, zone, src, cfg);
    return positive([rr(q.name, TYPE.CNAME, ttl, { domain: svc.externalName })]);
  }
  if (svc.kind === 'ClusterIP') {
    return atName(
      q,
      svc.clusterIPs.map((ip) => rr(q.name, TYPE.A, ttl, { address: ip })),
      src,
      cfg,
    );
  }
  // Spec 2.4.1: a headless Service without ready endpoints answers NXDOMAIN.
  const eps = src.readyEndpoints(svc.namespace, svc.name);
  if (eps.length === 0) return negative(RCODE.NXDOMAIN, zone, src, cfg);
  return atName(
    q,
    eps.map((e) => rr(q.name, TYPE.A, ttl, { address: e.ip })),
    src,
    cfg,
  );
}

/** Spec 2.3.2 / 2.4.2: SRV for named ports; the Additional section carries the targets' A records. */
function srvRecords(
  name: string,
  svc: DnsService,
  portName: string,
  proto: string,
  src: ZoneSource,
  cfg: AnswerConfig,
  fqdn: string,
): { answers: RR[]; additionals: RR[] } {
  const { ttl, zone } = cfg;
  const matches = (p: { name: string; protocol: string }) => p.name !== '' && p.name === portName && p.protocol === proto;
  if (svc.kind === 'ClusterIP' || svc.kind === 'ExternalName') {
    const target = svc.kind === 'ClusterIP' ? fqdn : svc.externalName!;
    const answers = svc.ports.filter(matches).map((p) => rr(name, TYPE.SRV, ttl, { priority: 0, weight: 100, port: p.port, target }));
    const additionals =
      svc.kind === 'ClusterIP' && answers.length ? svc.clusterIPs.map((ip) => rr(fqdn, TYPE.A, ttl, { address: ip })) : [];
    return { answers, additionals };
  }
  // Headless: N ready endpoints x M named ports; the port number is the endpoint's (its resolved targetPort).
  const eps: DnsEndpoint[] = src.readyEndpoints(svc.namespace, svc.name);
  const answers: RR[] = [];
  const additionals: RR[] = [];
  const weight = eps.length ? Math.max(1, Math.floor(100 / eps.length)) : 100;
  for (const e of eps) {
    const target = `${e.hostname}.${svc.name}.${svc.namespace}.svc.${zone}`;
    const ports = e.ports.filter(matches);
    for (const p of ports) answers.push(rr(name, TYPE.SRV, ttl, { priority: 0, weight, port: p.port, target }));
    if (ports.length) additionals.push(rr(target, TYPE.A, ttl, { address: e.ip }));
  }
  return { answers, additionals };
}

/** Spec 2.6 (deprecated but required): `<a>-<b>-<c>-<d>.<ns>.pod.<zone>` A for any address (CoreDNS `pods insecure`). */
function podTree(q: Question, labels: string[], src: ZoneSource, cfg: AnswerConfig): Answer {
  const { zone, ttl } = cfg;
  const n = labels.length;
  if (n === 0) return negative(RCODE.NOERROR, zone, src, cfg);
  if (!src.namespaceExists(labels[n - 1])) return negative(RCODE.NXDOMAIN, zone, src, cfg);
  if (n === 1) return negative(RCODE.NOERROR, zone, src, cfg);
  if (n === 2) {
    const ip = labels[0].replaceAll('-', '.');
    if (labels[0].split('-').length === 4 && isIPv4(ip)) return atName(q, [rr(q.name, TYPE.A, ttl, { address: ip })], src, cfg);
  }
  return negative(RCODE.NXDOMAIN, zone, src, cfg);
}

/** Spec 2.3.3 / 2.4.3 PTR for Service and endpoint IPs; a pod IP that is no endpoint gets its pod name (kubelab extension). */
function reverse(q: Question, src: ZoneSource, cfg: AnswerConfig): Answer {
  const { zone, ttl } = cfg;
  const labels = q.name === REVERSE_ZONE ? [] : q.name.slice(0, -(REVERSE_ZONE.length + 1)).split('.');
  const octets = labels.every((l) => /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(l));
  if (!octets || labels.length > 4)
    return cfg.upstream ? { ...bare(0, false), forward: true } : negative(RCODE.NXDOMAIN, REVERSE_ZONE, src, cfg);
  // Shorter names are the reverse zone's interior: they exist when something lies below them.
  if (labels.length < 4) return negative(RCODE.NOERROR, REVERSE_ZONE, src, cfg);
  const ip = [...labels].reverse().join('.');
  const targets: string[] = [];
  for (const svc of src.servicesByIP(ip)) targets.push(serviceFqdn(svc, zone));
  for (const { service, endpoint } of src.endpointsByIP(ip)) {
    // Spec 2.4.3 requires PTRs for endpoints with a hostname; CoreDNS also answers for the others with the
    // dashed-address identifier, so every endpoint IP resolves back.
    targets.push(`${endpoint.hostname}.${service.name}.${service.namespace}.svc.${zone}`);
  }
  if (targets.length === 0) {
    const pod = src.podByIP(ip);
    if (pod) targets.push(`${ip.replaceAll('.', '-')}.${pod.namespace}.pod.${zone}`);
  }
  if (targets.length === 0) {
    return cfg.upstream ? { ...bare(0, false), forward: true } : negative(RCODE.NXDOMAIN, REVERSE_ZONE, src, cfg);
  }
  const records = [...new Set(targets)].map((t) => rr(q.name, TYPE.PTR, ttl, { domain: t }));
  const a = atName(q, records, src, cfg);
  if (a.authorities.length) a.authorities = [soa(REVERSE_ZONE, src, cfg)];
  return a;
}
