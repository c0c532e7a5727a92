// Service defaulting and the update-time fix-ups of kube-apiserver, pure: SetDefaults_Service
// (pkg/apis/core/v1/defaults.go), NormalizeClusterIPs and dropTypeDependentFields (pkg/registry/core/service/
// strategy.go) and patchAllocatedValues (pkg/registry/core/service/storage/storage.go).
import type { Service, ServicePort } from '@kubelab/api';
import { isObject } from './field-errors';

/** isObject without narrowing: keeps a Service's typed spec typed after the check. */
export function isRecord(v: unknown): boolean {
  return isObject(v);
}

/** core/v1 DefaultClientIPServiceAffinitySeconds: 3 hours. */
export const defaultClientIPTimeoutSeconds = 10800;

const externallyAccessible = (svc: Service): boolean =>
  svc.spec.type === 'LoadBalancer' || svc.spec.type === 'NodePort' || (svc.spec.type === 'ClusterIP' && !!svc.spec.externalIPs?.length);
const needsClusterIP = (svc: Service): boolean => svc.spec.type !== 'ExternalName';
const needsNodePort = (svc: Service): boolean => svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer';

export function defaultService(svc: Service): void {
  if (!isRecord(svc.spec)) return;
  const spec = svc.spec;
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  spec.type ||= 'ClusterIP';
  if (Array.isArray(spec.ports))
    for (const p of spec.ports) {
      if (!isObject(p)) continue;
      p.protocol ||= 'TCP';
      if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
  if (externallyAccessible(svc) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP'))
    spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined)
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: defaultClientIPTimeoutSeconds } };
}

/** Old clients set only clusterIP: the plural follows it (NormalizeClusterIPs). */
export function normalizeClusterIPs(svc: Service, old?: Service): void {
  const spec = svc.spec;
  if (!isRecord(spec)) return;
  if (!old) {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  const o = old.spec;
  // An old client changed or kept the singular field and did not send the plural one.
  if (spec.clusterIP && spec.clusterIP === o.clusterIP && !spec.clusterIPs?.length && o.clusterIPs?.length) spec.clusterIPs = o.clusterIPs;
  else if (spec.clusterIP && spec.clusterIP !== o.clusterIP && sameList(spec.clusterIPs, o.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
  else if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
}

/** A resubmitted manifest without the allocated values keeps them (no read-modify-write needed). */
export function patchAllocatedValues(svc: Service, old: Service): void {
  if (!isRecord(svc.spec) || !isRecord(old.spec)) return;
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!svc.spec.clusterIP) svc.spec.clusterIP = old.spec.clusterIP;
    if (!svc.spec.clusterIPs?.length && old.spec.clusterIPs?.length) svc.spec.clusterIPs = old.spec.clusterIPs;
  }
  if (needsNodePort(old) && needsNodePort(svc) && Array.isArray(svc.spec.ports)) {
    const used = (s: Service): Set<number> => new Set((s.spec.ports ?? []).map((p) => p?.nodePort ?? 0).filter(Boolean));
    const newUsed = used(svc);
    const both = new Set([...used(old)].filter((p) => newUsed.has(p)));
    const byName = new Map((old.spec.ports ?? []).map((p) => [p.name ?? '', p.nodePort ?? 0]));
    for (const p of svc.spec.ports) {
      if (!isObject(p) || p.nodePort) continue;
      const was = byName.get(p.name ?? '') ?? 0;
      if (was && !both.has(was)) p.nodePort = was;
    }
  }
  if (svc.spec.type === 'LoadBalancer' && old.spec.type === 'LoadBalancer' && !svc.spec.healthCheckNodePort)
    svc.spec.healthCheckNodePort = old.spec.healthCheckNodePort;
}

/** Fields that no longer apply after a type change, wiped when the user left them as they were. */
export function dropTypeDependentFields(svc: Service, old: Service): void {
  const spec = svc.spec;
  if (!isRecord(spec) || !isRecord(old.spec)) return;
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if (spec.clusterIP === old.spec.clusterIP && sameList(spec.clusterIPs, old.spec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameList(spec.ipFamilies, old.spec.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === old.spec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(old) && !needsNodePort(svc) && sameNodePorts(spec.ports, old.spec.ports))
    for (const p of spec.ports ?? []) if (isObject(p)) delete p.nodePort;
  const hc = (s: Service): boolean => s.spec.type === 'LoadBalancer' && s.spec.externalTrafficPolicy === 'Local';
  if (hc(old) && !hc(svc) && spec.healthCheckNodePort === old.spec.healthCheckNodePort) delete spec.healthCheckNodePort;
  if (old.spec.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === old.spec.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.loadBalancerClass === old.spec.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(old) && !externallyAccessible(svc) && spec.externalTrafficPolicy === old.spec.externalTrafficPolicy)
    delete spec.externalTrafficPolicy;
  // Clusters wipe the LoadBalancer status at once rather than expose de-provisioning.
  if (spec.type !== 'LoadBalancer') svc.status = { ...svc.status, loadBalancer: {} };
}

function sameList(a: string[] | undefined, b: string[] | undefined): boolean {
  return (a ?? []).join('\u0000') === (b ?? []).join('\u0000');
}

function sameNodePorts(a: ServicePort[] | undefined, b: ServicePort[] | undefined): boolean {
  const ports = (xs: ServicePort[] | undefined) => (xs ?? []).map((p) => p?.nodePort ?? 0).join(',');
  return ports(a) === ports(b);
}
