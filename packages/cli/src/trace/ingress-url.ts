// An Ingress URL as a trace destination (`kubelab trace host http://app.localhost:8080/app1`): the URL is
// routed exactly as the router routes it, by the router's own route table (packages/ingress: the same
// buildRouteTable, normalizeHost/normalizePath and route()), so the trace names the Ingress rule, the Service
// and the endpoints the router would pick from. The router's access log then tells which endpoint it did
// pick for the probe's request (matched by X-Request-ID). Pure.
import { normalizeHost, normalizePath, type Location, type RouteTable, route, type Upstream } from '@kubelab/ingress';

export interface TraceUrl {
  scheme: 'http' | 'https';
  /** As typed, with its port. */
  hostHeader: string;
  /** Lower-case, no port (what the router matches). */
  host: string;
  port?: number;
  /** Path and query as typed (the request target). */
  target: string;
}

/** An http(s) URL, or undefined for anything else (a pod, a Service, a DNS name, an IP). */
export function parseTraceUrl(ref: string): TraceUrl | undefined {
  if (!/^https?:\/\//i.test(ref)) return undefined;
  let u: URL;
  try {
    u = new URL(ref);
  } catch {
    return undefined;
  }
  return {
    scheme: u.protocol === 'https:' ? 'https' : 'http',
    hostHeader: u.host,
    host: u.hostname.toLowerCase(),
    port: u.port ? Number(u.port) : undefined,
    target: `${u.pathname}${u.search}`,
  };
}

export interface IngressDecision {
  host: string;
  /** The normalised path the router matches. */
  path: string;
  /** The server that answered: the Ingress host, a wildcard, or "_" (the catch-all). */
  server: string;
  location?: Location;
  upstream?: Upstream;
  /** Why the router answers by itself (404, 400, 503), when it does. */
  answer?: string;
}

/** Where the router sends a request for this URL. */
export function routeUrl(table: RouteTable, u: TraceUrl): IngressDecision {
  const host = normalizeHost(u.hostHeader);
  const rawPath = u.target.split('?')[0] || '/';
  const path = host === undefined ? undefined : normalizePath(rawPath);
  if (host === undefined || path === undefined)
    return { host: u.host, path: rawPath, server: '', answer: 'the router answers 400 (a host or path nginx refuses)' };
  const { server, location } = route(table, host, path);
  const base = { host, path, server: server.host, location };
  if (!location) return { ...base, answer: `the router answers 404 (no Ingress rule for host ${host || '""'} path ${path})` };
  if (!location.upstream)
    return { ...base, answer: 'the router answers 404 itself (its default backend: no Ingress claims this host and path)' };
  if (location.upstream.problem)
    return { ...base, upstream: location.upstream, answer: `the router answers 503 (${location.upstream.problem})` };
  if (location.upstream.endpoints.length === 0)
    return {
      ...base,
      upstream: location.upstream,
      answer: `the router answers 503 (Service ${location.upstream.namespace}/${location.upstream.service} has no ready endpoints)`,
    };
  return { ...base, upstream: location.upstream };
}

/** "Ingress default/app: app.localhost /app1 (Prefix) -> Service default/echo:80 -> 3 endpoints". */
export function decisionText(d: IngressDecision): string {
  const l = d.location;
  const rule = l
    ? l.isDefaultBackend && !l.ingress
      ? "the router's default backend"
      : `Ingress ${l.ingress}: ${d.server === '_' ? '(any host)' : d.server} ${l.path} (${l.isDefaultBackend ? 'defaultBackend' : l.pathType})`
    : `no rule for ${d.host} ${d.path}`;
  const up = d.upstream;
  const svc = up ? ` -> Service ${up.namespace}/${up.service}:${up.port}` : '';
  const eps = up && !up.problem ? ` -> ${up.endpoints.length ? up.endpoints.join(', ') : 'no ready endpoints'}` : '';
  return `${rule}${svc}${eps}${d.answer ? `; ${d.answer}` : ''}`;
}

/**
 * Is this URL for the Ingress router? A host some Ingress rule names (or a wildcard covers), or a name
 * under localhost (RFC 6761 loopback names, which the published router port answers on the host).
 */
export function isIngressUrl(table: RouteTable, u: TraceUrl): boolean {
  const { server } = route(table, u.host, '/');
  return server !== table.catchAll || u.host === 'localhost' || u.host.endsWith('.localhost') || u.host === '127.0.0.1';
}

/** The endpoint the router proxied the request with this id to, from its access log (JSON lines). */
export function upstreamOfRequest(log: string, requestId: string): { upstream: string; status: number } | undefined {
  for (const line of log.split('\n')) {
    if (!line.includes(requestId)) continue;
    try {
      const r = JSON.parse(line) as { requestId?: string; upstream?: string; status?: number; msg?: string };
      if (r.msg === 'request' && r.requestId === requestId) return { upstream: r.upstream ?? '', status: r.status ?? 0 };
    } catch {
      // another line
    }
  }
  return undefined;
}

/**
 * For live traffic (no request id of ours): the endpoint of the last request the router logged from
 * `remote` (the address the request reached it from) for this host and path, at or after `since` (ms).
 */
export function upstreamOfLive(
  log: string,
  m: { remote: string; host: string; path: string; since: number },
): { upstream: string; status: number } | undefined {
  let found: { upstream: string; status: number } | undefined;
  for (const line of log.split('\n')) {
    if (!line.includes('"msg":"request"')) continue;
    try {
      const r = JSON.parse(line) as { time?: number; remote?: string; host?: string; path?: string; upstream?: string; status?: number };
      if (r.remote === m.remote && r.host === m.host && r.path === m.path && (r.time ?? 0) >= m.since && r.upstream)
        found = { upstream: r.upstream, status: r.status ?? 0 };
    } catch {
      // another line
    }
  }
  return found;
}

/** The port a URL's request goes to: as typed, else the scheme's (80, 443). */
export function urlPort(u: TraceUrl): number {
  return u.port ?? (u.scheme === 'https' ? 443 : 80);
}

/** A trace's conclusion with the answer to the URL's request (a Service URL's probe). */
export function withAnswer(conclusionText: string, answer: string | undefined): string {
  return answer && /^DELIVERED/.test(conclusionText) ? `${conclusionText}; the request got ${answer}` : conclusionText;
}
