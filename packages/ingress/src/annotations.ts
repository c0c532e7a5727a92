// The ingress-nginx annotations kubelab's router honours (nginx.ingress.kubernetes.io/*), parsed once per
// Ingress into one typed object with ingress-nginx's defaults and value rules. Unknown annotations of the
// prefix and unparsable values come back as warnings (events on the Ingress); snippets refuse the Ingress.
import { parseCidr } from '@kubelab/api';

export const PREFIX = 'nginx.ingress.kubernetes.io/';

/** ingress-nginx's backend-protocol values (AUTO_HTTP: the client's scheme, see proxy.ts upstreamScheme). */
export type BackendProtocol = 'HTTP' | 'AUTO_HTTP' | 'HTTPS' | 'GRPC' | 'GRPCS' | 'FCGI';

export interface CanaryConfig {
  header?: string;
  headerValue?: string;
  headerPattern?: RegExp;
  cookie?: string;
  weight: number;
  weightTotal: number;
}

export interface IngressAnnotations {
  rewriteTarget?: string;
  useRegex: boolean;
  /** undefined: redirect when the host has TLS (ingress-nginx's ssl-redirect default true). */
  sslRedirect: boolean;
  forceSslRedirect: boolean;
  appRoot?: string;
  /**
   * affinity-mode: `balanced` (default) maps the cookie's key onto the endpoints by consistent hashing, so a
   * scale-up moves some sessions to the new pods; `persistent` keeps a session on its pod while that pod exists.
   */
  affinity?: { cookieName: string; maxAge?: number; path?: string; mode: 'balanced' | 'persistent' };
  canary?: CanaryConfig;
  /** Bytes; 0 = unlimited. */
  proxyBodySize: number;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  sendTimeoutMs: number;
  /** CIDRs allowed; undefined = everyone. */
  allowSourceRanges?: { base: number; mask: number }[];
  /** An invalid source range list denies every request (ingress-nginx answers a denied location with 503). */
  denied?: string;
  backendProtocol: BackendProtocol;
  /** fastcgi-index: appended to a request URI ending in `/` for $fastcgi_script_name (nginx fastcgi_index). */
  fastcgiIndex?: string;
  /** fastcgi-params-configmap: the ConfigMap's name (its namespace must be the Ingress's); read by the route builder. */
  fastcgiParamsConfigMap?: string;
  /** The ConfigMap's data once resolved (fastcgi_param KEY VALUE lines, after nginx's fastcgi_params). */
  fastcgiParams?: Record<string, string>;
}

export interface ParsedAnnotations {
  config: IngressAnnotations;
  warnings: string[];
  /** Set when the Ingress must not be served (snippets), with the reason. */
  refused?: string;
}

const known = new Set([
  'rewrite-target',
  'use-regex',
  'ssl-redirect',
  'force-ssl-redirect',
  'app-root',
  'affinity',
  'affinity-mode',
  'session-cookie-name',
  'session-cookie-max-age',
  'session-cookie-expires',
  'session-cookie-path',
  'canary',
  'canary-by-header',
  'canary-by-header-value',
  'canary-by-header-pattern',
  'canary-by-cookie',
  'canary-weight',
  'canary-weight-total',
  'proxy-body-size',
  'proxy-connect-timeout',
  'proxy-read-timeout',
  'proxy-send-timeout',
  'whitelist-source-range',
  'allowlist-source-range',
  'backend-protocol',
  'fastcgi-index',
  'fastcgi-params-configmap',
]);
const snippets = new Set(['configuration-snippet', 'server-snippet', 'auth-snippet', 'stream-snippet', 'modsecurity-snippet']);

export const defaultAnnotations = (): IngressAnnotations => ({
  useRegex: false,
  sslRedirect: true,
  forceSslRedirect: false,
  proxyBodySize: 1024 * 1024,
  connectTimeoutMs: 5_000,
  readTimeoutMs: 60_000,
  sendTimeoutMs: 60_000,
  backendProtocol: 'HTTP',
});

/** Go's strconv.ParseBool, which ingress-nginx uses for boolean annotations. */
function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** nginx sizes: `1m`, `8k`, `1g`, plain bytes; `0` = unlimited. */
export function parseNginxSize(v: string): number | undefined {
  const m = /^\s*(\d+)\s*([kKmMgG]?)\s*$/.exec(v);
  if (!m) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

export function parseAnnotations(annotations: Record<string, string> | undefined): ParsedAnnotations {
  const config = defaultAnnotations();
  const warnings: string[] = [];
  let refused: string | undefined;
  const a: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations ?? {})) {
    if (!k.startsWith(PREFIX)) continue;
    const name = k.slice(PREFIX.length);
    if (snippets.has(name)) {
      refused = `annotation ${k} cannot be used: snippet directives are disabled by the Ingress administrator (ingress-nginx allow-snippet-annotations=false); the Ingress is not served`;
      continue;
    }
    if (!known.has(name)) {
      warnings.push(`annotation ${k} is not supported by kubelab's router and is ignored`);
      continue;
    }
    a[name] = v;
  }
  const bool = (name: string, set: (b: boolean) => void): void => {
    if (a[name] === undefined) return;
    const b = parseBool(a[name]);
    if (b === undefined) warnings.push(`annotation ${PREFIX}${name}: "${a[name]}" is not a boolean; ignored`);
    else set(b);
  };
  const seconds = (name: string, set: (ms: number) => void): void => {
    if (a[name] === undefined) return;
    const n = Number(a[name]);
    if (!/^\d+$/.test(a[name].trim()) || n <= 0)
      warnings.push(`annotation ${PREFIX}${name}: "${a[name]}" is not a number of seconds; ignored`);
    else set(n * 1000);
  };
  bool('use-regex', (b) => (config.useRegex = b));
  bool('ssl-redirect', (b) => (config.sslRedirect = b));
  bool('force-ssl-redirect', (b) => (config.forceSslRedirect = b));
  if (a['rewrite-target'] !== undefined) config.rewriteTarget = a['rewrite-target'];
  if (a['app-root'] !== undefined) {
    if (a['app-root'].startsWith('/')) config.appRoot = a['app-root'];
    else warnings.push(`annotation ${PREFIX}app-root: "${a['app-root']}" is not an absolute path; ignored`);
  }
  if (a.affinity !== undefined) {
    if (a.affinity !== 'cookie') warnings.push(`annotation ${PREFIX}affinity: "${a.affinity}" is not supported (only "cookie"); ignored`);
    else {
      const maxAge = a['session-cookie-max-age'] ?? a['session-cookie-expires'];
      const mode = a['affinity-mode'] || 'balanced';
      if (mode !== 'balanced' && mode !== 'persistent')
        warnings.push(`annotation ${PREFIX}affinity-mode: "${mode}" is not "balanced" or "persistent"; balanced used`);
      config.affinity = {
        mode: mode === 'persistent' ? 'persistent' : 'balanced',
        cookieName: a['session-cookie-name'] || 'INGRESSCOOKIE',
        maxAge: maxAge !== undefined && /^\d+$/.test(maxAge) ? Number(maxAge) : undefined,
        path: a['session-cookie-path'],
      };
    }
  }
  let canary = false;
  bool('canary', (b) => (canary = b));
  if (canary) {
    const c: CanaryConfig = { weight: 0, weightTotal: 100 };
    if (a['canary-by-header']) c.header = a['canary-by-header'].toLowerCase();
    if (a['canary-by-header-value']) c.headerValue = a['canary-by-header-value'];
    if (a['canary-by-header-pattern'])
      try {
        c.headerPattern = new RegExp(a['canary-by-header-pattern']);
      } catch {
        warnings.push(`annotation ${PREFIX}canary-by-header-pattern: not a valid regular expression; ignored`);
      }
    if (a['canary-by-cookie']) c.cookie = a['canary-by-cookie'];
    const total = a['canary-weight-total'] === undefined ? 100 : Number(a['canary-weight-total']);
    if (!Number.isInteger(total) || total <= 0)
      warnings.push(`annotation ${PREFIX}canary-weight-total: must be a positive integer; 100 used`);
    else c.weightTotal = total;
    if (a['canary-weight'] !== undefined) {
      const w = Number(a['canary-weight']);
      if (!Number.isInteger(w) || w < 0) warnings.push(`annotation ${PREFIX}canary-weight: must be a non-negative integer; ignored`);
      else c.weight = Math.min(w, c.weightTotal);
    }
    config.canary = c;
  }
  if (a['proxy-body-size'] !== undefined) {
    const n = parseNginxSize(a['proxy-body-size']);
    if (n === undefined)
      warnings.push(`annotation ${PREFIX}proxy-body-size: "${a['proxy-body-size']}" is not an nginx size (e.g. 8m); ignored`);
    else config.proxyBodySize = n;
  }
  seconds('proxy-connect-timeout', (ms) => (config.connectTimeoutMs = ms));
  seconds('proxy-read-timeout', (ms) => (config.readTimeoutMs = ms));
  seconds('proxy-send-timeout', (ms) => (config.sendTimeoutMs = ms));
  const ranges = a['allowlist-source-range'] ?? a['whitelist-source-range'];
  if (ranges !== undefined) {
    const list: { base: number; mask: number }[] = [];
    for (const raw of ranges
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      try {
        const c = parseCidr(raw.includes('/') ? raw : `${raw}/32`);
        list.push({ base: c.base, mask: c.prefix === 0 ? 0 : (~0 << (32 - c.prefix)) >>> 0 });
      } catch {
        config.denied = `annotation ${PREFIX}whitelist-source-range: "${raw}" is not a valid IP address or network`;
        warnings.push(`${config.denied}; every request to this Ingress is denied`);
      }
    }
    config.allowSourceRanges = list;
  }
  if (a['backend-protocol'] !== undefined) {
    // ingress-nginx: one of auto_http|http|https|grpc|grpcs|fcgi, case-insensitive, trimmed; anything else is a
    // validation error and the location keeps HTTP (backendprotocol/main.go).
    const p = a['backend-protocol'].trim().toUpperCase();
    if (p === 'HTTP' || p === 'AUTO_HTTP' || p === 'HTTPS' || p === 'GRPC' || p === 'GRPCS' || p === 'FCGI') config.backendProtocol = p;
    else
      warnings.push(
        `annotation ${PREFIX}backend-protocol: "${a['backend-protocol']}" is not one of AUTO_HTTP, HTTP, HTTPS, GRPC, GRPCS, FCGI; HTTP used`,
      );
  }
  // fastcgi/main.go: the index is a single file name; the ConfigMap name uses the basic character set.
  if (a['fastcgi-index'] !== undefined) {
    if (/^[A-Za-z0-9.\-_]+$/.test(a['fastcgi-index'])) config.fastcgiIndex = a['fastcgi-index'];
    else warnings.push(`annotation ${PREFIX}fastcgi-index: "${a['fastcgi-index']}" is not a single file name; ignored`);
  }
  if (a['fastcgi-params-configmap'] !== undefined) {
    const cm = a['fastcgi-params-configmap'];
    if (/^[A-Za-z0-9/._-]+$/.test(cm)) config.fastcgiParamsConfigMap = cm;
    else warnings.push(`annotation ${PREFIX}fastcgi-params-configmap: "${cm}" is not a ConfigMap name; ignored`);
  }
  return { config, warnings, refused };
}
