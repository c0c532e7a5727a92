// Field selectors as Kubernetes takes them: per-kind field labels, 400 `field label not supported` otherwise.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { buildFilter } from './filters';

const pod = (name: string, nodeName?: string, hostNetwork?: boolean): KubeObject =>
  ({ metadata: { name, namespace: 'default' }, spec: { nodeName, hostNetwork }, status: { phase: 'Running' } }) as unknown as KubeObject;

describe('field selectors', () => {
  it('select pods by the fields Kubernetes supports', () => {
    const onN1 = buildFilter(undefined, 'spec.nodeName=n1,status.phase=Running', 'Pod');
    expect([pod('a', 'n1'), pod('b', 'n2')].filter(onN1).map((p) => p.metadata.name)).toEqual(['a']);
    expect([pod('a'), pod('b', undefined, true)].filter(buildFilter(undefined, 'spec.hostNetwork=false', 'Pod')).length).toBe(1);
    expect(buildFilter(undefined, 'metadata.name!=a', 'Deployment')(pod('a'))).toBe(false);
  });

  it('refuses other field labels with 400, in Kubernetes wording', () => {
    expect(() => buildFilter(undefined, 'spec.replicas=1', 'Deployment')).toThrow('field label not supported: spec.replicas');
    expect(() => buildFilter(undefined, 'status.podIP=1', 'Node')).toThrow(expect.objectContaining({ code: 400 }));
    expect(() => buildFilter(undefined, 'involvedObject.name=web,reason=Started', 'Event')).not.toThrow();
  });
});
