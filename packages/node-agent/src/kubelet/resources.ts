// The API kinds the kubelet reads and writes, from @kubelab/api's one resource table.
import { resolveResource, type ResourceInfo } from '@kubelab/api';

function kind(plural: string): ResourceInfo {
  const r = resolveResource(plural);
  if (!r) throw new Error(`@kubelab/api does not describe "${plural}"`);
  return r;
}

export const PODS = kind('pods');
export const CONFIGMAPS = kind('configmaps');
export const SECRETS = kind('secrets');
export const EVENTS = kind('events');
export const NODES = kind('nodes');
