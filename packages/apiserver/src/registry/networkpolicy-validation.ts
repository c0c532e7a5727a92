// NetworkPolicy validation as kube-apiserver does it (pkg/apis/networking/validation ValidateNetworkPolicySpec,
// ValidateNetworkPolicyPort, ValidateNetworkPolicyPeer, ValidateIPBlock; apimachinery ValidateLabelSelector and
// IsValidCIDRForLegacyField), with Kubernetes' paths and wording, and the CIDR warnings its strategy returns
// (GetWarningsForCIDR). kubelab serves v1.33, where StrictIPCIDRValidation is off: CIDRs parse "sloppily".
import { isIPv4, isIPv6 } from 'node:net';
import { field, labelValue, qualifiedName, validateLabels, type FieldError } from '@kubelab/api';
import { isObject, moreField, portNameErrors, portRange } from './field-errors';

const protocols = ['TCP', 'UDP', 'SCTP'];
const policyTypes = ['Ingress', 'Egress'];
const cidrMessage = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** apimachinery ValidateLabelSelector: matchLabels as labels; each expression's operator, key and values. */
export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  if (sel === undefined || sel === null) return [];
  if (!isObject(sel)) return [field.invalid(path, sel, 'must be a label selector')];
  const errs = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  list(sel.matchExpressions).forEach((e, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    const x = isObject(e) ? e : {};
    const values = list(x.values);
    if (x.operator === 'In' || x.operator === 'NotIn') {
      if (values.length === 0)
        errs.push(field.required(`${at}.values`, "Required value: must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (x.operator === 'Exists' || x.operator === 'DoesNotExist') {
      if (values.length > 0)
        errs.push(field.forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else errs.push(field.invalid(`${at}.operator`, x.operator ?? '', 'not a valid selector operator'));
    for (const m of qualifiedName(String(x.key ?? ''))) errs.push(field.invalid(`${at}.key`, x.key ?? '', m));
    values.forEach((v, j) => {
      for (const m of labelValue(String(v))) errs.push(field.invalid(`${at}.values[${j}]`, v, m));
    });
  });
  return errs;
}

export interface ParsedCidr {
  /** The address bits (IPv4 as 32, IPv6 as 128), masked to the prefix. */
  network: bigint;
  /** The address as written, unmasked. */
  address: bigint;
  bits: 32 | 128;
  prefix: number;
}

function ipv4Bits(text: string): bigint | undefined {
  // netutils.ParseIPSloppy: leading zeros are tolerated (and ignored) in each octet.
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}

function ipv6Bits(text: string): bigint | undefined {
  if (!isIPv6(text)) return undefined;
  let head = text;
  let v4Tail: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4Tail = ipv4Bits(text.slice(lastColon + 1));
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  let n = groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || '0', 16)), 0n);
  if (v4Tail !== undefined) n = (n & ~0xffffffffn) | v4Tail;
  return n;
}

/** netutils.ParseCIDRSloppy: an IPv4 or IPv6 address and a prefix length (leading zeros allowed). */
export function parseCidrSloppy(text: string): ParsedCidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const v4 = isIPv4(m[1]) || /^[\d.]+$/.test(m[1]) ? ipv4Bits(m[1]) : undefined;
  const bits = v4 !== undefined ? 32 : 128;
  const address = v4 ?? ipv6Bits(m[1]);
  const prefix = Number(m[2]);
  if (address === undefined || prefix > bits) return undefined;
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
  return { network: address & mask, address, bits, prefix };
}

function cidrErrors(path: string, value: unknown): { errs: FieldError[]; cidr?: ParsedCidr } {
  const cidr = typeof value === 'string' ? parseCidrSloppy(value) : undefined;
  return cidr ? { errs: [], cidr } : { errs: [field.invalid(path, value, cidrMessage)] };
}

/** ValidateIPBlock: cidr required and valid; each except valid and a strict subset of cidr. */
export function validateIPBlock(ipb: unknown, path: string): FieldError[] {
  const b = isObject(ipb) ? ipb : {};
  if (b.cidr === undefined || b.cidr === null || b.cidr === '') return [field.required(`${path}.cidr`)];
  const { errs, cidr } = cidrErrors(`${path}.cidr`, b.cidr);
  if (!cidr) return errs;
  list(b.except).forEach((ex, i) => {
    const at = `${path}.except[${i}]`;
    const r = cidrErrors(at, ex);
    errs.push(...r.errs);
    if (!r.cidr) return;
    const mask = ((1n << BigInt(cidr.bits)) - 1n) ^ ((1n << BigInt(cidr.bits - cidr.prefix)) - 1n);
    const contains = r.cidr.bits === cidr.bits && (r.cidr.network & mask) === cidr.network;
    if (!contains || cidr.prefix >= r.cidr.prefix) errs.push(field.invalid(at, ex, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

/** ValidateNetworkPolicyPort (after defaulting, so protocol is set unless the client sent null). */
export function validateNetworkPolicyPort(port: unknown, path: string): FieldError[] {
  const p = isObject(port) ? port : {};
  const errs: FieldError[] = [];
  if (p.protocol !== undefined && p.protocol !== null && !protocols.includes(p.protocol as string))
    errs.push(field.notSupported(`${path}.protocol`, p.protocol, protocols));
  const end = p.endPort;
  const hasEnd = end !== undefined && end !== null;
  if (p.port !== undefined && p.port !== null) {
    if (typeof p.port === 'number') {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) errs.push(field.invalid(`${path}.port`, p.port, portRange));
      if (hasEnd) {
        if (typeof end !== 'number' || end < p.port)
          errs.push(field.invalid(`${path}.endPort`, end, 'must be greater than or equal to `port`'));
        if (typeof end !== 'number' || !Number.isInteger(end) || end < 1 || end > 65535)
          errs.push(field.invalid(`${path}.endPort`, end, portRange));
      }
    } else {
      if (hasEnd) errs.push(field.invalid(`${path}.endPort`, end, 'may not be specified when `port` is non-numeric'));
      for (const m of portNameErrors(String(p.port))) errs.push(field.invalid(`${path}.port`, p.port, m));
    }
  } else if (hasEnd) errs.push(field.invalid(`${path}.endPort`, end, 'may not be specified when `port` is not specified'));
  return errs;
}

/** ValidateNetworkPolicyPeer: at least one of podSelector, namespaceSelector, ipBlock; ipBlock alone. */
export function validateNetworkPolicyPeer(peer: unknown, path: string): FieldError[] {
  const p = isObject(peer) ? peer : {};
  const errs: FieldError[] = [];
  let n = 0;
  const has = (k: string) => p[k] !== undefined && p[k] !== null;
  if (has('podSelector')) {
    n++;
    errs.push(...validateLabelSelector(p.podSelector, `${path}.podSelector`));
  }
  if (has('namespaceSelector')) {
    n++;
    errs.push(...validateLabelSelector(p.namespaceSelector, `${path}.namespaceSelector`));
  }
  if (has('ipBlock')) {
    n++;
    errs.push(...validateIPBlock(p.ipBlock, `${path}.ipBlock`));
  }
  if (n === 0) errs.push(field.required(path, 'Required value: must specify a peer'));
  else if (n > 1 && has('ipBlock')) errs.push(field.forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** Go's %#v of a []networking.PolicyType, as field.Invalid prints the policyTypes list. */
function goPolicyTypes(v: unknown[]): string {
  return `[]networking.PolicyType{${v.map((x) => JSON.stringify(String(x))).join(', ')}}`;
}

/** ValidateNetworkPolicySpec. */
export function validateNetworkPolicySpec(spec: unknown): FieldError[] {
  if (!isObject(spec)) return spec === undefined ? [] : [field.invalid('spec', spec, 'must be an object')];
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  const rules = (kind: 'ingress' | 'egress', peers: 'from' | 'to') =>
    list(spec[kind]).forEach((rule, i) => {
      const at = `spec.${kind}[${i}]`;
      const r = isObject(rule) ? rule : {};
      list(r.ports).forEach((p, j) => errs.push(...validateNetworkPolicyPort(p, `${at}.ports[${j}]`)));
      list(r[peers]).forEach((p, j) => errs.push(...validateNetworkPolicyPeer(p, `${at}.${peers}[${j}]`)));
    });
  rules('ingress', 'from');
  rules('egress', 'to');
  const types = list(spec.policyTypes);
  if (types.length > policyTypes.length) {
    errs.push(moreField.invalidRaw('spec.policyTypes', goPolicyTypes(types), 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (!policyTypes.includes(t as string)) errs.push(field.notSupported(`spec.policyTypes[${i}]`, t, policyTypes));
  });
  return errs;
}

/** GetWarningsForCIDR for every ipBlock CIDR: host bits set ("ambiguous") or non-standard forms. */
export function networkPolicyWarnings(spec: unknown): string[] {
  if (!isObject(spec)) return [];
  const out: string[] = [];
  const check = (path: string, value: unknown) => {
    if (typeof value !== 'string') return;
    const c = parseCidrSloppy(value);
    if (!c) return;
    const [ip] = value.split('/');
    if (c.address !== c.network) {
      const net = formatCidr(c.network, c.bits, c.prefix);
      out.push(
        `${path}: CIDR value ${JSON.stringify(value)} is ambiguous in this context (should be ${JSON.stringify(net)} or ${JSON.stringify(`${ip}/${c.bits}`)}?)`,
      );
    } else if (c.bits === 32 && /(^|\.)0\d/.test(ip)) {
      out.push(
        `${path}: non-standard CIDR value ${JSON.stringify(value)} will be considered invalid in a future Kubernetes release: use ${JSON.stringify(formatCidr(c.network, 32, c.prefix))}`,
      );
    }
  };
  for (const [kind, peers] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const)
    list(spec[kind]).forEach((rule, i) =>
      list(isObject(rule) ? rule[peers] : undefined).forEach((peer, j) => {
        const b = isObject(peer) && isObject(peer.ipBlock) ? peer.ipBlock : undefined;
        if (!b) return;
        const at = `spec.${kind}[${i}].${peers}[${j}].ipBlock`;
        check(`${at}.cidr`, b.cidr);
        list(b.except).forEach((ex, k) => check(`${at}.except[${k}]`, ex));
      }),
    );
  return out;
}

function formatCidr(n: bigint, bits: 32 | 128, prefix: number): string {
  if (bits === 32) return `${[24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.')}/${prefix}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return `${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}/${prefix}`;
}
