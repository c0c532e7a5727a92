// Service networking shapes: core/v1 Service and Endpoints, discovery.k8s.io/v1 EndpointSlice. Field names
// follow the Kubernetes API exactly. The API server (allocation, the endpoints controller), the node agent's
// service proxy and the CLI's printers all read these.
import type { KubeObject, ObjectReference } from './types';

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type ServiceProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePort {
  name?: string;
  protocol?: ServiceProtocol;
  port: number;
  /** A number, or the name of a container port (resolved per pod by the endpoints controller). */
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

export interface ServiceSpec {
  type?: ServiceType;
  /** Equality-based selector (plain map, unlike workloads); no selector = endpoints are written by hand. */
  selector?: Record<string, string>;
  ports?: ServicePort[];
  /** "None" makes the Service headless. */
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: ('IPv4' | 'IPv6')[];
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  externalName?: string;
  externalIPs?: string[];
  loadBalancerIP?: string;
  loadBalancerClass?: string;
  /** Client CIDRs allowed through a LoadBalancer (stored and validated; the service proxy does not filter on it). */
  loadBalancerSourceRanges?: string[];
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  healthCheckNodePort?: number;
  publishNotReadyAddresses?: boolean;
  allocateLoadBalancerNodePorts?: boolean;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: 'VIP' | 'Proxy';
  ports?: { port: number; protocol: ServiceProtocol; error?: string }[];
}

export interface Service extends KubeObject {
  spec: ServiceSpec;
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] }; conditions?: unknown[] };
}

// core/v1 Endpoints (still what `kubectl get endpoints` and many tutorials read).
export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: ServiceProtocol;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

// discovery.k8s.io/v1 EndpointSlice: what kube-proxy (and kubelab's service proxy) reads.
export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
}

export interface EndpointSlicePort {
  name?: string;
  protocol?: ServiceProtocol;
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: Endpoint[];
  ports?: EndpointSlicePort[];
}

/** The label tying an EndpointSlice to its Service (discovery.k8s.io/v1 LabelServiceName). */
export const serviceNameLabel = 'kubernetes.io/service-name';
/** Who manages a slice (LabelManagedBy); the controller leaves slices with another value alone. */
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const endpointSliceControllerName = 'endpointslice-controller.k8s.io';
/** Services carrying these labels are not handled by the default proxy (kube-proxy's filter). */
export const headlessLabel = 'service.kubernetes.io/headless';
export const serviceProxyNameLabel = 'service.kubernetes.io/service-proxy-name';
