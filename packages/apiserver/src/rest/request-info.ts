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
