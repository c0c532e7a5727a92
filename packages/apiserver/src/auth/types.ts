// The shapes authentication and authorization share, as k8s.io/apiserver's user.Info and authorizer.Attributes.
import type { KubeObject } from '@kubelab/api';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a request asks to do (authorizer.AttributesRecord). */
export interface Attributes {
  user: UserInfo;
  verb: string;
  /** true: a resource request (/api, /apis with a resource); false: a non-resource URL (/healthz). */
  resourceRequest: boolean;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource requests: the URL path. */
  path?: string;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RoleRef {
  apiGroup?: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleObject extends KubeObject {
  rules?: PolicyRule[];
}

export interface BindingObject extends KubeObject {
  roleRef: RoleRef;
  subjects?: Subject[];
}

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
export const AUTHENTICATED = 'system:authenticated';
export const MASTERS = 'system:masters';
