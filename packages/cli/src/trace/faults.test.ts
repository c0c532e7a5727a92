import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { faultNotes, faultRecords } from './faults';
import type { Hop } from './simulate';

const obj = (name: string, annotations: Record<string, unknown[]>, namespace?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: namespace ? 'Pod' : 'Node',
  metadata: { name, namespace, annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, JSON.stringify(v)])) },
});

// a (on w1) -> b (on w2): the pod's route, w1's rules and route, w2's rules, delivery into b.
const hops: Hop[] = [
  { node: 'w1', netns: 'pod default/a', where: 'route', text: 'eth0: default via 10.244.1.1' },
  { node: 'w1', netns: 'node agent', where: 'route', text: '10.244.2.0/24 via 172.30.0.4' },
  { node: 'w2', netns: 'node agent', where: 'filter:FORWARD', text: '-A FORWARD -j ACCEPT' },
  { node: 'w2', netns: 'pod default/b', where: 'deliver', text: 'delivered to pod default/b' },
];

describe('faultNotes', () => {
  it('names a pod impairment at its hop, with the mechanism the record keeps', () => {
    const records = faultRecords(
      [],
      [
        obj('a', { 'kubelab.io/netem': [{ spec: { delayMs: 100, loss: 5 }, mechanism: 'tc' }] }, 'default'),
        obj('b', { 'kubelab.io/netem': [{ spec: { delayMs: 20 }, mechanism: 'emulated: Specified qdisc kind is unknown.' }] }, 'default'),
        obj('c', { 'kubelab.io/netem': [{ spec: { delayMs: 300 }, mechanism: 'tc' }] }, 'default'),
      ],
    );
    expect(faultNotes(hops, records).map((n) => `${n.hop} ${n.text}`)).toEqual([
      '1 netem on default/a (tc netem): delay 100ms loss 5% (its egress: this packet)',
      '4 netem on default/b (emulated (tc: Specified qdisc kind is unknown.)): delay 20ms (its egress: the replies)',
    ]);
  });

  it('counts a pair entry or a partition only when the other end is on the path; a partition once', () => {
    const part = (ref: string) => ({ ref, name: ref, addresses: ['10.244.9.9'] });
    const records = faultRecords(
      [obj('w2', { 'kubelab.io/netem': [{ spec: { rateBps: 1e6 }, mechanism: 'tc' }] })],
      [
        obj(
          'a',
          {
            'kubelab.io/netem': [
              { peer: 'pod default/b', peerRef: 'pod default/b', peerIP: '10.244.2.3', spec: { delayMs: 50 }, mechanism: 'tc' },
              { peer: 'pod default/c', peerRef: 'pod default/c', peerIP: '10.244.2.4', spec: { delayMs: 70 }, mechanism: 'tc' },
            ],
            'kubelab.io/partition': [part('pod default/b'), part('node w9')],
          },
          'default',
        ),
        obj('b', { 'kubelab.io/partition': [part('pod default/a')] }, 'default'),
      ],
    );
    const notes = faultNotes(hops, records);
    expect(notes.map((n) => `${n.hop} ${n.text}`)).toEqual([
      '1 netem on default/a to default/b (tc netem): delay 50ms (its egress: this packet)',
      '1 partition default/a -- default/b (iptables): every packet between them dropped',
      '3 netem on node w2 (tc netem): rate 1mbit (its egress on the node network)',
    ]);
    expect(notes[1]).toMatchObject({ kind: 'partition', ref: 'pod default/a', peer: 'pod default/b', mechanism: 'iptables' });
    // --dropped-only: the rows keep their numbers on the whole path.
    expect(faultNotes(hops.slice(2), records, [3, 4]).map((n) => n.hop)).toEqual([3]);
  });

  it('nothing recorded: no notes', () => {
    expect(faultNotes(hops, faultRecords([obj('w1', {})], [obj('a', {}, 'default')]))).toEqual([]);
  });
});
