// Chain names exactly as kube-proxy's iptables proxier makes them (pkg/proxy/iptables/proxier.go
// portProtoHash / servicePortEndpointChainName): sha256 of the service port name ("ns/svc:port", or "ns/svc"
// for an unnamed port) plus the lower-case protocol (plus "ip:port" for an endpoint), base32, first 16
// characters. A learner comparing with a real cluster sees the same KUBE-SVC-* names for the same Service.
import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 of the first 10 bytes: exactly the 16 characters Go's StdEncoding starts with. */
function base32Prefix16(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    buffer = (buffer << 8) | bytes[i];
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

// Every sync renders every chain name again; the inputs rarely change, so remember them (bounded).
const memo = new Map<string, string>();
const MEMO_MAX = 200_000;

function hash16(text: string): string {
  let h = memo.get(text);
  if (h === undefined) {
    if (memo.size >= MEMO_MAX) memo.clear();
    h = base32Prefix16(createHash('sha256').update(text).digest());
    memo.set(text, h);
  }
  return h;
}

/** kube-proxy's ServicePortName.String(): "ns/name:port", or "ns/name" when the port has no name. */
export function servicePortName(namespace: string, name: string, port: string | undefined): string {
  return `${namespace}/${name}${port ? `:${port}` : ''}`;
}

export const CHAIN_PREFIX = { svc: 'KUBE-SVC-', svl: 'KUBE-SVL-', ext: 'KUBE-EXT-', fw: 'KUBE-FW-', sep: 'KUBE-SEP-' } as const;

/** The KUBE-SVC/SVL/EXT names of one service port: one hash, three prefixes. `protocol` lower case. */
export function servicePortChains(svcPortName: string, protocol: string): { cluster: string; local: string; external: string } {
  const h = hash16(svcPortName + protocol);
  return { cluster: CHAIN_PREFIX.svc + h, local: CHAIN_PREFIX.svl + h, external: CHAIN_PREFIX.ext + h };
}

/** `protocol` lower case ("tcp"), as kube-proxy hashes it. */
export function clusterPolicyChain(svcPortName: string, protocol: string): string {
  return CHAIN_PREFIX.svc + hash16(svcPortName + protocol);
}

export function localPolicyChain(svcPortName: string, protocol: string): string {
  return CHAIN_PREFIX.svl + hash16(svcPortName + protocol);
}

export function externalChain(svcPortName: string, protocol: string): string {
  return CHAIN_PREFIX.ext + hash16(svcPortName + protocol);
}

/** `endpoint` is "ip:port". */
export function endpointChain(svcPortName: string, protocol: string, endpoint: string): string {
  return CHAIN_PREFIX.sep + hash16(svcPortName + protocol + endpoint);
}

/** Per-service chains kube-proxy deletes when no longer wanted (isServiceChainName). */
export function isServiceChainName(chain: string): boolean {
  return Object.values(CHAIN_PREFIX).some((p) => chain.startsWith(p));
}

/**
 * NetworkPolicy chains (kubelab's own; 12-character prefixes keep names within iptables' 28): per isolated pod
 * and direction (NPI ingress, NPE egress, hashed from "ns/pod"), per policy rule as resolved (NPR) and per
 * ipBlock with exceptions (NPB), both hashed from what they contain, so equal content shares one chain.
 */
export const POLICY_CHAIN_PREFIX = {
  ingress: 'KUBELAB-NPI-',
  egress: 'KUBELAB-NPE-',
  rule: 'KUBELAB-NPR-',
  block: 'KUBELAB-NPB-',
} as const;

export function podPolicyChain(pod: string, direction: 'ingress' | 'egress'): string {
  return POLICY_CHAIN_PREFIX[direction] + hash16(pod);
}

export function policyRuleChain(content: string): string {
  return POLICY_CHAIN_PREFIX.rule + hash16(content);
}

export function policyBlockChain(content: string): string {
  return POLICY_CHAIN_PREFIX.block + hash16(content);
}

/** Chains rendered per object, deleted when no longer wanted: the service proxy's and the policies'. */
export function isDynamicChainName(chain: string): boolean {
  return isServiceChainName(chain) || Object.values(POLICY_CHAIN_PREFIX).some((p) => chain.startsWith(p));
}
