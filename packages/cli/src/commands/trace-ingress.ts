// An Ingress URL as `kubelab trace` DST: routed by the router's own route table (packages/ingress), then
// traced in two legs as the request really travels: SRC -> the router pod (from the host: Docker's
// published port on the control-plane node, then the controller Service's external-IP DNAT; from a pod or
// node: the controller Service's cluster IP), and the router pod -> the endpoint it picked (it connects to
// endpoints directly, as ingress-nginx does, not through the Service's cluster IP). The probe is a real
// HTTP request with an X-Request-ID; the router's access log names the endpoint it picked for it.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import {
  DEFAULT_INGRESS_CLASS_ANNOTATION,
  type EndpointSlice,
  type Ingress,
  type Pod,
  resolveResource,
  type Service,
  serviceNameLabel,
} from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { buildRouteTable, type RouteTable } from '@kubelab/ingress';
import { CliError } from '../errors';
import { pauseContainer } from '../inspect/node-docker';
import { ApiStreams } from '../streams/api-streams';
import {
  type IngressDecision,
  decisionText,
  isIngressUrl,
  parseTraceUrl,
  routeUrl,
  type TraceUrl,
  upstreamOfLive,
  upstreamOfRequest,
} from '../trace/ingress-url';
import type { World } from '../trace/model';
import { conclusion, type Hop, type TracePath } from '../trace/simulate';
import type { Leg, LegResult } from './trace-legs';
import type { NodeInfo } from './trace-kernel';
import { curlProbe, httpFromHost, type HttpProbe, type ProbeResult, probeJoins } from './trace-probe';
import type { ResolvedEnd } from './trace-resolve';
import { openingAfter, parseTrace, traceRule } from '../trace/nftrace';

const CONTROLLER_NS = 'ingress-nginx';
const CONTROLLER_SVC = 'ingress-nginx-controller';

export interface IngressPlan {
  label: string;
  url: TraceUrl;
  decision: IngressDecision;
  /** decisionText of the decision. */
  text: string;
  /** Where the first leg goes. */
  entry: ResolvedEnd;
  /** From the host the request goes through Docker's proxy: its source port is the proxy's. */
  viaProxy: boolean;
  /** The host port Docker publishes, as a row before the first leg. */
  hostHop?: Hop;
  /** TRACE rules for the connections the router pods open (leg 2). */
  routerRules: string[][];
  routers: Array<{ namespace: string; name: string; ip: string; container: string }>;
  requestId: string;
  probe(sport?: number): Promise<{ probe: ProbeResult; text: string }>;
  /** The router pod's recent log. */
  log(pod: { namespace: string; name: string; container: string }): Promise<string>;
}

/** The route table as the router builds it, from the API's Ingresses, Services, EndpointSlices and classes. */
async function routeTable(client: KubeClient): Promise<RouteTable> {
  const [ings, svcs, slices, classes] = await Promise.all([
    client.list<Ingress>(resolveResource('ingresses')!, undefined),
    client.list<Service>(resolveResource('services')!, undefined),
    client.list<EndpointSlice>(resolveResource('endpointslices')!, undefined),
    client.list(resolveResource('ingressclasses')!, undefined).catch(() => ({ items: [] })),
  ]);
  const nginx = classes.items.find((c) => c.metadata.name === 'nginx');
  return buildRouteTable({
    ingresses: ings.items,
    service: (ns, n) => svcs.items.find((s) => s.metadata.namespace === ns && s.metadata.name === n),
    slices: (ns, n) => slices.items.filter((s) => s.metadata.namespace === ns && s.metadata.labels?.[serviceNameLabel] === n),
    className: 'nginx',
    isDefaultClass: nginx?.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true',
  });
}

/** The plan for an Ingress URL DST, or undefined when DST is no such URL (a URL to a Service name is not). */
export async function planIngress(
  client: KubeClient,
  d: Docker,
  cluster: string,
  dstRef: string,
  o: { src: ResolvedEnd; srcIp: string; nodes: NodeInfo[]; world: World; fromHost: boolean },
): Promise<IngressPlan | undefined> {
  const url = parseTraceUrl(dstRef);
  if (!url) return undefined;
  const table = await routeTable(client);
  // Not the router's: the URL of a Service (its DNS name), traced as one.
  if (!isIngressUrl(table, url)) return undefined;
  const decision = routeUrl(table, url);
  const svc = await client.get<Service>(resolveResource('services')!, CONTROLLER_SVC, CONTROLLER_NS).catch(() => undefined);
  if (!svc) throw new CliError(`no ingress controller in this cluster (service ${CONTROLLER_NS}/${CONTROLLER_SVC} not found)`);
  const selector = Object.entries(svc.spec.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const routerPods = (await client.list<Pod>(resolveResource('pods')!, CONTROLLER_NS, { labelSelector: selector })).items.filter(
    (p) => p.status?.podIP,
  );
  const routers = await Promise.all(
    routerPods.map(async (p) => ({
      namespace: p.metadata.namespace!,
      name: p.metadata.name!,
      ip: p.status!.podIP!,
      container: p.spec?.containers?.[0]?.name ?? 'controller',
      pause: await pauseContainer(d, cluster, p.metadata.namespace!, p.metadata.name!).catch(() => ''),
    })),
  );
  const containerPort = url.scheme === 'https' ? 443 : 80;
  const requestId = `kubelab-trace-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const http: Omit<HttpProbe, 'ip' | 'port'> = {
    scheme: url.scheme,
    hostHeader: url.hostHeader,
    host: url.host,
    target: url.target,
    requestId,
  };
  const log = async (pod: { namespace: string; name: string; container: string }): Promise<string> => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString('utf8')));
    await new ApiStreams(client).logs({ ...pod, pod: pod.name, follow: false, previous: false, timestamps: false, tailLines: 200, out });
    return text;
  };
  const base = {
    label: `Ingress URL ${dstRef}`,
    url,
    decision,
    text: decisionText(decision),
    routerRules: routers.map((r) => traceRule('tcp', r.ip)),
    routers,
    requestId,
    log,
  };

  if (o.fromHost) {
    // Docker publishes the router's ports on the control-plane node container (kind's extraPortMappings).
    const { findCluster } = await import('../cluster-access');
    const published = (await findCluster(cluster))?.ingress;
    if (!published) throw new CliError(`cluster ${cluster} publishes no ingress ports on the host (it was created with --no-ingress)`);
    const hostPort = url.scheme === 'https' ? published.httpsPort : published.httpPort;
    if (url.port !== hostPort)
      throw new CliError(
        `from the host the router answers on 127.0.0.1:${published.httpPort} (http) and :${published.httpsPort} (https): use ${url.scheme}://${url.hostHeader.replace(/:\d+$/, '')}:${hostPort}${url.target}`,
      );
    const cp = o.nodes.find((n) => /control-plane/.test(n.name)) ?? o.nodes[0];
    return {
      ...base,
      entry: { kind: 'svc', label: `the router's port ${containerPort} on node ${cp.name}`, ip: cp.ip, port: containerPort, proto: 'tcp' },
      viaProxy: true,
      hostHop: {
        netns: 'host',
        where: 'host port',
        text: `127.0.0.1:${hostPort} is published by Docker on ${cp.name}: its proxy connects to ${cp.ip}:${containerPort}`,
      },
      probe: async () => {
        const probe = await httpFromHost({ ...http, ip: '127.0.0.1', port: hostPort });
        return { probe, text: `GET ${dstRef} from the host (X-Request-ID ${requestId}): ${probe.text}` };
      },
    };
  }
  const sp = svc.spec.ports?.find((p) => p.port === containerPort);
  if (!svc.spec.clusterIP || !sp) throw new CliError(`service ${CONTROLLER_NS}/${CONTROLLER_SVC} has no cluster IP port ${containerPort}`);
  const ip = svc.spec.clusterIP;
  return {
    ...base,
    // In the cluster the host's name means nothing (*.localhost is loopback): the request goes to the
    // controller Service with the URL's Host header, as a pod's client would send it.
    entry: { kind: 'svc', label: `service ${CONTROLLER_NS}/${CONTROLLER_SVC} (Host: ${url.host})`, ip, port: containerPort, proto: 'tcp' },
    viaProxy: false,
    probe: async (sport) =>
      curlProbe(d, cluster, await probeJoins(d, cluster, o.src, o.nodes), { ...http, ip, port: containerPort }, sport ?? 0),
  };
}

/**
 * The second leg: from the router pod the first leg reached to the endpoint the router picked (its access
 * log line for the probe's request id; with --live, the first connection the kernel saw it open to one).
 */
export async function routerChoice(
  plan: IngressPlan,
  first: LegResult,
  probe: ProbeResult | undefined,
  kernelText: (node: string) => string,
  liveSince?: number,
): Promise<{ leg: Leg; picked: string } | undefined> {
  const o = first.path.outcome;
  if (o.kind !== 'delivered' || !plan.decision.upstream || plan.decision.answer) return undefined;
  const router = plan.routers.find((r) => `${r.namespace}/${r.name}` === o.to);
  if (!router) return undefined;
  let picked: string | undefined;
  // The router's access log: the line of the probe's request id, or for live traffic the last request from
  // the address the packet reached it with, for this host and path. It reaches stdout within half a second
  // (packages/ingress access-log.ts).
  const d = plan.decision;
  const remote = first.arrivedFrom;
  for (let i = 0; i < 8 && !picked && (probe || (liveSince !== undefined && remote)); i++) {
    const log = await plan.log(router).catch(() => '');
    const line = probe
      ? upstreamOfRequest(log, plan.requestId)
      : upstreamOfLive(log, { remote: remote!, host: d.host, path: d.path, since: liveSince! });
    picked = line?.upstream || undefined;
    if (!picked) await new Promise((r) => setTimeout(r, 300));
  }
  // The router's own connection, as its node's kernel traced it after the request reached the router.
  const reached = o.node ? first.runs.get(o.node)?.[0] : undefined;
  const opened =
    o.node && reached?.kind === 'packet'
      ? openingAfter(parseTrace(kernelText(o.node)), reached, router.ip, picked ? [picked] : plan.decision.upstream.endpoints)
      : undefined;
  picked ??= opened ? `${opened.fields.DST}:${opened.fields.DPORT}` : undefined;
  if (!picked) return undefined;
  const leg = routerLeg(router, picked);
  if (opened?.fields.SPORT) leg.packet.sport = Number(opened.fields.SPORT);
  return { picked, leg };
}

/** The router pod's connection to an endpoint "ip:port". */
export function routerLeg(router: { namespace: string; name: string; ip: string }, endpoint: string): Leg {
  const [ip, port] = endpoint.split(':');
  return {
    source: { kind: 'pod', namespace: router.namespace, name: router.name },
    srcIp: router.ip,
    packet: { src: router.ip, dst: ip, proto: 'tcp', dport: Number(port), mark: 0, ctstate: 'NEW' },
  };
}

/** The rows and the conclusion of an Ingress trace: host port, leg 1, the router's decision, leg 2. */
export function ingressHops(
  w: World,
  plan: IngressPlan,
  first: { path: TracePath; runs: LegResult['runs'] },
  second: { res: Pick<LegResult, 'path' | 'unseen'>; picked: string; predicted?: boolean } | undefined,
  dstText: string,
): { hops: Hop[]; conclusion: string; ingress: string } {
  const hops: Hop[] = [...(plan.hostHop ? [plan.hostHop] : []), ...first.path.hops];
  const o = first.path.outcome;
  if (o.kind !== 'delivered') return { hops, conclusion: conclusion(first.path, dstText), ingress: plan.text };
  const router = w.pods.find((p) => `${p.namespace}/${p.name}` === o.to);
  const d = plan.decision;
  const loc = d.location;
  const ing = loc?.ingress ? `Ingress ${loc.ingress}` : "the router's default backend";
  const netns = `pod ${o.to}`;
  hops.push({
    node: router?.node,
    netns,
    where: 'ingress rule',
    text: `host ${d.host || '""'} path ${d.path} -> ${loc ? `${d.server === '_' ? '(any host)' : d.server} ${loc.path} (${loc.isDefaultBackend ? 'defaultBackend' : loc.pathType})` : 'no rule'}`,
    object: { kind: 'Ingress', ref: loc?.ingress, text: ing },
  });
  if (d.answer) return { hops, conclusion: `NOT DELIVERED: ${d.answer}`, ingress: plan.text };
  const up = d.upstream!;
  const pickedPod = second ? w.pods.find((p) => p.ip === second.picked.split(':')[0]) : undefined;
  hops.push({
    node: router?.node,
    netns,
    where: 'service',
    text: `endpoints ${up.endpoints.join(', ')}: ${
      !second
        ? 'the one it picked is not known (its access log has no line for the request)'
        : `${second.predicted ? 'the router balances over them, e.g.' : 'the router picked'} ${second.picked}${pickedPod ? ` (pod ${pickedPod.namespace}/${pickedPod.name})` : ''} and connects to it directly${second.res.unseen ? ' (over a kept-alive connection: no new packet for the kernel to trace, the rows below are the model)' : ''}`
    }`,
    object: { kind: 'Service', ref: `${up.namespace}/${up.service}`, text: `Service ${up.namespace}/${up.service}:${up.port}` },
  });
  if (!second)
    return {
      hops,
      conclusion: `DELIVERED to the router ${o.to}${o.node ? ` on ${o.node}` : ''} (${ing} -> Service ${up.namespace}/${up.service})`,
      ingress: plan.text,
    };
  hops.push(...second.res.path.hops);
  const via = ` via ${ing}, Service ${up.namespace}/${up.service}`;
  const end = conclusion(second.res.path, second.picked);
  return {
    hops,
    conclusion: /^DELIVERED/.test(end) ? `${end}${via}` : `${end} (between the router and ${second.picked}${via})`,
    ingress: plan.text,
  };
}
