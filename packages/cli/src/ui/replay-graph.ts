// `kubelab ui --replay BUNDLE`: the map a recording holds — its objects at the end and every flow seen —
// served like the live one, without a cluster (no live rule counters).
import type { Flow } from '../flows/flows';
import { buildGraph } from '../graph/build';
import type { Graph } from '../graph/model';
import type { RecordBundle } from '../record/bundle';
import type { GraphSource } from './graph-source';

export class ReplayGraph implements GraphSource {
  private readonly graph: Graph;

  constructor(private readonly bundle: RecordBundle) {
    this.graph = buildGraph({ ...bundle.objects, flows: bundle.flows });
  }

  current(): Graph {
    return this.graph;
  }

  subscribe(): () => void {
    return () => undefined;
  }

  podFlows(pod: string): Flow[] {
    return this.bundle.flows
      .filter((f) => f.src.pod === pod || f.dst.pod === pod)
      .slice(-20)
      .reverse();
  }

  async serviceRules(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {}
}
