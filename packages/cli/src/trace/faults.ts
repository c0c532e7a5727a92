// The faults set on purpose (`kubelab netem set`, `kubelab partition`) that bear on a traced path: read from
// the `kubelab.io/netem` and `kubelab.io/partition` annotations of the pods and nodes the path's hops name,
// one note each with the hop it first shows at. A pair's entry (A--B, a partition) counts only when its
// other end is on the path too. Pure.
import type { KubeObject } from '@kubelab/api';
import { netemOf, partitionsOf } from '../netem/faults';
import { specText } from '../netem/netem-spec';
import type { Hop } from './simulate';

export interface FaultNote {
  /** The hop number (as the HOP column counts) where the impaired pod or node first shows. */
  hop: number;
  kind: 'netem' | 'partition';
  /** The pod or node that carries the record: "pod default/a", "node kubelab-worker". */
  ref: string;
  /** With a pair: the other end. */
  peer?: string;
  /** "tc netem", "emulated (tc: ...)", "iptables". */
  mechanism: string;
  text: string;
}

/** The annotated pods and nodes by record ref ("pod ns/name", "node name"); the rest are left out. */
export function faultRecords(nodes: KubeObject[], pods: KubeObject[]): Map<string, KubeObject> {
  const out = new Map<string, KubeObject>();
  const add = (ref: string, o: KubeObject) => {
    if (netemOf(o).length || partitionsOf(o).length) out.set(ref, o);
  };
  for (const n of nodes) add(`node ${n.metadata.name}`, n);
  for (const p of pods) add(`pod ${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p);
  return out;
}

/** The mechanism as `netem show` names it: "tc netem" or "emulated (tc: <what tc said>)". */
export function mechanismText(m: string | undefined): string {
  return m === 'tc' ? 'tc netem' : m ? `emulated (tc: ${m.replace(/^emulated: ?/, '')})` : '?';
}

/** "pod default/a" -> "default/a"; a node keeps its "node ". */
const shortRef = (ref: string): string => ref.replace(/^pod /, '');

/** The pods and nodes the hops name, each with its first hop number (1-based, or `numbers[i]`). */
function pathRefs(hops: Hop[], numbers?: number[]): Map<string, number> {
  const refs = new Map<string, number>();
  hops.forEach((h, i) => {
    const n = numbers?.[i] ?? i + 1;
    if (h.netns.startsWith('pod ') && !refs.has(h.netns)) refs.set(h.netns, n);
    if (h.node && !refs.has(`node ${h.node}`)) refs.set(`node ${h.node}`, n);
  });
  return refs;
}

/** The notes for the path: every impairment on a pod or node it crosses, every partition between two of them. */
export function faultNotes(hops: Hop[], records: Map<string, KubeObject>, numbers?: number[]): FaultNote[] {
  const refs = pathRefs(hops, numbers);
  const notes: FaultNote[] = [];
  const seenPairs = new Set<string>();
  for (const [ref, hop] of refs) {
    const o = records.get(ref);
    if (!o) continue;
    // netem delays what leaves the namespace: the sender's packet, the receiver's replies.
    const who = !ref.startsWith('pod ')
      ? 'its egress on the node network'
      : ref === hops[0]?.netns
        ? 'its egress: this packet'
        : ref === hops.at(-1)?.netns
          ? 'its egress: the replies'
          : 'its egress';
    for (const e of netemOf(o)) {
      if (e.peerRef && !refs.has(e.peerRef)) continue;
      const mechanism = mechanismText(e.mechanism);
      notes.push({
        hop,
        kind: 'netem',
        ref,
        peer: e.peerRef,
        mechanism,
        text: `netem on ${shortRef(ref)}${e.peerRef ? ` to ${shortRef(e.peerRef)}` : ''} (${mechanism}): ${specText(e.spec)} (${who})`,
      });
    }
    for (const p of partitionsOf(o)) {
      if (!refs.has(p.ref)) continue;
      const key = [ref, p.ref].sort().join(' -- ');
      if (seenPairs.has(key)) continue;
      seenPairs.add(key);
      notes.push({
        hop,
        kind: 'partition',
        ref,
        peer: p.ref,
        mechanism: 'iptables',
        text: `partition ${shortRef(ref)} -- ${shortRef(p.ref)} (iptables): every packet between them dropped`,
      });
    }
  }
  return notes.sort((a, b) => a.hop - b.hop);
}
