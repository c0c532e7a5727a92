// The service proxy's rules, the way kube-proxy's iptables proxier writes them (pkg/proxy/iptables/proxier.go
// syncProxyRules and writeServiceToEndpointRules; pkg/proxy/topology.go CategorizeEndpoints): nat
// KUBE-SERVICES -> KUBE-SVC/KUBE-SVL/KUBE-EXT -> KUBE-SEP (DNAT), KUBE-NODEPORTS, KUBE-MARK-MASQ and
// KUBE-POSTROUTING (0x4000); filter KUBE-SERVICES / KUBE-EXTERNAL-SERVICES rejecting ports without endpoints.
// Pure. A difference from kube-proxy, on purpose: any other address in the service CIDR is rejected.
import type { ProxyEndpoint, ServicePortModel } from './model';
import { comment, type TableBuffer } from './table-buffer';

export const MASQ_MARK = '0x4000';
export const CHAINS = {
  services: 'KUBE-SERVICES',
  externalServices: 'KUBE-EXTERNAL-SERVICES',
  nodePorts: 'KUBE-NODEPORTS',
  postrouting: 'KUBE-POSTROUTING',
  markMasq: 'KUBE-MARK-MASQ',
  forward: 'KUBE-FORWARD',
} as const;

const probabilities: string[] = [];
/** 1/n with 10 decimals, as Go's %0.10f prints it (kube-proxy computeProbability). */
export function probability(n: number): string {
  return (probabilities[n] ??= (1 / n).toFixed(10));
}

interface Categorized {
  cluster: ProxyEndpoint[];
  local: ProxyEndpoint[];
  reachable: ProxyEndpoint[];
  hasAny: boolean;
}

function usesClusterEndpoints(s: ServicePortModel): boolean {
  return !s.internalPolicyLocal || externallyAccessible(s);
}

function usesLocalEndpoints(s: ServicePortModel): boolean {
  return s.internalPolicyLocal || s.externalPolicyLocal;
}

function externallyAccessible(s: ServicePortModel): boolean {
  return s.nodePort !== 0 || s.loadBalancerIPs.length > 0 || s.externalIPs.length > 0;
}

/** kube-proxy CategorizeEndpoints without topology hints: ready ones, else serving-and-terminating ones. */
export function categorizeEndpoints(s: ServicePortModel): Categorized {
  const eps = s.endpoints;
  let cluster: ProxyEndpoint[] = [];
  let hasAny = false;
  if (usesClusterEndpoints(s)) {
    cluster = eps.filter((e) => e.ready);
    if (cluster.length === 0) cluster = eps.filter((e) => e.serving && e.terminating);
    hasAny = cluster.length > 0;
  }
  if (!usesLocalEndpoints(s)) return { cluster, local: [], reachable: cluster, hasAny };
  let localReady = false;
  let localServingTerminating = false;
  for (const e of eps) {
    if (e.ready) {
      hasAny = true;
      if (e.local) localReady = true;
    } else if (e.serving && e.terminating) {
      hasAny = true;
      if (e.local) localServingTerminating = true;
    }
  }
  let local: ProxyEndpoint[] = [];
  if (localReady) local = eps.filter((e) => e.local && e.ready);
  else if (localServingTerminating) local = eps.filter((e) => e.local && e.serving && e.terminating);
  if (!usesClusterEndpoints(s)) return { cluster, local, reachable: local, hasAny };
  const inCluster = new Set(cluster.map((e) => e.address));
  const reachable = [...cluster, ...local.filter((e) => !inCluster.has(e.address))];
  return { cluster, local, reachable, hasAny };
}

/** The fixed chains and rules of both tables that do not depend on any Service. */
export function writeProxyBase(nat: TableBuffer, filter: TableBuffer): void {
  for (const c of [CHAINS.services, CHAINS.externalServices, CHAINS.forward, CHAINS.nodePorts]) filter.chain(c);
  for (const c of [CHAINS.services, CHAINS.nodePorts, CHAINS.postrouting, CHAINS.markMasq]) nat.chain(c);
  nat.rule(CHAINS.postrouting, `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  // Clear the mark so a packet that re-traverses the stack is not masqueraded twice.
  nat.rule(CHAINS.postrouting, `-j MARK --xor-mark ${MASQ_MARK}`);
  nat.rule(CHAINS.postrouting, `${comment('kubernetes service traffic requiring SNAT')} -j MASQUERADE --random-fully`);
  nat.rule(CHAINS.markMasq, `-j MARK --or-mark ${MASQ_MARK}`);
}

/**
 * kube-proxy's largeClusterEndpointsThreshold: past this many endpoints, the per-endpoint rules (KUBE-SEP and
 * the jumps to them) go without comments, which makes iptables-restore markedly cheaper. The KUBE-SERVICES,
 * KUBE-NODEPORTS and KUBE-EXT rules keep theirs, so `node iptables --service` still finds every chain.
 */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

/** `-m comment ... ` unless the per-endpoint comments are dropped (large cluster mode). */
function endpointComment(text: string, large: boolean): string {
  return large ? '' : `${comment(text)} `;
}

/**
 * Rules for one service port, in kube-proxy's order. `clusterPodCidr` is the cluster pod range (kube-proxy's
 * localDetector); `large` is kube-proxy's large cluster mode.
 */
export function writeServicePort(nat: TableBuffer, filter: TableBuffer, s: ServicePortModel, clusterPodCidr: string, large = false): void {
  const src = s.source;
  const proto = `-m ${s.protocol} -p ${s.protocol}`;
  const { cluster, local, reachable, hasAny } = categorizeEndpoints(s);
  const usesClusterChain = cluster.length > 0 && usesClusterEndpoints(s);
  const usesLocalChain = local.length > 0 && usesLocalEndpoints(s);
  const internalChain = s.internalPolicyLocal ? s.chains.local : s.chains.cluster;
  const hasInternal = hasAny && (!s.internalPolicyLocal || local.length > 0);
  const externalPolicyChain = s.externalPolicyLocal ? s.chains.local : s.chains.cluster;
  const hasExternal = hasAny && (!s.externalPolicyLocal || local.length > 0);
  const usesExternalChain = hasAny && externallyAccessible(s);

  let internalTarget = '';
  let internalComment = '';
  let externalTarget = '';
  let externalComment = '';
  if (!hasAny) {
    internalTarget = externalTarget = 'REJECT';
    internalComment = externalComment = `${s.name} has no endpoints`;
  } else {
    if (!hasInternal) [internalTarget, internalComment] = ['DROP', `${s.name} has no local endpoints`];
    if (!hasExternal) [externalTarget, externalComment] = ['DROP', `${s.name} has no local endpoints`];
  }

  const clusterIPMatch = `${proto} -d ${s.clusterIP} --dport ${s.port}`;
  if (hasInternal) nat.rule(CHAINS.services, `${comment(`${s.name} cluster IP`)} ${clusterIPMatch} -j ${internalChain}`, src);
  else filter.rule(CHAINS.services, `${comment(internalComment)} ${clusterIPMatch} -j ${internalTarget}`, src);

  for (const ip of s.externalIPs) {
    if (hasAny)
      nat.rule(CHAINS.services, `${comment(`${s.name} external IP`)} ${proto} -d ${ip} --dport ${s.port} -j ${s.chains.external}`, src);
    if (!hasExternal)
      filter.rule(CHAINS.externalServices, `${comment(externalComment)} ${proto} -d ${ip} --dport ${s.port} -j ${externalTarget}`, src);
  }
  if (hasAny)
    for (const ip of s.loadBalancerIPs)
      nat.rule(CHAINS.services, `${comment(`${s.name} loadbalancer IP`)} ${proto} -d ${ip} --dport ${s.port} -j ${s.chains.external}`, src);
  if (!hasExternal)
    for (const ip of s.loadBalancerIPs)
      filter.rule(CHAINS.externalServices, `${comment(externalComment)} ${proto} -d ${ip} --dport ${s.port} -j ${externalTarget}`, src);

  if (s.nodePort) {
    if (hasAny) nat.rule(CHAINS.nodePorts, `${comment(s.name)} ${proto} --dport ${s.nodePort} -j ${s.chains.external}`, src);
    if (!hasExternal)
      filter.rule(
        CHAINS.externalServices,
        `${comment(externalComment)} -m addrtype --dst-type LOCAL ${proto} --dport ${s.nodePort} -j ${externalTarget}`,
        src,
      );
  }

  // Off-cluster traffic to a ClusterIP is masqueraded (it may have been routed here by a static route).
  if (hasInternal)
    nat.rule(internalChain, `${comment(`${s.name} cluster IP`)} ${clusterIPMatch} ! -s ${clusterPodCidr} -j ${CHAINS.markMasq}`, src);

  if (usesExternalChain) {
    const ext = s.chains.external;
    nat.chain(ext);
    if (!s.externalPolicyLocal) {
      // Endpoints may be on another node: masquerade so replies come back through this one.
      nat.rule(ext, `${comment(`masquerade traffic for ${s.name} external destinations`)} -j ${CHAINS.markMasq}`, src);
    } else {
      // Pods reaching an external address of the Service are treated as if they went out and came back in.
      nat.rule(ext, `${comment(`pod traffic for ${s.name} external destinations`)} -s ${clusterPodCidr} -j ${s.chains.cluster}`, src);
      nat.rule(
        ext,
        `${comment(`masquerade LOCAL traffic for ${s.name} external destinations`)} -m addrtype --src-type LOCAL -j ${CHAINS.markMasq}`,
        src,
      );
      nat.rule(
        ext,
        `${comment(`route LOCAL traffic for ${s.name} external destinations`)} -m addrtype --src-type LOCAL -j ${s.chains.cluster}`,
        src,
      );
    }
    if (hasExternal) nat.rule(ext, `-j ${externalPolicyChain}`, src);
  }

  if (usesClusterChain) writeEndpointJumps(nat, s, s.chains.cluster, cluster, large);
  if (usesLocalChain) writeEndpointJumps(nat, s, s.chains.local, local, large);

  for (const ep of reachable) {
    nat.chain(ep.chain);
    // Hairpin: a pod reaching itself through its Service must see a source it can answer (the agent).
    const what = endpointComment(s.name, large);
    nat.rule(ep.chain, `${what}-s ${ep.ip} -j ${CHAINS.markMasq}`, src);
    const affinity = s.affinitySeconds ? `-m recent --name ${ep.chain} --set ` : '';
    nat.rule(ep.chain, `${what}${affinity}${proto} -j DNAT --to-destination ${ep.address}`, src);
  }
}

function writeEndpointJumps(nat: TableBuffer, s: ServicePortModel, chain: string, eps: ProxyEndpoint[], large: boolean): void {
  nat.chain(chain);
  if (s.affinitySeconds)
    for (const ep of eps)
      nat.rule(
        chain,
        `${endpointComment(`${s.name} -> ${ep.address}`, large)}-m recent --name ${ep.chain} --rcheck --seconds ${s.affinitySeconds} --reap -j ${ep.chain}`,
        s.source,
      );
  const n = eps.length;
  eps.forEach((ep, i) => {
    const spread = i < n - 1 ? `-m statistic --mode random --probability ${probability(n - i)} ` : '';
    nat.rule(chain, `${endpointComment(`${s.name} -> ${ep.address}`, large)}${spread}-j ${ep.chain}`, s.source);
  });
}

/** Rules that must come after every service port's. */
export function writeProxyTail(nat: TableBuffer, filter: TableBuffer, serviceCidr: string): void {
  // route_localnet cannot be set in a node container (/proc/sys is read-only), so no NodePorts on 127.0.0.0/8.
  nat.rule(
    CHAINS.services,
    `${comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j ${CHAINS.nodePorts}`,
  );
  // Still addressed to the service CIDR after nat: no Service owns this address and port. Refuse at once
  // instead of routing it towards the default gateway, where it would time out.
  filter.rule(
    CHAINS.services,
    `${comment(`no Service has this address and port in the service CIDR ${serviceCidr}`)} -d ${serviceCidr} -j REJECT`,
  );
  filter.rule(CHAINS.forward, `-m conntrack --ctstate INVALID -j DROP`);
  filter.rule(CHAINS.forward, `${comment('kubernetes forwarding rules')} -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`);
  filter.rule(CHAINS.forward, `${comment('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
}
