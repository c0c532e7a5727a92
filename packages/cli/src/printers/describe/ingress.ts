// describe for Ingresses (kubectl describe.go describeIngressV1): address, class, default backend, TLS, and
// one line per path with its backend `svc:port (endpoints)` from the Service's EndpointSlices.
import type { EndpointSlice, Event, Ingress, IngressBackend, Service } from '@kubelab/api';
import { loadBalancerIngress } from '@kubelab/api';
import { PrefixWriter } from '../tabwriter';
import { annotationsMultiline, eventsSection, labelsMultiline, type DescribeContext } from './common';
import { formatEndpointSlices } from './service';

export interface IngressRelated {
  /** The Services of the Ingress's namespace. */
  services?: Service[];
  /** The EndpointSlices of the Ingress's namespace. */
  endpointSlices?: EndpointSlice[];
}

/** describeBackendV1 */
export function describeIngressBackend(b: IngressBackend | undefined, rel: IngressRelated): string {
  if (b?.service) {
    const port = b.service.port?.number ? String(b.service.port.number) : (b.service.port?.name ?? '');
    const sb = `${b.service.name}:${port}`;
    const svc = rel.services?.find((s) => s.metadata.name === b.service?.name);
    if (!svc) return `${sb} (<error: services "${b.service.name}" not found>)`;
    let spName = '';
    for (const sp of svc.spec?.ports ?? []) {
      if (b.service.port?.number && b.service.port.number === sp.port) spName = sp.name ?? '';
      else if (b.service.port?.name && b.service.port.name === sp.name) spName = sp.name ?? '';
    }
    const slices = (rel.endpointSlices ?? []).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === b.service?.name);
    return `${sb} (${formatEndpointSlices(slices, spName)})`;
  }
  if (b?.resource) return `APIGroup: ${b.resource.apiGroup ?? '<none>'}, Kind: ${b.resource.kind}, Name: ${b.resource.name}`;
  return '';
}

export function describeIngress(ing: Ingress, rel: IngressRelated, events: Event[] | undefined, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  const spec = ing.spec ?? {};
  w.write(0, `Name:\t${ing.metadata.name}\n`);
  labelsMultiline(w, 'Labels', ing.metadata.labels);
  w.write(0, `Namespace:\t${ing.metadata.namespace}\n`);
  w.write(0, `Address:\t${loadBalancerIngress(ing.status?.loadBalancer?.ingress, true)}\n`);
  w.write(0, `Ingress Class:\t${spec.ingressClassName ?? '<none>'}\n`);
  w.write(0, `Default backend:\t${spec.defaultBackend ? describeIngressBackend(spec.defaultBackend, rel) : '<default>'}\n`);
  if (spec.tls?.length) {
    w.write(0, 'TLS:\n');
    for (const t of spec.tls) {
      const hosts = (t.hosts ?? []).join(',');
      w.write(1, t.secretName ? `${t.secretName} terminates ${hosts}\n` : `SNI routes ${hosts}\n`);
    }
  }
  w.write(0, 'Rules:\n  Host\tPath\tBackends\n');
  w.write(1, '----\t----\t--------\n');
  let count = 0;
  for (const r of spec.rules ?? []) {
    if (!r.http) continue;
    count++;
    w.write(1, `${r.host || '*'}\t\n`);
    for (const p of r.http.paths ?? []) w.write(2, `\t${p.path ?? ''} \t${describeIngressBackend(p.backend, rel)}\n`);
  }
  if (count === 0) w.write(1, `*\t*\t${describeIngressBackend(spec.defaultBackend, rel)}\n`);
  annotationsMultiline(w, 'Annotations', ing.metadata.annotations);
  eventsSection(w, events, ctx);
  return w.toString();
}
