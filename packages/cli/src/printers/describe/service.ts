// describe for Services (kubectl describe.go describeService): addresses, one Port/TargetPort/NodePort/
// Endpoints block per port with the ready endpoints of its EndpointSlices, affinity, traffic policies.
import type { EndpointSlice, Event, Service } from '@kubelab/api';
import { formatLabels } from '@kubelab/api';
import { PrefixWriter } from '../tabwriter';
import { annotationsMultiline, eventsSection, labelsMultiline, type DescribeContext } from './common';

/** formatEndpointSlices: ready addresses `ip:port` of the slices' ports named `portName`, three at most. */
export function formatEndpointSlices(slices: EndpointSlice[] | undefined, portName?: string): string {
  if (!slices?.length) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const s of slices) {
    const ready = (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false);
    if (!s.ports?.length) {
      for (const e of ready)
        for (const a of e.addresses) {
          count++;
          list.push(a);
        }
      continue;
    }
    for (const p of s.ports) {
      if (portName !== undefined && (p.name ?? '') !== portName) continue;
      for (const e of ready)
        for (const a of e.addresses) {
          count++;
          list.push(`${a}:${p.port}`);
        }
    }
  }
  const shown = list.slice(0, 3).join(',');
  return count > 3 ? `${shown} + ${count - 3} more...` : shown;
}

export function describeService(
  svc: Service,
  slices: EndpointSlice[] | undefined,
  events: Event[] | undefined,
  ctx: DescribeContext,
): string {
  const w = new PrefixWriter();
  const spec = svc.spec ?? {};
  w.write(0, `Name:\t${svc.metadata.name}\n`);
  w.write(0, `Namespace:\t${svc.metadata.namespace}\n`);
  labelsMultiline(w, 'Labels', svc.metadata.labels);
  annotationsMultiline(w, 'Annotations', svc.metadata.annotations);
  w.write(0, `Selector:\t${formatLabels(spec.selector)}\n`);
  w.write(0, `Type:\t${spec.type ?? ''}\n`);
  if (spec.ipFamilyPolicy) w.write(0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
  w.write(0, `IP Families:\t${spec.ipFamilies?.length ? spec.ipFamilies.join(',') : '<none>'}\n`);
  w.write(0, `IP:\t${spec.clusterIP ?? ''}\n`);
  w.write(0, `IPs:\t${spec.clusterIPs?.length ? spec.clusterIPs.join(',') : '<none>'}\n`);
  if (spec.externalIPs?.length) w.write(0, `External IPs:\t${spec.externalIPs.join(',')}\n`);
  if (spec.loadBalancerIP) w.write(0, `IP:\t${spec.loadBalancerIP}\n`);
  if (spec.loadBalancerClass) w.write(0, `LoadBalancer Class:\t${spec.loadBalancerClass}\n`);
  // buildIngressString: the address, and its ipMode when set (kubectl 1.30+).
  const ingress = (svc.status?.loadBalancer?.ingress ?? [])
    .filter((i) => i.ip || i.hostname)
    .map((i) => `${i.ip || i.hostname}${i.ipMode ? ` (${i.ipMode})` : ''}`);
  if (ingress.length) w.write(0, `LoadBalancer Ingress:\t${ingress.join(', ')}\n`);
  if (spec.externalName) w.write(0, `External Name:\t${spec.externalName}\n`);
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    const protocol = p.protocol ?? 'TCP';
    w.write(0, `Port:\t${name}\t${p.port}/${protocol}\n`);
    w.write(0, `TargetPort:\t${p.targetPort ?? p.port}/${protocol}\n`);
    if (p.nodePort) w.write(0, `NodePort:\t${name}\t${p.nodePort}/${protocol}\n`);
    w.write(0, `Endpoints:\t${formatEndpointSlices(slices, p.name ?? '')}\n`);
  }
  w.write(0, `Session Affinity:\t${spec.sessionAffinity ?? ''}\n`);
  if (spec.externalTrafficPolicy) w.write(0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
  if (spec.internalTrafficPolicy) w.write(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
  if (spec.healthCheckNodePort) w.write(0, `HealthCheck NodePort:\t${spec.healthCheckNodePort}\n`);
  eventsSection(w, events, ctx);
  return w.toString();
}
