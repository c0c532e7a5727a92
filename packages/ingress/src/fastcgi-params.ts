// What ingress-nginx sends a FastCGI responder and how it reads the answer. Its FCGI locations
// `include /etc/nginx/fastcgi_params` (nginx's stock list, below in order), then add `fastcgi_index` and one
// `fastcgi_param KEY VALUE` per key of the fastcgi-params-configmap ConfigMap (values may use nginx
// variables, e.g. `$document_root$fastcgi_script_name`); nginx also passes every request header as HTTP_*
// (fastcgi_pass_request_headers on). The responder's stdout starts with CGI headers (RFC 3875 §6.3), where
// `Status:` sets the status and a `Location:` without one means 302, as ngx_http_fastcgi_process_header does.

/** The request facts nginx's variables are made of. */
export interface FcgiRequest {
  method: string;
  /** $request_uri: the original request target, with the query. */
  requestUri: string;
  /** $uri: the normalised path, rewritten when rewrite-target applies. */
  uri: string;
  /** $args: the query string without `?` ('' when none). */
  args: string;
  /** Client request headers as a flat name/value list (no HTTP/2 pseudo-headers). */
  headers: string[];
  /** Length of the (buffered) request body; undefined when the request has none. */
  contentLength?: number;
  /** `HTTP/1.1` or `HTTP/2.0` ($server_protocol). */
  protocol: string;
  secure: boolean;
  remoteAddr: string;
  remotePort: number;
  serverAddr: string;
  serverPort: number;
  /** $server_name: the host the request was routed by ('_' for the catch-all server). */
  serverName: string;
  host: string;
  requestId: string;
  /** fastcgi-index annotation. */
  index?: string;
  /** fastcgi-params-configmap data. */
  params?: Record<string, string>;
}

/** nginx's version string in SERVER_SOFTWARE (ingress-nginx 1.12+ ships nginx 1.25.5). */
export const NGINX_VERSION = '1.25.5';
/** $document_root: ingress-nginx's locations set no `root`, so nginx's default `html` under its prefix. */
export const DOCUMENT_ROOT = '/usr/local/nginx/html';

/** /etc/nginx/fastcgi_params as nginx ships it (`HTTPS $https if_not_empty`: only sent when non-empty). */
const FASTCGI_PARAMS: [string, string, boolean?][] = [
  ['QUERY_STRING', '$query_string'],
  ['REQUEST_METHOD', '$request_method'],
  ['CONTENT_TYPE', '$content_type'],
  ['CONTENT_LENGTH', '$content_length'],
  ['SCRIPT_NAME', '$fastcgi_script_name'],
  ['REQUEST_URI', '$request_uri'],
  ['DOCUMENT_URI', '$document_uri'],
  ['DOCUMENT_ROOT', '$document_root'],
  ['SERVER_PROTOCOL', '$server_protocol'],
  ['REQUEST_SCHEME', '$scheme'],
  ['HTTPS', '$https', true],
  ['GATEWAY_INTERFACE', 'CGI/1.1'],
  ['SERVER_SOFTWARE', 'nginx/$nginx_version'],
  ['REMOTE_ADDR', '$remote_addr'],
  ['REMOTE_PORT', '$remote_port'],
  ['SERVER_ADDR', '$server_addr'],
  ['SERVER_PORT', '$server_port'],
  ['SERVER_NAME', '$server_name'],
  ['REDIRECT_STATUS', '200'],
];

function header(r: FcgiRequest, name: string): string {
  for (let i = 0; i < r.headers.length; i += 2) if (r.headers[i].toLowerCase() === name) return r.headers[i + 1];
  return '';
}

/** $fastcgi_script_name: $uri, with fastcgi_index appended when it ends in `/`. */
export function scriptName(r: FcgiRequest): string {
  return r.uri.endsWith('/') && r.index ? r.uri + r.index : r.uri;
}

/** The value of an nginx variable; unknown names expand to '' (nginx would refuse the configuration). */
export function variable(r: FcgiRequest, name: string): string {
  switch (name) {
    case 'query_string':
    case 'args':
      return r.args;
    case 'is_args':
      return r.args ? '?' : '';
    case 'request_method':
      return r.method;
    case 'content_type':
      return header(r, 'content-type');
    case 'content_length':
      return r.contentLength === undefined ? '' : String(r.contentLength);
    case 'fastcgi_script_name':
      return scriptName(r);
    case 'fastcgi_path_info':
      return '';
    case 'request_uri':
      return r.requestUri;
    case 'uri':
    case 'document_uri':
      return r.uri;
    case 'document_root':
    case 'realpath_root':
      return DOCUMENT_ROOT;
    case 'server_protocol':
      return r.protocol;
    case 'scheme':
      return r.secure ? 'https' : 'http';
    case 'https':
      return r.secure ? 'on' : '';
    case 'nginx_version':
      return NGINX_VERSION;
    case 'remote_addr':
      return r.remoteAddr;
    case 'remote_port':
      return String(r.remotePort);
    case 'server_addr':
      return r.serverAddr;
    case 'server_port':
      return String(r.serverPort);
    case 'server_name':
      return r.serverName;
    case 'host':
      return r.host;
    case 'request_id':
    case 'req_id':
      return r.requestId;
    default:
      return name.startsWith('http_') ? header(r, name.slice(5).replace(/_/g, '-')) : '';
  }
}

/** nginx's complex value: `$name` and `${name}` replaced by the variable's value. */
export function expand(r: FcgiRequest, value: string): string {
  return value.replace(/\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_, braced: string | undefined, bare: string | undefined) =>
    variable(r, (braced ?? bare ?? '').toLowerCase()),
  );
}

/**
 * The params ingress-nginx's FCGI location sends, in nginx's order: fastcgi_params, the ConfigMap's keys
 * (sorted; a key already set is replaced in place), then the request headers as HTTP_NAME (`-` -> `_`,
 * upper case; nginx skips headers whose names it cannot map, and ones a fastcgi_param HTTP_* already set).
 */
export function buildParams(r: FcgiRequest): [string, string][] {
  const out = new Map<string, string>();
  for (const [k, v, ifNotEmpty] of FASTCGI_PARAMS) {
    const val = expand(r, v);
    if (ifNotEmpty && val === '') continue;
    out.set(k, val);
  }
  for (const k of Object.keys(r.params ?? {}).sort()) out.set(k, expand(r, r.params![k]));
  const fromParams = new Set([...out.keys()].filter((k) => k.startsWith('HTTP_')));
  for (let i = 0; i < r.headers.length; i += 2) {
    const name = r.headers[i];
    if (!/^[A-Za-z0-9-]+$/.test(name)) continue; // ignore_invalid_headers (underscores included)
    const key = `HTTP_${name.toUpperCase().replace(/-/g, '_')}`;
    if (fromParams.has(key)) continue;
    // Repeated headers: nginx sends each; a FastCGI parameter is a map entry, so they are joined as nginx
    // joins Cookie (`; `) and others (`, `).
    const prev = out.get(key);
    out.set(key, prev === undefined ? r.headers[i + 1] : `${prev}${key === 'HTTP_COOKIE' ? '; ' : ', '}${r.headers[i + 1]}`);
  }
  return [...out];
}

export interface CgiHead {
  status: number;
  statusText: string;
  /** Flat name/value list, without Status and hop-by-hop headers. */
  headers: string[];
}

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);

/**
 * Where the CGI header block of `buf` ends: [end of headers, start of body], or undefined when the blank line
 * has not arrived yet. nginx accepts LF and CRLF line ends.
 */
export function headEnd(buf: Buffer): [number, number] | undefined {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 10) continue;
    if (buf[i + 1] === 10) return [i, i + 2];
    if (buf[i + 1] === 13 && buf[i + 2] === 10) return [i, i + 3];
  }
  return undefined;
}

/** Parses the CGI header block (RFC 3875 §6.3) as nginx does; throws on a line that is not a header. */
export function parseCgiHead(text: string): CgiHead {
  const headers: string[] = [];
  let status: number | undefined;
  let statusText = '';
  let location = false;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(line.slice(0, colon)))
      throw new Error(`upstream sent invalid header: "${line.slice(0, 80)}"`);
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    if (lower === 'status') {
      const m = /^(\d{3})(?:\s+(.*))?$/.exec(value);
      if (!m) throw new Error(`upstream sent invalid status "${value}"`);
      status = Number(m[1]);
      statusText = m[2] ?? '';
      continue;
    }
    if (lower === 'location') location = true;
    if (hopByHop.has(lower)) continue;
    headers.push(name, value);
  }
  if (status === undefined) {
    status = location ? 302 : 200;
    statusText = location ? 'Moved Temporarily' : 'OK';
  }
  return { status, statusText, headers };
}

const validKey = /^[A-Za-z0-9.\-_]+$/;
const validValue = /^[A-Za-z0-9\-_${}/.]*$/;

/**
 * fastcgi-params-configmap, resolved as ingress-nginx's fastcgi parser does: `name` or `namespace/name`, the
 * namespace must be the Ingress's; a missing ConfigMap denies the location (503); a key or value outside
 * its character set drops the params. Returns the warning to report, if any.
 */
export function resolveFastcgiParams(
  config: { fastcgiParamsConfigMap?: string; fastcgiParams?: Record<string, string>; denied?: string },
  ingressNamespace: string,
  configMap: (namespace: string, name: string) => { data?: Record<string, string> } | undefined,
): string | undefined {
  const ref = config.fastcgiParamsConfigMap;
  if (!ref) return undefined;
  const parts = ref.split('/');
  if (parts.length > 2 || parts.some((p) => p === '')) {
    config.denied = `error reading configmap name from annotation: unexpected key format: "${ref}"`;
    return `${config.denied}; every request to this Ingress is denied`;
  }
  const [ns, name] = parts.length === 2 ? parts : [ingressNamespace, parts[0]];
  if (ns !== ingressNamespace)
    return `annotation nginx.ingress.kubernetes.io/fastcgi-params-configmap: different namespace is not supported on fast_cgi param configmap; ignored`;
  const cm = configMap(ns, name);
  if (!cm) {
    config.denied = `unexpected error reading configmap ${ns}/${name}: configmap "${ns}/${name}" not found`;
    return `${config.denied}; every request to this Ingress is denied`;
  }
  const data = cm.data ?? {};
  for (const [k, v] of Object.entries(data))
    if (!validKey.test(k) || !validValue.test(v))
      return `annotation nginx.ingress.kubernetes.io/fastcgi-params-configmap: configmap ${ns}/${name}: fcgi contains invalid key or value (${k}); ignored`;
  config.fastcgiParams = { ...data };
  return undefined;
}
