// The one set of informers the node's network role is fed by (DESIGN.md §3): Nodes, Services,
// EndpointSlices and this node's Pods (for hostPorts). NetworkPolicies and Namespaces join here later.
// Events only poke the sync loop; the loop reads the caches through `snapshot()`.
import { resolveResource, type EndpointSlice, type KubeObject, type Node, type Pod, type ResourceInfo, type Service } from '@kubelab/api';
import { Informer, type KubeClient } from '@kubelab/client';
import type { Logger } from 'pino';

function kind(plural: string): ResourceInfo {
  const r = resolveResource(plural);
  if (!r) throw new Error(`@kubelab/api does not describe "${plural}"`);
  return r;
}

export interface NetworkObjects {
  nodes: Node[];
  services: Service[];
  slices: EndpointSlice[];
  pods: Pod[];
}

function hasHostPort(p: Pod | undefined): boolean {
  return !!p && [...(p.spec.initContainers ?? []), ...p.spec.containers].some((c) => c.ports?.some((port) => port.hostPort));
}

export class NetworkInformers {
  readonly nodes: Informer<Node>;
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;
  readonly pods: Informer<Pod>;

  constructor(client: KubeClient, nodeName: string, log: Logger, changed: (what: string) => void) {
    const onError = (what: string) => (err: unknown) => log.warn({ err: (err as Error).message }, `${what} watch failed, re-listing`);
    const make = <T extends KubeObject>(plural: string, extra: { fieldSelector?: string } = {}) =>
      new Informer<T>(client, kind(plural), { ...extra, onError: onError(plural) });
    this.nodes = make<Node>('nodes');
    this.services = make<Service>('services');
    this.slices = make<EndpointSlice>('endpointslices');
    this.pods = make<Pod>('pods', { fieldSelector: `spec.nodeName=${nodeName}` });
    this.nodes.on((type, node, old) => {
      // Heartbeats change a node every few seconds; only addresses, pod CIDR and readiness matter here.
      const facts = (n?: Node) =>
        JSON.stringify([n?.spec?.podCIDR, n?.status?.addresses, n?.status?.conditions?.find((c) => c.type === 'Ready')?.status]);
      if (type === 'MODIFIED' && facts(old) === facts(node)) return;
      changed('nodes');
    });
    this.services.on(() => changed('services'));
    this.slices.on(() => changed('endpointslices'));
    this.pods.on((_type, pod, old) => {
      if (hasHostPort(pod) || hasHostPort(old)) changed('pods');
    });
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
    return { nodes: this.nodes.list(), services: this.services.list(), slices: this.slices.list(), pods: this.pods.list() };
  }

  private all(): Informer<KubeObject>[] {
    return [this.nodes, this.services, this.slices, this.pods] as unknown as Informer<KubeObject>[];
  }
}
