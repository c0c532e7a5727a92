// NodeRestriction (plugin/pkg/admission/noderestriction): a node agent, authenticated as system:node:NAME,
// may change only its own Node and Lease, the status of pods bound to it, delete those pods, and ask for
// ServiceAccount tokens bound to them. Pure over a pod lookup, so it tests as a table.
import { StatusError, type KubeObject } from '@kubelab/api';
import { forbiddenDetails } from './attributes';
import type { Attributes } from './types';

const NODE_USER = /^system:node:(.+)$/;

export function nodeNameOf(a: Attributes): string | undefined {
  if (!a.user.groups.includes('system:nodes')) return undefined;
  return NODE_USER.exec(a.user.name)?.[1];
}

const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export interface NodeRestrictionDeps {
  pod(namespace: string, name: string): KubeObject | undefined;
}

function forbid(a: Attributes, why: string): StatusError {
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  return new StatusError('Forbidden', `${subject} is forbidden: ${why}`, forbiddenDetails(a));
}

/** Throws Forbidden when a node's write reaches beyond itself; `body` is the request body (creates). */
export function admitNodeRequest(a: Attributes, body: unknown, deps: NodeRestrictionDeps): void {
  const node = nodeNameOf(a);
  if (!node || !a.resourceRequest || !WRITES.has(a.verb)) return;
  const group = a.apiGroup ?? '';
  if (group === '' && a.resource === 'nodes') {
    const target = a.verb === 'create' ? ((body as KubeObject | undefined)?.metadata?.name ?? '') : (a.name ?? '');
    if (target !== node) throw forbid(a, `node "${node}" is not allowed to modify node "${target}"`);
    return;
  }
  if (group === 'coordination.k8s.io' && a.resource === 'leases') {
    const target = a.verb === 'create' ? ((body as KubeObject | undefined)?.metadata?.name ?? '') : (a.name ?? '');
    if (a.namespace !== 'kube-node-lease' || target !== node)
      throw forbid(a, 'can only access node lease with the same name as the requesting node');
    return;
  }
  if (group === '' && a.resource === 'pods') {
    if (a.verb === 'create' && !a.subresource) throw forbid(a, `node "${node}" can only create mirror pods`);
    const pod = a.name && a.namespace ? deps.pod(a.namespace, a.name) : undefined;
    if (!pod) return; // NotFound follows from the handler
    const bound = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (bound !== node) {
      const what = a.subresource === 'status' ? 'update pod status' : a.subresource === 'eviction' ? 'evict pods' : `${a.verb} pods`;
      throw forbid(a, `node "${node}" can only ${what} with spec.nodeName set to itself`);
    }
    return;
  }
  if (group === '' && a.resource === 'serviceaccounts' && a.subresource === 'token') {
    const ref = (body as { spec?: { boundObjectRef?: { kind?: string; name?: string } } } | undefined)?.spec?.boundObjectRef;
    if (ref?.kind !== 'Pod' || !ref.name) throw forbid(a, `node requested token not bound to a pod`);
    const pod = deps.pod(a.namespace ?? '', ref.name);
    if ((pod?.spec as { nodeName?: string } | undefined)?.nodeName !== node)
      throw forbid(a, 'node requested token bound to a pod scheduled on a different node');
  }
}
