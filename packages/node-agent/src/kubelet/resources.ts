// The API kinds the kubelet reads and writes, from @kubelab/api's one resource table.
import { resourceInfo as kind } from '@kubelab/client';

export const PODS = kind('pods');
export const CONFIGMAPS = kind('configmaps');
export const SECRETS = kind('secrets');
export const EVENTS = kind('events');
export const NODES = kind('nodes');
