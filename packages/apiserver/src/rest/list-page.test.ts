import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import type { Response } from 'express';
import { encoded, listBody, paginate, sendList } from './list-page';

const pods: KubeObject[] = Array.from({ length: 7 }, (_, i) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'default', name: `p${i}` },
}));

describe('list pages', () => {
  it('cuts a list with limit and continue, keeping the first page resourceVersion', () => {
    const first = paginate(pods, 40, '3');
    expect(first.items.map((p) => p.metadata.name)).toEqual(['p0', 'p1', 'p2']);
    expect(first).toMatchObject({ resourceVersion: '40', remainingItemCount: 4 });
    const second = paginate(pods, 45, '3', first.continue);
    expect(second.items.map((p) => p.metadata.name)).toEqual(['p3', 'p4', 'p5']);
    expect(second.resourceVersion).toBe('40');
    const last = paginate(
      pods.filter((p) => p.metadata.name !== 'p6'),
      50,
      '3',
      second.continue,
    );
    expect(last.items).toEqual([]);
    expect(last.continue).toBeUndefined();
    expect(paginate(pods, 40).items).toHaveLength(7);
  });

  it('refuses a continue token it did not make, as kube-apiserver does', () => {
    expect(() => paginate(pods, 40, '3', 'not-a-token')).toThrow('continue key is not valid');
  });

  it('writes the List from each object text, serialized once', () => {
    const body = JSON.parse(listBody('PodList', 'v1', paginate(pods, 40, '2')));
    expect(body).toMatchObject({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '40', remainingItemCount: 5 } });
    expect(body.items).toEqual(pods.slice(0, 2));
    expect(encoded(pods[0])).toBe(encoded(pods[0]));
  });

  it('streams a long List in pieces that add up to the same body', async () => {
    const many: KubeObject[] = Array.from({ length: 3000 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'default', name: `q${String(i).padStart(4, '0')}`, labels: { big: 'x'.repeat(200) } },
    }));
    const chunks: string[] = [];
    const done = new Promise<void>((resolve) => {
      const res = {
        destroyed: false,
        type: () => res,
        send: (body: string) => {
          chunks.push(body);
          resolve();
        },
        write: (chunk: string) => chunks.push(chunk),
        end: (chunk: string) => {
          chunks.push(chunk);
          resolve();
        },
      };
      sendList(res as unknown as Response, 'PodList', 'v1', paginate(many, 9));
    });
    await done;
    expect(chunks.join('')).toBe(listBody('PodList', 'v1', paginate(many, 9)));
  });
});
