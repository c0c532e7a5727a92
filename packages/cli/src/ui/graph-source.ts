// What the UI server asks of its data: the current map, its changes, and the details panels. A live
// cluster (live-graph.ts) and a recording (replay-graph.ts) both answer it.
import type { Flow } from '../flows/flows';
import type { Graph } from '../graph/model';
import type { NodeRules } from './service-rules';

export interface GraphSource {
  current(): Graph;
  /** Calls `fn` on every change; returns the unsubscribe. */
  subscribe(fn: (g: Graph) => void): () => void;
  /** Recent flows from or to pod "ns/name". */
  podFlows(pod: string): Flow[];
  /** The Service's rules with counters on each node; undefined when there is no cluster (a replay). */
  serviceRules(namespace: string, name: string): Promise<NodeRules[] | undefined>;
  close(): Promise<void>;
}
