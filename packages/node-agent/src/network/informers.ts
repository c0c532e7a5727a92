// The one set of informers the node's network role is fed by (DESIGN.md §3): Nodes, Services,
// EndpointSlices, Pods (every node's: this node's for hostPorts and policy targets, all of them as policy
// peers), Namespaces and NetworkPolicies. Events only poke the sync loop; the loop reads the caches through
// `snapshot()`. RBAC a node agent needs: list/watch on all of these (networking.k8s.io networkpolicies).
import type { EndpointSlice, KubeObject, Namespace, NetworkPolicy, Node, Pod, Service } from '@kubelab/api';
import { Informer, resourceInfo as kind, type KubeClient } from '@kubelab/client';
import type { Logger } from 'pino';

export interface NetworkObjects {
  nodes: Node[];
  services: Service[];
  slices: EndpointSlice[];
  pods: Pod[];
  namespaces: Namespace[];
  policies: NetworkPolicy[];
}

function hasHostPort(p: Pod | undefined): boolean {
  return !!p && [...(p.spec.initContainers ?? []), ...p.spec.containers].some((c) => c.ports?.some((port) => port.hostPort));
}

/** What of a pod a policy can see: where it is, its IP, labels and named ports, whether it still runs. */
function policyFacts(p: Pod | undefined): string {
  if (!p) return '';
  const ports = [...(p.spec.initContainers ?? []), ...p.spec.containers].flatMap((c) => (c.ports ?? []).filter((x) => x.name));
  const done = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
  return JSON.stringify([p.status?.podIP, p.metadata.labels, done, ports.length ? ports : undefined]);
}

export class NetworkInformers {
  readonly nodes: Informer<Node>;
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;
  readonly pods: Informer<Pod>;
  readonly namespaces: Informer<Namespace>;
  readonly policies: Informer<NetworkPolicy>;

  constructor(client: KubeClient, nodeName: string, log: Logger, changed: (what: string) => void) {
    const onError = (what: string) => (err: unknown) => log.warn({ err: (err as Error).message }, `${what} watch failed, re-listing`);
    const make = <T extends KubeObject>(plural: string, extra: { fieldSelector?: string } = {}) =>
      new Informer<T>(client, kind(plural), { ...extra, onError: onError(plural) });
    this.nodes = make<Node>('nodes');
    this.services = make<Service>('services');
    this.slices = make<EndpointSlice>('endpointslices');
    this.pods = make<Pod>('pods');
    this.namespaces = make<Namespace>('namespaces');
    this.policies = make<NetworkPolicy>('networkpolicies');
    this.nodes.on((type, node, old) => {
      // Heartbeats change a node every few seconds; only addresses, pod CIDR and readiness matter here.
      const facts = (n?: Node) =>
        JSON.stringify([n?.spec?.podCIDR, n?.status?.addresses, n?.status?.conditions?.find((c) => c.type === 'Ready')?.status]);
      if (type === 'MODIFIED' && facts(old) === facts(node)) return;
      changed('nodes');
    });
    this.services.on(() => changed('services'));
    this.slices.on(() => changed('endpointslices'));
    this.pods.on((type, pod, old) => {
      const mine = pod?.spec.nodeName === nodeName || old?.spec.nodeName === nodeName;
      if (mine && (hasHostPort(pod) || hasHostPort(old))) return changed('pods');
      // Without policies no pod matters to the filter table; with some, any pod may be a peer.
      if (this.policies.list().length === 0) return;
      if (type !== 'MODIFIED' || policyFacts(pod) !== policyFacts(old)) changed('pods');
    });
    this.namespaces.on((type, ns, old) => {
      if (type !== 'MODIFIED' || JSON.stringify(ns?.metadata.labels) !== JSON.stringify(old?.metadata.labels)) changed('namespaces');
    });
    this.policies.on(() => changed('networkpolicies'));
  }

  start(): void {
    for (const i of this.all()) i.start();
  }

  stop(): void {
    for (const i of this.all()) i.stop();
  }

  get nodesSynced(): boolean {
    return this.nodes.hasSynced;
  }

  /** Every cache has listed once: rendering before that would delete rules of objects not seen yet. */
  get synced(): boolean {
    return this.all().every((i) => i.hasSynced);
  }

  waitForSync(): Promise<void> {
    return Promise.all(this.all().map((i) => i.waitForSync())).then(() => undefined);
  }

  snapshot(): NetworkObjects {
    return {
      nodes: this.nodes.list(),
      services: this.services.list(),
      slices: this.slices.list(),
      pods: this.pods.list(),
      namespaces: this.namespaces.list(),
      policies: this.policies.list(),
    };
  }

  private all(): Informer<KubeObject>[] {
    return [this.nodes, this.services, this.slices, this.pods, this.namespaces, this.policies] as unknown as Informer<KubeObject>[];
  }
}
