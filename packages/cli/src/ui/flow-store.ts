// The flows `kubelab ui` counts: every connection seen by the periodic reads of the nodes' conntrack tables
// and drop logs, remembered for a window, so an edge's count is "connections in the last N minutes" even
// after conntrack forgot a finished one. Pure; the clock is injected.
import { flowKey, type Flow } from '../flows/flows';

interface Seen {
  flow: Flow;
  /** When a read last held it (forwarded) or when it was dropped (drop records have their own time). */
  at: number;
}

export class FlowStore {
  private readonly items = new Map<string, Seen>();

  constructor(
    private readonly windowMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds one read's flows; true when the set of connections changed (a new one, or one aged out). */
  add(flows: Flow[]): boolean {
    const now = this.now();
    let changed = this.prune(now);
    for (const f of flows) {
      const at = f.verdict === 'DROPPED' ? (f.time ?? now) : now;
      if (now - at > this.windowMs) continue;
      const key = flowKey(f);
      const had = this.items.get(key);
      if (!had) changed = true;
      // Keep the first report's time (conntrack events and drops carry one; a listing does not).
      this.items.set(key, { flow: had?.flow.time !== undefined ? had.flow : f, at: Math.max(at, had?.at ?? 0) });
    }
    return changed;
  }

  list(): Flow[] {
    this.prune(this.now());
    return [...this.items.values()].map((s) => s.flow);
  }

  /** The newest `limit` flows from or to pod "ns/name". */
  ofPod(pod: string, limit = 20): Flow[] {
    this.prune(this.now());
    return [...this.items.values()]
      .filter((s) => s.flow.src.pod === pod || s.flow.dst.pod === pod)
      .sort((a, b) => b.at - a.at)
      .slice(0, limit)
      .map((s) => s.flow);
  }

  private prune(now: number): boolean {
    let changed = false;
    for (const [k, s] of this.items)
      if (now - s.at > this.windowMs) {
        this.items.delete(k);
        changed = true;
      }
    return changed;
  }
}
