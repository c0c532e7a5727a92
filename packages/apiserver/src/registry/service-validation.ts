// Service validation with kube-apiserver's wording (pkg/apis/core/validation ValidateService /
// ValidateServiceUpdate). Endpoints and EndpointSlices are endpoints-validation.ts; allocation errors
// (taken or out-of-range ClusterIPs and NodePorts) live in services/service-allocations.ts.
import {
  dns1123Label,
  dns1123Subdomain,
  field,
  isIPv4,
  qualifiedName,
  tryParseCidr,
  validateLabels,
  type FieldError,
  type Service,
} from '@kubelab/api';
import { isIP } from 'node:net';
import { isObject, isPortNumber, portNameErrors, portRange } from './field-errors';
import { isRecord } from './service-defaults';

const protocols = ['SCTP', 'TCP', 'UDP'];
const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const validIP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
/** core.MaxClientIPServiceAffinitySeconds */
const maxAffinitySeconds = 86400;
/** ports.KubeletPort: clouds over-open firewalls for LoadBalancer ports. */
const kubeletPort = 10250;

const dns1035Re = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Message =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

const isHeadless = (svc: Service): boolean => svc.spec.clusterIP === 'None' || svc.spec.clusterIPs?.[0] === 'None';
const externallyAccessible = (svc: Service): boolean =>
  svc.spec.type === 'LoadBalancer' || svc.spec.type === 'NodePort' || (svc.spec.type === 'ClusterIP' && !!svc.spec.externalIPs?.length);

/** Good enough to tell an IPv6 address (refused: the cluster is single-stack IPv4) from garbage. */
const isIPv6 = (ip: string): boolean => ip.includes(':') && isIP(ip) === 6;

/** Service names are DNS-1035 labels (they become environment variable names and DNS names). */
export function validateServiceName(name: string | undefined): FieldError[] {
  if (!name || dns1035Re.test(name) || name.length > 63) return [];
  // The generic metadata check already reported what is not even a DNS-1123 label.
  if (dns1123Label(name).length) return [];
  return [field.invalid('metadata.name', name, dns1035Message)];
}

export function validateService(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  if (!isRecord(svc.spec)) return [field.required('spec')];
  const spec = svc.spec;
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  if (spec.ports !== undefined && !Array.isArray(spec.ports)) errs.push(field.invalid('spec.ports', spec.ports, 'must be a list of ports'));
  if (ports.length === 0 && !isHeadless(svc) && spec.type !== 'ExternalName') errs.push(field.required('spec.ports'));

  switch (spec.type) {
    case 'LoadBalancer':
      if (isHeadless(svc))
        errs.push(field.invalid('spec.clusterIPs[0]', spec.clusterIPs?.[0], "may not be set to 'None' for LoadBalancer services"));
      ports.forEach((p, i) => {
        if (p?.port === kubeletPort)
          errs.push(field.invalid(`spec.ports[${i}]`, p.port, `may not expose port ${kubeletPort} externally since it is used by kubelet`));
      });
      break;
    case 'NodePort':
      if (isHeadless(svc))
        errs.push(field.invalid('spec.clusterIPs[0]', spec.clusterIPs?.[0], "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if (spec.clusterIPs?.length || spec.clusterIP)
        errs.push(field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (spec.ipFamilies?.length) errs.push(field.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy) errs.push(field.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      // A trailing dot marks the name fully qualified.
      const cname = typeof spec.externalName === 'string' ? spec.externalName.replace(/\.$/, '') : '';
      if (cname) for (const m of dns1123Subdomain(cname)) errs.push(field.invalid('spec.externalName', cname, m));
      else errs.push(field.required('spec.externalName'));
      break;
    }
  }

  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, `spec.ports[${i}]`)));

  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  if (!spec.sessionAffinity) errs.push(field.required('spec.sessionAffinity'));
  else if (spec.sessionAffinity !== 'ClientIP' && spec.sessionAffinity !== 'None')
    errs.push(field.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  if (spec.sessionAffinity === 'ClientIP') errs.push(...validateClientIPAffinity(spec.sessionAffinityConfig));
  else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig)
    errs.push(field.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));

  errs.push(...validateClusterIPs(svc));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isIPv4(String(ip))) errs.push(field.invalid(`spec.externalIPs[${i}]`, ip, validIP));
  });

  // The capital L is kube-apiserver's own (a historical slip it keeps for compatibility).
  if (spec.loadBalancerSourceRanges?.length) {
    if (spec.type !== 'LoadBalancer')
      errs.push(field.forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    spec.loadBalancerSourceRanges.forEach((r, i) => {
      const v = String(r).trim();
      if (!tryParseCidr(v))
        errs.push(
          field.invalid(`spec.LoadBalancerSourceRanges[${i}]`, v, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'),
        );
    });
  }
  if (!spec.type) errs.push(field.required('spec.type'));
  else if (!serviceTypes.includes(spec.type)) errs.push(field.notSupported('spec.type', spec.type, serviceTypes));

  if (spec.type === 'ClusterIP')
    ports.forEach((p, i) => {
      if (p?.nodePort) errs.push(field.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  const nodePorts = new Set<string>();
  const servicePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!isObject(p)) return;
    if (p.nodePort) {
      const k = `${p.protocol}/${p.nodePort}`;
      if (nodePorts.has(k)) errs.push(field.duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
      nodePorts.add(k);
    }
    const k = `${p.protocol}/${p.port}`;
    if (servicePorts.has(k)) errs.push(field.duplicate(`spec.ports[${i}]`, { port: p.port, protocol: p.protocol }));
    servicePorts.add(k);
  });

  errs.push(...validateTrafficPolicies(svc));
  return errs;
}

function validateServicePort(p: unknown, requireName: boolean, names: Set<string>, at: string): FieldError[] {
  if (!isObject(p)) return [field.invalid(at, p, 'must be a service port')];
  const errs: FieldError[] = [];
  const name = typeof p.name === 'string' ? p.name : '';
  if (requireName && !name) errs.push(field.required(`${at}.name`));
  else if (name) {
    for (const m of dns1123Label(name)) errs.push(field.invalid(`${at}.name`, name, m));
    if (names.has(name)) errs.push(field.duplicate(`${at}.name`, name));
    names.add(name);
  }
  if (!isPortNumber(p.port)) errs.push(field.invalid(`${at}.port`, p.port ?? 0, portRange));
  if (!p.protocol) errs.push(field.required(`${at}.protocol`));
  else if (!protocols.includes(String(p.protocol))) errs.push(field.notSupported(`${at}.protocol`, p.protocol, protocols));
  if (typeof p.targetPort === 'number') {
    if (!isPortNumber(p.targetPort)) errs.push(field.invalid(`${at}.targetPort`, p.targetPort, portRange));
  } else if (typeof p.targetPort === 'string') {
    for (const m of portNameErrors(p.targetPort)) errs.push(field.invalid(`${at}.targetPort`, p.targetPort, m));
  } else if (p.targetPort !== undefined) errs.push(field.invalid(`${at}.targetPort`, p.targetPort, 'must be a port number or name'));
  if (p.nodePort !== undefined && p.nodePort !== 0 && !isPortNumber(p.nodePort))
    errs.push(field.invalid(`${at}.nodePort`, p.nodePort, portRange));
  if (typeof p.appProtocol === 'string')
    for (const m of qualifiedName(p.appProtocol)) errs.push(field.invalid(`${at}.appProtocol`, p.appProtocol, m));
  return errs;
}

function validateClientIPAffinity(config: Service['spec']['sessionAffinityConfig']): FieldError[] {
  const why = 'when session affinity type is ClientIP';
  if (!isObject(config)) return [field.required('spec.sessionAffinityConfig', why)];
  if (!isObject(config.clientIP)) return [field.required('spec.sessionAffinityConfig.clientIP', why)];
  const t = config.clientIP.timeoutSeconds;
  if (t === undefined || t === null) return [field.required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', why)];
  if (typeof t !== 'number' || !Number.isInteger(t) || t <= 0 || t > maxAffinitySeconds)
    return [
      field.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, `must be greater than 0 and less than ${maxAffinitySeconds}`),
    ];
  return [];
}

/** ValidateServiceClusterIPsRelatedFields, single-stack IPv4. */
function validateClusterIPs(svc: Service): FieldError[] {
  const spec = svc.spec;
  const errs: FieldError[] = [];
  const ips = spec.clusterIPs ?? [];
  if (!Array.isArray(ips)) return [field.invalid('spec.clusterIPs', ips, 'must be a list of IP addresses')];
  if (!spec.clusterIP && ips.length) errs.push(field.invalid('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  else if (spec.clusterIP && ips.length && ips[0] !== spec.clusterIP)
    errs.push(field.invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  if (ips.length > 1) errs.push(field.invalid('spec.clusterIPs', ips, 'may only hold up to 1 values'));
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') return;
    if (ip === 'None') errs.push(field.invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
    else if (isIPv6(String(ip))) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ips, 'IPv6 is not configured on this cluster'));
    else if (!isIPv4(String(ip))) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ip, validIP));
  });
  if (spec.ipFamilyPolicy !== undefined && !['SingleStack', 'PreferDualStack', 'RequireDualStack'].includes(spec.ipFamilyPolicy))
    errs.push(field.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  if (spec.ipFamilyPolicy === 'RequireDualStack')
    errs.push(field.invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (f === 'IPv6') errs.push(field.invalid(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
    else if (f !== 'IPv4') errs.push(field.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
  });
  return errs;
}

function validateTrafficPolicies(svc: Service): FieldError[] {
  const spec = svc.spec;
  const errs: FieldError[] = [];
  const etp = spec.externalTrafficPolicy;
  if (!externallyAccessible(svc)) {
    if (etp) errs.push(field.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) errs.push(field.required('spec.externalTrafficPolicy'));
  else if (etp !== 'Cluster' && etp !== 'Local') errs.push(field.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  const needsHealthCheck = spec.type === 'LoadBalancer' && etp === 'Local';
  if (!needsHealthCheck && spec.healthCheckNodePort)
    errs.push(
      field.invalid(
        'spec.healthCheckNodePort',
        spec.healthCheckNodePort,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined) {
    if (spec.type !== 'ExternalName') errs.push(field.required('spec.internalTrafficPolicy'));
  } else if (itp !== 'Cluster' && itp !== 'Local') errs.push(field.notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  return errs;
}

/** validateUpgradeDowngradeClusterIPs, then the create rules. */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs: FieldError[] = [];
  if (isRecord(svc.spec) && isRecord(old.spec) && svc.spec.type !== 'ExternalName' && old.spec.type !== 'ExternalName') {
    const now = svc.spec.clusterIPs ?? [];
    const was = old.spec.clusterIPs ?? [];
    if (!(isHeadless(svc) && isHeadless(old))) {
      if (was.length && !now.length) errs.push(field.invalid('spec.clusterIPs[0]', now, 'primary clusterIP can not be unset'));
      else
        was.forEach((ip, i) => {
          if (i < now.length && now[i] !== ip) errs.push(field.invalid(`spec.clusterIPs[${i}]`, now, 'may not change once set'));
        });
    }
  }
  return [...errs, ...validateService(svc)];
}

/** Fields allocation reads: with errors there, nothing is allocated (the object is refused anyway). */
export function blocksAllocation(errs: FieldError[]): boolean {
  return errs.some((e) => /^spec(\.(clusterIPs?(\[\d+\])?|type|ports(\[\d+\])?(\.(port|nodePort))?|healthCheckNodePort))?$/.test(e.field));
}
