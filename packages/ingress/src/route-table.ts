// The route table: a pure function from Ingresses, Services and EndpointSlices to servers (one per host),
// their locations and upstreams, as ingress-nginx's getBackendServers builds its model (DESIGN/STYLE §10).
// The proxy only reads the result; a rebuild swaps it atomically. Matching follows the Kubernetes Ingress
// spec (path types, precedence) and ingress-nginx where the spec leaves room (merging, regex, canary).
import {
  ingressClassOf,
  serviceNameLabel,
  type EndpointSlice,
  type HTTPIngressPath,
  type Ingress,
  type IngressBackend,
  type PathType,
  type Service,
} from '@kubelab/api';
import { parseAnnotations, type CanaryConfig, type IngressAnnotations } from './annotations';
import { resolveFastcgiParams } from './fastcgi-params';

export interface Upstream {
  /** ingress-nginx's upstream name: namespace-service-port. */
  name: string;
  namespace: string;
  service: string;
  port: string;
  /** Ready endpoints as `ip:port`, sorted. */
  endpoints: string[];
  protocol: 'http' | 'https';
  /** Why there are no endpoints, for the log and describe (service missing, port unknown). */
  problem?: string;
}

export interface Location {
  /** As written in the Ingress (Prefix paths without their trailing slash, except `/`). */
  path: string;
  pathType: PathType;
  /** ns/name of the Ingress the location came from ('' for the built-in default). */
  ingress: string;
  /** undefined: the router's own 404 (ingress-nginx's default backend). */
  upstream?: Upstream;
  canary?: { upstream: Upstream; config: CanaryConfig; ingress: string };
  config: IngressAnnotations;
  /** Regular expression of regex-mode servers (use-regex or rewrite-target on any location of the host). */
  regex?: RegExp;
  /** The rewrite-target pattern (`(?i)path` applied to the request path). */
  rewrite?: RegExp;
  isDefaultBackend: boolean;
}

export interface Server {
  host: string;
  locations: Location[];
  regexMode: boolean;
  /** ns/name of the TLS Secret for this host; '' = the default certificate. undefined: no TLS section names it. */
  tlsSecret?: string;
}

export interface RouteTable {
  exact: Map<string, Server>;
  /** `*.example.com` servers keyed by `example.com`. */
  wildcard: Map<string, Server>;
  /** ingress-nginx's `_` server: rules without a host, and the catch-all default backend. */
  catchAll: Server;
  /** Secrets (ns/name) referenced by TLS sections, for the certificate store. */
  tlsSecrets: Set<string>;
  /** Ingresses served (ns/name), and what to say about them (events). */
  ingresses: string[];
  problems: Problem[];
}

export interface Problem {
  ingress: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What the builder reads: a narrow view over the watch cache (tests pass plain objects). */
export interface RouteInputs {
  ingresses: Ingress[];
  service(namespace: string, name: string): Service | undefined;
  slices(namespace: string, service: string): EndpointSlice[];
  /** The IngressClass this router serves ("nginx") and whether it is the cluster's default class. */
  className: string;
  isDefaultClass: boolean;
  /** ConfigMaps by namespace/name (fastcgi-params-configmap); without it such an Ingress is denied. */
  configMap?(namespace: string, name: string): { data?: Record<string, string> } | undefined;
}

const key = (o: { metadata: { namespace?: string; name?: string } }): string => `${o.metadata.namespace}/${o.metadata.name}`;

/** Does this router serve the Ingress? Its class, the legacy annotation, or no class when ours is the default. */
export function servesIngress(ing: Ingress, className: string, isDefaultClass: boolean): boolean {
  const cls = ingressClassOf(ing);
  return cls === undefined ? isDefaultClass : cls === className;
}

/** Resolves a Service backend to ready `ip:targetPort` endpoints through the Service's EndpointSlices. */
export function resolveUpstream(
  inputs: Pick<RouteInputs, 'service' | 'slices'>,
  namespace: string,
  b: NonNullable<IngressBackend['service']>,
  protocol: 'http' | 'https',
): Upstream {
  const port = b.port?.number ? String(b.port.number) : (b.port?.name ?? '');
  const up: Upstream = { name: `${namespace}-${b.name}-${port}`, namespace, service: b.name, port, endpoints: [], protocol };
  const svc = inputs.service(namespace, b.name);
  if (!svc) return { ...up, problem: `service "${namespace}/${b.name}" not found` };
  const sp = (svc.spec?.ports ?? []).find((p) => (b.port?.number ? p.port === b.port.number : p.name === b.port?.name));
  if (!sp) return { ...up, problem: `service "${namespace}/${b.name}" does not have port ${port}` };
  if (svc.spec.type === 'ExternalName')
    return { ...up, problem: `service "${namespace}/${b.name}" is of type ExternalName (not supported)` };
  const set = new Set<string>();
  for (const s of inputs.slices(namespace, b.name)) {
    if (s.addressType !== 'IPv4') continue;
    const slicePort = (s.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? ''));
    if (!slicePort?.port) continue;
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false || e.conditions?.terminating) continue;
      for (const a of e.addresses) set.add(`${a}:${slicePort.port}`);
    }
  }
  up.endpoints = [...set].sort();
  return up;
}

/** Prefix paths are compared element-wise with their trailing slash ignored (`/foo/` = `/foo`). */
function normalizePrefix(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.replace(/\/+$/, '') || '/' : path;
}

function rootLocation(upstream: Upstream | undefined, ingress: string, config: IngressAnnotations): Location {
  return { path: '/', pathType: 'Prefix', ingress, upstream, config, isDefaultBackend: true };
}

/** ingress-nginx sorts a server's locations by path length, longest first, ties by path descending. */
function sortLocations(s: Server): void {
  s.locations.sort((a, b) => b.path.length - a.path.length || (a.path < b.path ? 1 : a.path > b.path ? -1 : 0));
}

function compileRegex(path: string, flags: string): RegExp | undefined {
  try {
    return new RegExp(path, flags);
  } catch {
    return undefined;
  }
}

export function buildRouteTable(inputs: RouteInputs): RouteTable {
  const problems: Problem[] = [];
  const table: RouteTable = {
    exact: new Map(),
    wildcard: new Map(),
    catchAll: { host: '_', locations: [], regexMode: false },
    tlsSecrets: new Set(),
    ingresses: [],
    problems,
  };
  // Oldest first (ingress-nginx sorts by creation time): the first Ingress to claim a host/path keeps it.
  const ingresses = inputs.ingresses
    .filter((i) => servesIngress(i, inputs.className, inputs.isDefaultClass))
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || key(a).localeCompare(key(b)));
  const parsed = new Map<Ingress, IngressAnnotations>();
  const defaults = parseAnnotations(undefined).config;
  table.catchAll.locations.push(rootLocation(undefined, '', defaults));
  const serverFor = (host: string): Server | undefined =>
    host === '' ? table.catchAll : host.startsWith('*.') ? table.wildcard.get(host.slice(2)) : table.exact.get(host);
  const addServer = (host: string, s: Server): void => {
    if (host.startsWith('*.')) table.wildcard.set(host.slice(2), s);
    else table.exact.set(host, s);
  };
  const upstream = (ing: Ingress, b: IngressBackend | undefined, cfg: IngressAnnotations): Upstream | undefined => {
    if (!b?.service) {
      if (b?.resource)
        problems.push(
          warn(ing, 'UnsupportedBackend', `resource backend ${b.resource.kind}/${b.resource.name} is not supported; answering 404`),
        );
      return undefined;
    }
    return resolveUpstream(inputs, ing.metadata.namespace ?? 'default', b.service, cfg.backendProtocol === 'HTTPS' ? 'https' : 'http');
  };

  const canaries: Ingress[] = [];
  for (const ing of ingresses) {
    const p = parseAnnotations(ing.metadata.annotations);
    for (const w of p.warnings) problems.push(warn(ing, 'AnnotationIgnored', w));
    if (p.refused) {
      problems.push(warn(ing, 'Rejected', p.refused));
      continue;
    }
    const fcgi = resolveFastcgiParams(p.config, ing.metadata.namespace ?? 'default', (ns, n) => inputs.configMap?.(ns, n));
    if (fcgi) problems.push(warn(ing, 'AnnotationIgnored', fcgi));
    parsed.set(ing, p.config);
    if (p.config.canary) {
      canaries.push(ing);
      continue;
    }
    table.ingresses.push(key(ing));
    // A defaultBackend is the root of this Ingress's hosts; with no rules, it takes over the catch-all server.
    const def = ing.spec.defaultBackend ? upstream(ing, ing.spec.defaultBackend, p.config) : undefined;
    if (
      def &&
      !ing.spec.rules?.length &&
      table.catchAll.locations[0].isDefaultBackend &&
      table.catchAll.locations[0].upstream === undefined
    ) {
      table.catchAll.locations[0] = { ...rootLocation(def, key(ing), p.config), isDefaultBackend: false };
    }
    for (const rule of ing.spec.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      if (!serverFor(host)) addServer(host, { host, locations: [rootLocation(def, key(ing), p.config)], regexMode: false });
    }
  }
  // TLS: a host named in a TLS section is served over HTTPS with that Secret (first Ingress wins).
  for (const ing of ingresses) {
    if (!parsed.has(ing) || parsed.get(ing)?.canary) continue;
    for (const t of ing.spec.tls ?? []) {
      const secret = t.secretName ? `${ing.metadata.namespace}/${t.secretName}` : '';
      if (secret) table.tlsSecrets.add(secret);
      for (const h of t.hosts ?? []) {
        const s = serverFor(h.toLowerCase());
        if (s && s.tlsSecret === undefined) s.tlsSecret = secret;
      }
    }
  }
  for (const ing of ingresses) {
    const cfg = parsed.get(ing);
    if (!cfg || cfg.canary) continue;
    for (const rule of ing.spec.rules ?? []) {
      const server = serverFor((rule.host ?? '').toLowerCase());
      if (!server) continue;
      for (const p of rule.http?.paths ?? []) addPath(server, ing, p, cfg);
    }
  }
  for (const ing of canaries) attachCanary(ing, parsed.get(ing)!);
  for (const s of [table.catchAll, ...table.exact.values(), ...table.wildcard.values()]) finishServer(s);
  return table;

  function addPath(server: Server, ing: Ingress, p: HTTPIngressPath, cfg: IngressAnnotations): void {
    const pathType = p.pathType ?? 'ImplementationSpecific';
    const raw = p.path || '/';
    const path = pathType === 'Prefix' ? normalizePrefix(raw) : raw;
    const existing = server.locations.find((l) => l.path === path && l.pathType === pathType);
    const loc: Location = {
      path,
      pathType,
      ingress: key(ing),
      upstream: upstream(ing, p.backend, cfg),
      config: cfg,
      isDefaultBackend: false,
    };
    if (existing && !existing.isDefaultBackend) {
      problems.push(
        warn(
          ing,
          'PathConflict',
          `path ${path} (${pathType}) of host ${server.host === '_' ? '*' : server.host} is already served by ingress ${existing.ingress}; ignored`,
        ),
      );
      return;
    }
    // The root default location of a host is replaced by a `/` Prefix (or ImplementationSpecific) path.
    const root = server.locations.findIndex((l) => l.isDefaultBackend && l.path === path && pathType !== 'Exact');
    if (root >= 0) server.locations[root] = loc;
    else server.locations.push(loc);
  }

  function attachCanary(ing: Ingress, cfg: IngressAnnotations): void {
    for (const rule of ing.spec.rules ?? []) {
      const server = serverFor((rule.host ?? '').toLowerCase());
      for (const p of rule.http?.paths ?? []) {
        const pathType = p.pathType ?? 'ImplementationSpecific';
        const path = pathType === 'Prefix' ? normalizePrefix(p.path || '/') : p.path || '/';
        const main = server?.locations.find((l) => l.path === path && !l.isDefaultBackend);
        const up = upstream(ing, p.backend, cfg);
        if (!main || !up) {
          problems.push(
            warn(ing, 'CanaryIgnored', `canary path ${path} of host ${rule.host || '*'} has no main Ingress to split from; ignored`),
          );
          continue;
        }
        main.canary = { upstream: up, config: cfg.canary!, ingress: key(ing) };
      }
    }
  }

  function finishServer(s: Server): void {
    // ingress-nginx enforces regex on every location of a server once one location uses regex or rewrite.
    s.regexMode = s.locations.some((l) => !l.isDefaultBackend && (l.config.useRegex || l.config.rewriteTarget !== undefined));
    for (const l of s.locations) {
      if (s.regexMode) {
        l.regex = compileRegex(`^${l.path}`, 'i');
        if (!l.regex)
          problems.push({
            ingress: l.ingress,
            type: 'Warning',
            reason: 'InvalidPath',
            message: `path ${l.path} is not a valid regular expression`,
          });
      }
      if (l.config.rewriteTarget !== undefined) l.rewrite = compileRegex(l.path, 'i');
    }
    sortLocations(s);
  }
}

function warn(ing: Ingress, reason: string, message: string): Problem {
  return { ingress: key(ing), type: 'Warning', reason, message };
}

/** Element-wise Prefix match: `/foo` matches `/foo`, `/foo/`, `/foo/bar`, not `/foobar`. */
export function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || path.charCodeAt(prefix.length) === 47; // '/'
}

function locationMatches(l: Location, path: string): boolean {
  switch (l.pathType) {
    case 'Exact':
      return path === l.path;
    case 'Prefix':
      return prefixMatches(l.path, path);
    default:
      // ImplementationSpecific: an nginx prefix location (a string prefix, as ingress-nginx renders it).
      return path.startsWith(l.path);
  }
}

/**
 * The location for a request path: in regex mode the first regex in ingress-nginx's order; otherwise the
 * longest matching path, Exact before Prefix on a tie (Kubernetes Ingress spec, "Multiple matches").
 */
export function matchLocation(s: Server, path: string): Location | undefined {
  if (s.regexMode) {
    for (const l of s.locations) if (l.regex?.test(path)) return l;
    return undefined;
  }
  let best: Location | undefined;
  for (const l of s.locations) {
    if (!locationMatches(l, path)) continue;
    if (
      !best ||
      l.path.length > best.path.length ||
      (l.path.length === best.path.length && l.pathType === 'Exact' && best.pathType !== 'Exact')
    )
      best = l;
  }
  return best;
}

/** The server for a Host header: exact host, then a one-label wildcard, then the catch-all. */
export function matchServer(t: RouteTable, host: string): Server {
  const exact = t.exact.get(host);
  if (exact) return exact;
  const dot = host.indexOf('.');
  if (dot > 0) {
    const w = t.wildcard.get(host.slice(dot + 1));
    if (w) return w;
  }
  return t.catchAll;
}

/** Host header -> lower-case name without port or trailing dot; undefined when it is not a valid host. */
export function normalizeHost(raw: string | undefined): string | undefined {
  if (!raw) return '';
  let h = raw.toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : undefined;
  }
  const colon = h.indexOf(':');
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(h.slice(colon + 1))) return undefined;
    h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return /^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/.test(h) || h === '' ? h : undefined;
}

export function route(t: RouteTable, host: string, path: string): { server: Server; location?: Location } {
  const server = matchServer(t, host);
  let location = matchLocation(server, path);
  // A host server whose paths all miss falls back to its root location; the catch-all always has one.
  if (!location && server !== t.catchAll) location = server.locations.find((l) => l.isDefaultBackend);
  return { server, location };
}

export const sliceIndexKey = (s: EndpointSlice): string => `${s.metadata.namespace}/${s.metadata.labels?.[serviceNameLabel] ?? ''}`;
