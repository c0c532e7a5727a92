// Pods of this node whose sandbox has an IP that the API does not show yet: the kubelet tells the network
// role before their containers start (node-network.ts podStarting), and the model uses that IP until the
// pod's status carries it. An entry ends when the status shows the IP, when a new pod of that name appears,
// or, for a pod the informer never saw, after a while (it was deleted before its status was written: keeping
// it would keep rules for an IP the next pod may get). Pure apart from the clock, which is injected.
import type { Pod } from '@kubelab/api';

/** A pod the informer has not seen is forgotten after this long. */
const UNSEEN_TTL_MS = 60_000;

interface Entry {
  uid: string;
  ip: string;
  pod: Pod;
  since: number;
}

const keyOf = (p: Pod): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

export class StartingPods {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records the pod's sandbox IP; returns the IP it had before, if any. */
  add(pod: Pod, ip: string): string | undefined {
    const key = keyOf(pod);
    const before = this.entries.get(key)?.ip;
    this.entries.set(key, { uid: pod.metadata.uid ?? '', ip, pod, since: this.now() });
    return before;
  }

  /** The informer's pods plus the starting ones it lacks, and the IPs to use for this node's pods by "ns/name". */
  merge(pods: Pod[]): { pods: Pod[]; localIPs: Map<string, string> } {
    const localIPs = new Map<string, string>();
    const seen = new Set<string>();
    for (const p of pods) {
      const key = keyOf(p);
      seen.add(key);
      const mine = this.entries.get(key);
      if (!mine) continue;
      if (mine.uid && p.metadata.uid && mine.uid !== p.metadata.uid) this.entries.delete(key);
      else if (p.status?.podIP === mine.ip) this.entries.delete(key);
      else localIPs.set(key, mine.ip);
    }
    const extra: Pod[] = [];
    for (const [key, mine] of this.entries) {
      if (seen.has(key)) continue;
      if (this.now() - mine.since > UNSEEN_TTL_MS) {
        this.entries.delete(key);
        continue;
      }
      extra.push(mine.pod);
      localIPs.set(key, mine.ip);
    }
    return { pods: extra.length ? [...pods, ...extra] : pods, localIPs };
  }
}
