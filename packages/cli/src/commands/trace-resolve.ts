// What `kubelab trace`'s SRC and DST name: a pod, a Service (from the host: its NodePort), a node, an IP or
// the host; and a DNS name, resolved as the source pod's resolver would (its search path, through the
// cluster DNS, from its node).
import net from 'node:net';
import type Docker from 'dockerode';
import { type Pod, resolveResource, type Service } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { CliError } from '../errors';
import { execIn } from '../inspect/node-docker';
import { describeResolution, parseDig, type Resolution, tryOrder } from '../trace/dns-name';
import type { NodeInfo } from './trace-kernel';
import type { Proto } from './trace-probe';

export interface ResolvedEnd {
  kind: 'pod' | 'svc' | 'node' | 'ip' | 'host';
  label: string;
  ip: string;
  port?: number;
  proto?: Proto;
  pod?: Pod;
}

export async function resolveEnd(
  client: KubeClient,
  ref: string,
  ns: string,
  nodes: NodeInfo[],
  o: { fromHost: boolean; port?: number },
): Promise<ResolvedEnd> {
  if (ref === 'host') return { kind: 'host', label: 'the host', ip: '' };
  if (net.isIPv4(ref)) return { kind: 'ip', label: ref, ip: ref, port: o.port };
  const slash = ref.indexOf('/');
  const type = slash >= 0 ? ref.slice(0, slash) : '';
  const name = slash >= 0 ? ref.slice(slash + 1) : ref;
  const tryPod = async () => client.get<Pod>(resolveResource('pods')!, name, ns).catch(() => undefined);
  const trySvc = async () => client.get<Service>(resolveResource('services')!, name, ns).catch(() => undefined);
  if (!type || type === 'pod' || type === 'pods' || type === 'po') {
    const pod = await tryPod();
    if (pod) {
      const port = o.port ?? pod.spec?.containers?.flatMap((c) => c.ports ?? [])[0]?.containerPort;
      if (!pod.status?.podIP) throw new CliError(`pod ${ns}/${name} has no IP yet`);
      return { kind: 'pod', label: `pod ${ns}/${name}`, ip: pod.status.podIP, port, pod };
    }
    if (type) throw new CliError(`Error from server (NotFound): pods "${name}" not found`, 1, true);
  }
  if (!type || ['svc', 'service', 'services'].includes(type)) {
    const svc = await trySvc();
    if (svc) {
      const sp = svc.spec.ports?.find((p) => o.port === undefined || p.port === o.port || p.nodePort === o.port) ?? svc.spec.ports?.[0];
      const proto = (sp?.protocol ?? 'TCP').toLowerCase() as Proto;
      if (o.fromHost) {
        if (!sp?.nodePort)
          throw new CliError(
            `service ${ns}/${name} has no NodePort: the host reaches Services through NodePorts (or kubelab service --url)`,
          );
        const node = nodes.find((n) => !/control-plane/.test(n.name)) ?? nodes[0];
        return {
          kind: 'svc',
          label: `NodePort ${sp.nodePort} of service ${ns}/${name} on node ${node.name}`,
          ip: node.ip,
          port: sp.nodePort,
          proto,
        };
      }
      if (!svc.spec.clusterIP || svc.spec.clusterIP === 'None')
        throw new CliError(`service ${ns}/${name} is headless: trace one of its pods`);
      return { kind: 'svc', label: `service ${ns}/${name}`, ip: svc.spec.clusterIP, port: sp?.port, proto };
    }
    if (type) throw new CliError(`Error from server (NotFound): services "${name}" not found`, 1, true);
  }
  const node = nodes.find((n) => n.name === name);
  if (node && (!type || type === 'node' || type === 'nodes')) return { kind: 'node', label: `node ${name}`, ip: node.ip, port: o.port };
  throw new CliError(`"${ref}" is no pod or service in namespace ${ns}, no node, no Ingress URL, and no IP`);
}

/**
 * A DNS name, tried in the pod resolver's order against the cluster DNS from the source's node; the
 * address mapped back to its Service when it is a cluster IP. `target` is what resolveEnd then takes.
 */
export async function resolveDnsName(
  client: KubeClient,
  d: Docker,
  name: string,
  fromNode: NodeInfo,
  searchNs: string,
): Promise<{ line: string; target: string; namespace?: string }> {
  const r: Resolution = { tried: [] };
  for (const n of tryOrder(name, searchNs)) {
    const a = parseDig((await execIn(d, fromNode.container, ['dig', '+time=2', '+tries=1', '@10.96.0.10', n, 'A'])).out);
    r.tried.push({ name: n, ...a });
    if (a.addresses.length) {
      r.address = a.addresses[0];
      break;
    }
  }
  const line = describeResolution(name, r);
  if (!r.address) throw new CliError(`cannot resolve ${name}: ${line}`);
  const svc = (await client.list<Service>(resolveResource('services')!, undefined)).items.find((s) => s.spec.clusterIP === r.address);
  return svc ? { line, target: `svc/${svc.metadata.name}`, namespace: svc.metadata.namespace } : { line, target: r.address };
}
