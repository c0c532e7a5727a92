import { describe, expect, it } from 'vitest';
import type { Pod } from '@kubelab/api';
import type { Endpoint } from '../netem/faults';
import { printFaults, splitPair } from './netem';

describe('netem targets', () => {
  it('splits A--B at the first double dash', () => {
    expect(splitPair('web')).toEqual(['web']);
    expect(splitPair('ping-a--ping-b')).toEqual(['ping-a', 'ping-b']);
    expect(splitPair('deploy/web--node/kl-worker')).toEqual(['deploy/web', 'node/kl-worker']);
    expect(() => splitPair('a--')).toThrow('invalid pair "a--": use A--B');
  });

  it('shows each impairment and each partition once, whether its helper runs, and by which mechanism', () => {
    const pod = (name: string, annotations: Record<string, string>): Endpoint => ({
      kind: 'pod',
      ref: `pod default/${name}`,
      namespace: 'default',
      name,
      ip: '10.244.1.2',
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', annotations } } as Pod,
    });
    const out: string[] = [];
    const a = pod('a', {
      'kubelab.io/netem': JSON.stringify([
        { spec: { delayMs: 100, loss: 5 }, mechanism: 'emulated: Specified qdisc kind is unknown.' },
        { peer: 'node w2', peerIP: '172.30.0.4', spec: { rateBps: 1e6 }, mechanism: 'tc' },
      ]),
      'kubelab.io/partition': JSON.stringify([{ ref: 'pod default/b', name: 'pod default/b', addresses: ['10.244.2.2'] }]),
    });
    const b = pod('b', {
      'kubelab.io/partition': JSON.stringify([{ ref: 'pod default/a', name: 'pod default/a', addresses: ['10.244.1.2'] }]),
    });
    printFaults({ out: (l) => out.push(l), err: () => undefined }, [a, b], []);
    expect(out.join('\n').split('\n')).toEqual([
      'TARGET          TO              IMPAIRMENT                          ACTIVE             MECHANISM',
      'pod default/a   *               delay 100ms loss 5%                 no (helper gone)   emulated (tc: Specified qdisc kind is unknown.)',
      'pod default/a   node w2         rate 1mbit                          no (helper gone)   tc netem',
      'pod default/a   pod default/b   partitioned (all traffic dropped)   yes                iptables',
    ]);
  });
});
