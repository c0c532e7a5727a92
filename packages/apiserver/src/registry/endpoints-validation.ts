// Endpoints (core/v1) and EndpointSlice (discovery.k8s.io/v1) validation with kube-apiserver's wording
// (pkg/apis/core/validation ValidateEndpoints, pkg/apis/discovery/validation ValidateEndpointSlice).
import { dns1123Label, field, isIPv4, type FieldError } from '@kubelab/api';
import { isObject, isPortNumber, portRange } from './field-errors';

const protocols = ['SCTP', 'TCP', 'UDP'];
const addressTypes = ['FQDN', 'IPv4', 'IPv6'];
const validIP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

function validatePorts(ports: unknown, at: string, nameRequired: boolean, portRequired: boolean): FieldError[] {
  if (ports === undefined || ports === null) return [];
  if (!Array.isArray(ports)) return [field.invalid(at, ports, 'must be a list of ports')];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pa = `${at}[${i}]`;
    if (!isObject(p)) {
      errs.push(field.invalid(pa, p, 'must be a port'));
      return;
    }
    const name = typeof p.name === 'string' ? p.name : '';
    if (nameRequired && !name) errs.push(field.required(`${pa}.name`));
    else if (name) {
      for (const m of dns1123Label(name)) errs.push(field.invalid(`${pa}.name`, name, m));
      if (names.has(name)) errs.push(field.duplicate(`${pa}.name`, name));
      names.add(name);
    }
    if ((portRequired || p.port !== undefined) && !isPortNumber(p.port)) errs.push(field.invalid(`${pa}.port`, p.port ?? 0, portRange));
    if (p.protocol === undefined) {
      if (portRequired) errs.push(field.required(`${pa}.protocol`));
    } else if (!protocols.includes(String(p.protocol))) errs.push(field.notSupported(`${pa}.protocol`, p.protocol, protocols));
  });
  return errs;
}

function defaultProtocols(ports: unknown): void {
  if (Array.isArray(ports)) for (const p of ports) if (isObject(p)) p.protocol ??= 'TCP';
}

/** SetDefaults_EndpointPort / SetDefaults_EndpointSlice: ports default to TCP. */
export function defaultEndpoints(obj: Record<string, unknown>): void {
  if (Array.isArray(obj.subsets)) for (const s of obj.subsets) if (isObject(s)) defaultProtocols(s.ports);
}

export function defaultEndpointSlice(obj: Record<string, unknown>): void {
  defaultProtocols(obj.ports);
}

export function validateEndpoints(obj: Record<string, unknown>): FieldError[] {
  const subsets = obj.subsets;
  if (subsets === undefined || subsets === null) return [];
  if (!Array.isArray(subsets)) return [field.invalid('subsets', subsets, 'must be a list of subsets')];
  const errs: FieldError[] = [];
  subsets.forEach((s, i) => {
    const at = `subsets[${i}]`;
    if (!isObject(s)) {
      errs.push(field.invalid(at, s, 'must be a subset'));
      return;
    }
    const addresses = [
      ...(Array.isArray(s.addresses) ? s.addresses.map((a, j) => [a, `${at}.addresses[${j}]`] as const) : []),
      ...(Array.isArray(s.notReadyAddresses) ? s.notReadyAddresses.map((a, j) => [a, `${at}.notReadyAddresses[${j}]`] as const) : []),
    ];
    if (!addresses.length) errs.push(field.required(at, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [a, aa] of addresses) {
      const ip = isObject(a) ? a.ip : undefined;
      if (!isIPv4(String(ip ?? ''))) errs.push(field.invalid(`${aa}.ip`, ip ?? '', validIP));
      if (isObject(a) && typeof a.hostname === 'string' && a.hostname)
        for (const m of dns1123Label(a.hostname)) errs.push(field.invalid(`${aa}.hostname`, a.hostname, m));
    }
    const ports = Array.isArray(s.ports) ? s.ports : [];
    errs.push(...validatePorts(s.ports, `${at}.ports`, ports.length > 1, true));
  });
  return errs;
}

export function validateEndpointSlice(obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const type = obj.addressType;
  if (!type) errs.push(field.required('addressType'));
  else if (!addressTypes.includes(String(type))) errs.push(field.notSupported('addressType', type, addressTypes));
  const endpoints = obj.endpoints;
  if (endpoints === undefined || endpoints === null) {
    // A placeholder slice has none.
  } else if (!Array.isArray(endpoints)) errs.push(field.invalid('endpoints', endpoints, 'must be a list of endpoints'));
  else {
    if (endpoints.length > 1000) errs.push(field.invalid('endpoints', endpoints.length, 'must have at most 1000 items'));
    endpoints.forEach((e, i) => {
      const at = `endpoints[${i}]`;
      if (!isObject(e)) {
        errs.push(field.invalid(at, e, 'must be an endpoint'));
        return;
      }
      const addrs = Array.isArray(e.addresses) ? e.addresses : [];
      if (!addrs.length) errs.push(field.required(`${at}.addresses`, 'must contain at least 1 address'));
      else if (addrs.length > 100) errs.push(field.invalid(`${at}.addresses`, addrs.length, 'must have at most 100 items'));
      addrs.forEach((a, j) => {
        if (type === 'IPv4' && !isIPv4(String(a))) errs.push(field.invalid(`${at}.addresses[${j}]`, a, 'must be a valid IPv4 address'));
      });
      if (typeof e.hostname === 'string' && e.hostname)
        for (const m of dns1123Label(e.hostname)) errs.push(field.invalid(`${at}.hostname`, e.hostname, m));
    });
  }
  errs.push(...validatePorts(obj.ports, 'ports', false, false));
  return errs;
}
