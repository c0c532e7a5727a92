// `kubectl get` columns for Services, Endpoints and EndpointSlices, as kubectl's server-side printers
// define them (kubernetes pkg/printers/internalversion/printers.go: printService, printEndpoints,
// printEndpointSlice).
import type { Endpoints, EndpointSlice, LoadBalancerIngress, Service } from '../services';
import type { KubeObject } from '../types';
import { age } from './cells';
import type { Column } from './columns';

const name: Column = { header: 'NAME', value: (o) => o.metadata.name ?? '' };
const ageColumn: Column = { header: 'AGE', value: age };

/** loadBalancerStatusStringer: IPs or hostnames, cut to 13 characters + "..." past 16 unless wide. */
export function loadBalancerIngress(ingress: LoadBalancerIngress[] | undefined, wide: boolean): string {
  const text = (ingress ?? [])
    .map((i) => i.ip || i.hostname || '')
    .filter(Boolean)
    .join(',');
  return !wide && text.length > 16 ? `${text.slice(0, 13)}...` : text;
}

/** getServiceExternalIP */
export function serviceExternalIP(svc: Service, wide = false): string {
  const external = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(svc.status?.loadBalancer?.ingress, wide);
      const all = [...(lb ? lb.split(',') : []), ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString: `80:30080/TCP,53/UDP`. */
export function servicePorts(svc: Service): string {
  return (svc.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

/** labels.FormatLabels of a plain selector map: keys sorted, `<none>` when empty. */
export function formatLabels(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}

const svc = (o: KubeObject): Service => o as Service;

export const serviceColumns: Column[] = [
  name,
  { header: 'TYPE', value: (o) => svc(o).spec?.type ?? '' },
  { header: 'CLUSTER-IP', value: (o) => svc(o).spec?.clusterIPs?.[0] ?? svc(o).spec?.clusterIP ?? '<none>' },
  { header: 'EXTERNAL-IP', value: (o) => serviceExternalIP(svc(o)) },
  { header: 'PORT(S)', value: (o) => servicePorts(svc(o)) || '<none>' },
  ageColumn,
  { header: 'SELECTOR', value: (o) => formatLabels(svc(o).spec?.selector), wide: true },
];

/** A list of at most three items, then ` + N more...` (kubectl's max of 3). */
function listWithMore(list: string[], count: number, max = 3): string {
  const shown = list.slice(0, max).join(',');
  return count > max ? `${shown} + ${count - max} more...` : shown;
}

/** formatEndpoints: ready `ip:port` pairs of every subset and port, three at most; `<none>` without subsets. */
export function formatEndpoints(ep: Endpoints, portNames?: Set<string>): string {
  if (!ep.subsets?.length) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const ss of ep.subsets) {
    const addrs = ss.addresses ?? [];
    if (!ss.ports?.length) {
      // Headless Services may have no ports.
      count += addrs.length;
      for (const a of addrs) list.push(a.ip);
      continue;
    }
    for (const p of ss.ports) {
      if (portNames && !portNames.has(p.name ?? '')) continue;
      count += addrs.length;
      for (const a of addrs) list.push(`${a.ip}:${p.port}`);
    }
  }
  return listWithMore(list, count);
}

/** listWithMoreString of the slice printers: `<unset>` when empty. */
function unsetWhenEmpty(list: string[], count: number): string {
  return listWithMore(list, count) || '<unset>';
}

export function formatSlicePorts(slice: EndpointSlice): string {
  const ports = slice.ports ?? [];
  return unsetWhenEmpty(
    ports.map((p) => (p.port !== undefined ? String(p.port) : p.name !== undefined ? p.name : '*')),
    ports.length,
  );
}

export function formatSliceEndpoints(slice: EndpointSlice): string {
  const addrs = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return unsetWhenEmpty(addrs, addrs.length);
}

export const endpointsColumns: Column[] = [
  name,
  // Only not-ready addresses: kubectl prints an empty cell.
  { header: 'ENDPOINTS', value: (o) => formatEndpoints(o as Endpoints), allowEmpty: true },
  ageColumn,
];

export const endpointSliceColumns: Column[] = [
  name,
  { header: 'ADDRESSTYPE', name: 'AddressType', value: (o) => (o as EndpointSlice).addressType ?? '' },
  { header: 'PORTS', value: (o) => formatSlicePorts(o as EndpointSlice) },
  { header: 'ENDPOINTS', value: (o) => formatSliceEndpoints(o as EndpointSlice) },
  ageColumn,
];
