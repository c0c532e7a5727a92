// nginx's URI normalisation (ngx_http_parse_complex_uri), applied before a location is chosen: %XX is decoded,
// `//` merged (merge_slashes on, nginx's default and ingress-nginx's), `.` and `..` segments resolved. nginx
// matches locations, rewrites and allow/deny on this $uri, never on the raw request line, so the router must
// too: otherwise `/public/../admin` or `/%61dmin` would pick another location than nginx does and skip that
// location's whitelist-source-range or auth.

const hex = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

/**
 * The normalised path of a raw request path (no query), or undefined where nginx answers 400: a bad or NUL
 * %-escape, or a `..` that climbs above `/`. Every %XX is decoded once (as nginx does: `%2e%2e` is `..`, `%2F`
 * is `/`, `%25` is a literal `%` that is not decoded again); bytes stay one char each (latin1, as node gives
 * req.url), so nothing is lost or re-interpreted.
 */
export function normalizePath(raw: string): string | undefined {
  if (raw.charCodeAt(0) !== 47) return undefined;
  let decoded = raw;
  if (raw.includes('%')) {
    decoded = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c !== 37) {
        decoded += raw[i];
        continue;
      }
      const hi = hex(raw.charCodeAt(i + 1));
      const lo = hex(raw.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      const b = hi * 16 + lo;
      if (b === 0) return undefined;
      decoded += String.fromCharCode(b);
      i += 2;
    }
  }
  // Fast path: nothing to resolve.
  if (!decoded.includes('//') && !decoded.includes('/.')) return decoded;
  const out: string[] = [];
  const segs = decoded.split('/');
  // segs[0] is '' (the leading slash). A trailing '/', '/.' or '/..' keeps the path ending in '/'.
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i];
    const last = i === segs.length - 1;
    if (s === '' || s === '.') {
      if (last) out.push('');
      continue;
    }
    if (s === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(s);
  }
  return `/${out.join('/')}`;
}

// Kept as-is in a path sent upstream: RFC 3986 pchar (unreserved, sub-delims, ':', '@') and '/'.
const keep = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g;

/** A changed (rewritten) path as nginx sends it upstream: what is not a path character escaped again. */
export function escapePath(path: string): string {
  return path.replace(keep, (ch) => {
    const b = ch.charCodeAt(0);
    // Chars above 0xff came from rewrite-target text, not from the request: send them as UTF-8.
    if (b > 0xff) return encodeURIComponent(ch);
    return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  });
}
