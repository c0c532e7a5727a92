import { StatusError } from '@kubelab/api';

// Splits an API path into its parts, like k8s.io/apiserver's RequestInfoFactory:
//   /api/v1/namespaces/{ns}/{resource}/{name}/{subresource}
//   /apis/{group}/{version}/namespaces/{ns}/{resource}/{name}/{subresource}
// `namespaces/{name}` itself is the Namespace object, not a scope.

export interface RequestInfo {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
}

/**
 * The path of a request as express's req.path reads it: the raw request-target up to `?`, not normalised.
 * Authorization, the handlers and the stream upgrades all parse this one string (via parseRequestPath).
 */
export function rawRequestPath(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * 400 for a path that two parsers could read differently: not origin-form (`/...`), a `.` or `..` segment
 * (also as %2e), or a backslash (also as %5c). A WHATWG URL parser resolves or rewrites those; the router
 * does not, so the authorizer and the handler could otherwise see different objects.
 */
export function assertCleanRequestPath(path: string): void {
  const bad = (why: string) => new StatusError('BadRequest', `invalid request path ${JSON.stringify(path)}: ${why}`);
  if (!path.startsWith('/')) throw bad('it must start with /');
  if (/\\|%5c/i.test(path)) throw bad('backslashes are not allowed');
  for (const segment of path.split('/')) {
    const dots = segment.replace(/%2e/gi, '.');
    if (dots === '.' || dots === '..') throw bad('dot-segments are not allowed');
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new StatusError('BadRequest', `invalid escape in the request path segment "${segment}"`);
  }
}

export function parseRequestPath(pathname: string): RequestInfo | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeSegment);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    rest = parts.slice(1);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    rest = parts.slice(2);
  } else return undefined;
  const [version, ...tail] = rest;
  let namespace: string | undefined;
  let scoped = tail;
  if (tail[0] === 'namespaces' && tail.length >= 3) {
    namespace = tail[1];
    scoped = tail.slice(2);
  }
  const [resource, name, subresource, ...extra] = scoped;
  if (!resource || extra.length > 0) return undefined;
  return { group, version, namespace, resource, name, subresource };
}
