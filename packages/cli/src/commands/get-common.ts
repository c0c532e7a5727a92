// Options and small rules shared by `get` and `get -w`.
import type { KubeObject } from '@kubelab/api';
import { namespaceOf, type ResourceRequest } from '../resource-args';

export interface GetOptions {
  output?: string;
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
  noHeaders?: boolean;
  showLabels?: boolean;
  labelColumns?: string[];
  ignoreNotFound?: boolean;
  watch?: boolean;
  watchOnly?: boolean;
}

export interface Found {
  request: ResourceRequest;
  objects: KubeObject[];
}

export function scopeOf(request: ResourceRequest, opts: GetOptions): string | undefined {
  if (!request.resource.namespaced) return undefined;
  return opts.allNamespaces ? undefined : namespaceOf(opts);
}

export function emptyMessage(found: Found[], opts: GetOptions): string {
  const namespaced = found.some((f) => f.request.resource.namespaced);
  return namespaced && !opts.allNamespaces ? `No resources found in ${namespaceOf(opts)} namespace.` : 'No resources found';
}
