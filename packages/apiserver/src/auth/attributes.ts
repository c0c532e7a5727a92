// Request -> authorizer attributes, as k8s.io/apiserver's RequestInfoFactory: the verb from the method (GET on a
// collection is list, with ?watch=true watch), resource requests under /api and /apis, everything else a
// non-resource URL whose verb is the lower-case method.
import { assertCleanRequestPath, parseRequestPath, rawRequestPath } from '../rest/request-info';
import type { Attributes, UserInfo } from './types';

const methodVerbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function requestAttributes(user: UserInfo, method: string, url: string, upgrade = false): Attributes {
  // The raw path, as the handlers read it (req.path), never the WHATWG-normalised one; unclean paths are 400.
  const pathname = rawRequestPath(url);
  assertCleanRequestPath(pathname);
  const u = new URL(url, 'http://apiserver');
  const info = safeParse(pathname);
  if (!info) {
    const verb = method === 'HEAD' ? 'get' : method.toLowerCase();
    return { user, verb, resourceRequest: false, path: pathname };
  }
  let verb: string;
  if (upgrade) verb = 'create';
  else if (method === 'GET' || method === 'HEAD') {
    const watch = ['true', '1'].includes(u.searchParams.get('watch') ?? '');
    verb = info.name ? (watch ? 'watch' : 'get') : watch ? 'watch' : 'list';
  } else if (method === 'DELETE' && !info.name) verb = 'deletecollection';
  else verb = methodVerbs[method] ?? method.toLowerCase();
  // A watch of one object (fieldSelector=metadata.name=x, as kubectl get -w NAME sends) is a watch of that name.
  let name = info.name;
  const fieldSelector = u.searchParams.get('fieldSelector') ?? '';
  const one = /^metadata\.name=([^,]+)$/.exec(fieldSelector);
  if (!name && one && (verb === 'list' || verb === 'watch')) name = one[1];
  // /api/v1/namespaces/NAME is the Namespace object; its namespace is itself (RequestInfoFactory does the same).
  const namespace = info.resource === 'namespaces' && info.name ? info.name : info.namespace;
  return {
    user,
    verb,
    resourceRequest: true,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    namespace,
    name,
  };
}

function safeParse(pathname: string): ReturnType<typeof parseRequestPath> {
  try {
    return parseRequestPath(pathname);
  } catch {
    return undefined;
  }
}

/**
 * kube-apiserver's Forbidden wording (endpoints/handlers/responsewriters.forbiddenMessage wrapped by
 * NewForbidden): `pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "default"`.
 */
export function forbiddenMessage(a: Attributes, reason = ''): string {
  const user = a.user.name;
  let inner: string;
  if (!a.resourceRequest) inner = `User "${user}" cannot ${a.verb} path "${a.path}"`;
  else {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    inner = `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup ?? ''}" ${scope}`;
  }
  if (reason) inner += `: ${reason}`;
  if (!a.resourceRequest) return `forbidden: ${inner}`;
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  return a.name ? `${qualified} "${a.name}" is forbidden: ${inner}` : `${qualified} is forbidden: ${inner}`;
}

export function forbiddenDetails(a: Attributes): { name?: string; group?: string; kind?: string } {
  if (!a.resourceRequest) return {};
  return { ...(a.name ? { name: a.name } : {}), group: a.apiGroup ?? '', kind: a.resource };
}
