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

  it('shows each impairment and each partition once, and whether its helper runs', () => {
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
      'kubelab.io/netem': JSON.stringify([{ spec: { delayMs: 100, loss: 5 } }]),
      'kubelab.io/partition': JSON.stringify([{ ref: 'pod default/b', name: 'pod default/b', addresses: ['10.244.2.2'] }]),
    });
    const b = pod('b', {
      'kubelab.io/partition': JSON.stringify([{ ref: 'pod default/a', name: 'pod default/a', addresses: ['10.244.1.2'] }]),
    });
    printFaults({ out: (l) => out.push(l), err: () => undefined }, [a, b], []);
    expect(out.join('\n').split('\n')).toEqual([
      'TARGET          TO              IMPAIRMENT                          ACTIVE',
      'pod default/a   *               delay 100ms loss 5%                 no (helper gone)',
      'pod default/a   pod default/b   partitioned (all traffic dropped)   yes',
    ]);
  });
});
