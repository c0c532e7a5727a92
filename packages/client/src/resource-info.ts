// The resource table entry of a plural name (`pods`, `ingresses.networking.k8s.io`) for a client's get, list or
// informer; a name @kubelab/api does not describe is a programming error, so it throws.
import { resolveResource, type ResourceInfo } from '@kubelab/api';

export function resourceInfo(plural: string): ResourceInfo {
  const r = resolveResource(plural);
  if (!r) throw new Error(`@kubelab/api does not describe "${plural}"`);
  return r;
}
