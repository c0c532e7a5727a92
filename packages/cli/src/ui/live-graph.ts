// The live cluster map behind `kubelab ui`: informers (list + watch) keep the objects current, a poll reads
// the nodes' flows every second, and any change rebuilds the graph (coalesced over `debounceMs`) and
// tells the subscribers, so the page follows the cluster within a second.
import type Docker from 'dockerode';
import {
  type EndpointSlice,
  type Ingress,
  type KubeObject,
  type NetworkPolicy,
  type Node,
  type Pod,
  resolveResource,
  type Service,
} from '@kubelab/api';
import { Informer, type KubeClient } from '@kubelab/client';
import { flowNames, type NodeRef, nodeRefs, podFlows, readFlows } from '../flows/collect';
import type { Flow } from '../flows/flows';
import { buildGraph, type GraphInput } from '../graph/build';
import type { Graph } from '../graph/model';
import { GRAPH_RESOURCES } from '../graph/snapshot';
import type { GraphSource } from './graph-source';
import { FlowStore } from './flow-store';
import { serviceRules } from './service-rules';

export interface LiveGraphOptions {
  client: KubeClient;
  docker: Docker;
  cluster: string;
  nodeSubnet?: string;
  flowIntervalMs?: number;
  flowWindowMs?: number;
  debounceMs?: number;
  onError?: (err: unknown) => void;
}

type Resource = (typeof GRAPH_RESOURCES)[number];

export class LiveGraph implements GraphSource {
  private readonly informers = new Map<Resource, Informer<KubeObject>>();
  private readonly flows: FlowStore;
  private readonly listeners = new Set<(g: Graph) => void>();
  private graph: Graph;
  private timer?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private nodes: { key: string; refs: NodeRef[]; addresses: Set<string> } = { key: '', refs: [], addresses: new Set() };
  private closed = false;

  private constructor(private readonly o: LiveGraphOptions) {
    this.flows = new FlowStore(o.flowWindowMs);
    this.graph = { cluster: o.cluster, vertices: [], edges: [] };
  }

  static async start(o: LiveGraphOptions): Promise<LiveGraph> {
    const g = new LiveGraph(o);
    for (const r of GRAPH_RESOURCES) {
      const inf = new Informer<KubeObject>(o.client, resolveResource(r)!, { onError: o.onError });
      inf.on(() => g.changed());
      g.informers.set(r, inf.start());
    }
    await Promise.all([...g.informers.values()].map((i) => i.waitForSync()));
    await g.readFlows();
    g.rebuild();
    g.schedulePoll();
    return g;
  }

  current(): Graph {
    return this.graph;
  }

  subscribe(fn: (g: Graph) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  podFlows(pod: string): Flow[] {
    return this.flows.ofPod(pod);
  }

  async serviceRules(namespace: string, name: string) {
    await this.refreshNodes();
    return serviceRules(this.o.docker, this.nodes.refs, namespace, name);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.poller);
    for (const i of this.informers.values()) i.stop();
  }

  /** The objects the map is built from, as now cached (record bundles keep them for `ui --replay`). */
  input(): GraphInput {
    const items = <T>(r: Resource) => (this.informers.get(r)?.list() ?? []) as T[];
    return {
      cluster: this.o.cluster,
      nodeSubnet: this.o.nodeSubnet,
      nodes: items<Node>('nodes'),
      pods: items<Pod>('pods'),
      services: items<Service>('services'),
      endpointSlices: items<EndpointSlice>('endpointslices'),
      ingresses: items<Ingress>('ingresses'),
      networkPolicies: items<NetworkPolicy>('networkpolicies'),
      flows: this.flows.list(),
    };
  }

  private changed(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.rebuild();
    }, this.o.debounceMs ?? 100);
  }

  private rebuild(): void {
    this.graph = buildGraph(this.input());
    for (const fn of this.listeners) fn(this.graph);
  }

  private async refreshNodes(): Promise<void> {
    const list = (this.informers.get('nodes')?.list() ?? []) as Node[];
    const key = list
      .map((n) => n.metadata.name)
      .sort()
      .join(',');
    if (key === this.nodes.key) return;
    const r = await nodeRefs(this.o.docker, this.o.cluster, list);
    this.nodes = { key, refs: r.nodes, addresses: r.addresses };
  }

  /** One flow read now (a recording's last second), the graph rebuilt. */
  async readNow(): Promise<void> {
    await this.readFlows();
    this.rebuild();
  }

  private async readFlows(): Promise<void> {
    try {
      await this.refreshNodes();
      const pods = (this.informers.get('pods')?.list() ?? []) as Pod[];
      const services = (this.informers.get('services')?.list() ?? []) as Service[];
      const { names, nodeOfPod } = flowNames(pods, services);
      const read = podFlows(await readFlows(this.o.docker, this.nodes.refs, names, 500), {
        nodeAddresses: this.nodes.addresses,
        nodeOfPod,
      });
      if (this.flows.add(read)) this.changed();
    } catch (err) {
      this.o.onError?.(err);
    }
  }

  private schedulePoll(): void {
    if (this.closed) return;
    this.poller = setTimeout(async () => {
      await this.readFlows();
      this.schedulePoll();
    }, this.o.flowIntervalMs ?? 1000);
  }
}
