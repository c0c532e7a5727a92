import type { Ingress, Pod } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { IngressController } from './controller';
import { ingress, world } from './fixtures.test-util';
import { peerSelector, runningMultiplePods, type PodLister } from './status-shutdown';
import type { TlsStore } from './tls-store';
import type { UpstreamPools } from './upstreams';
import type { IngressWatchCache } from './watch-cache';

const labels = {
  'app.kubernetes.io/name': 'ingress-nginx',
  'app.kubernetes.io/component': 'controller',
  'pod-template-hash': '5d8f9c',
};

describe('peerSelector', () => {
  it("is the pod's labels without the per-revision ones, sorted", () => {
    expect(peerSelector({ ...labels, 'controller-revision-hash': 'x', 'pod-template-generation': '2' })).toBe(
      'app.kubernetes.io/component=controller,app.kubernetes.io/name=ingress-nginx',
    );
    expect(peerSelector(undefined)).toBe('');
  });
});

describe('runningMultiplePods', () => {
  const lister = (count: number, fail = false): PodLister & { selectors: string[] } => {
    const selectors: string[] = [];
    return {
      selectors,
      get: async (name) => {
        if (fail) throw new Error('connection refused');
        return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [] } } as Pod;
      },
      count: async (_ns, selector) => {
        selectors.push(selector);
        return count;
      },
    };
  };

  it('counts the pods with the peer selector: more than this one = multiple', async () => {
    const one = lister(1);
    expect(await runningMultiplePods(one, 'ctl-a', 'ingress-nginx')).toBe(false);
    expect(one.selectors).toEqual(['app.kubernetes.io/component=controller,app.kubernetes.io/name=ingress-nginx']);
    expect(await runningMultiplePods(lister(2), 'ctl-a', 'ingress-nginx')).toBe(true);
  });

  it('an API error answers false (ingress-nginx then clears the address)', async () => {
    expect(await runningMultiplePods(lister(3, true), 'ctl-a', 'ingress-nginx')).toBe(false);
  });
});

describe('IngressController.clearStatusOnShutdown', () => {
  const setup = () => {
    const patches: { name: string; body: unknown }[] = [];
    const addr = [{ hostname: 'localhost' }];
    const ours = { ...ingress('web', [{ host: 'a.test', paths: [['/', 'Prefix', 'web']] }]), status: { loadBalancer: { ingress: addr } } };
    const cleared = ingress('empty', [{ host: 'b.test', paths: [['/', 'Prefix', 'web']] }]);
    const other = {
      ...ingress('other', [{ host: 'c.test', paths: [['/', 'Prefix', 'web']] }], { className: 'traefik' }),
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.9' }] } },
    };
    const ings: Ingress[] = [ours, cleared, other];
    const w = world({ web: ['10.1.0.5'] });
    const cache = {
      synced: true,
      ingresses: { list: () => ings },
      classes: { list: () => [] },
      service: w.service,
      slicesOf: w.slices,
      configMap: () => undefined,
      secret: () => undefined,
    } as unknown as IngressWatchCache;
    const client = {
      patch: async (_r: unknown, name: string, body: unknown) => {
        patches.push({ name, body });
        return {};
      },
      create: async () => ({ object: {} }),
    } as unknown as KubeClient;
    const tls = { update: () => [] } as unknown as TlsStore;
    const pools = { retire: () => undefined } as unknown as UpstreamPools;
    const ctl = new IngressController(client, cache, tls, pools, pino({ level: 'silent' }), {
      className: 'nginx',
      controllerName: 'k8s.io/ingress-nginx',
      publishAddress: 'localhost',
      podName: 'ctl-a',
      isLeader: () => false,
    });
    return { ctl, patches };
  };

  it("the last pod clears status.loadBalancer of the Ingresses it serves (a merge patch removing the list); others' are left", async () => {
    const { ctl, patches } = setup();
    ctl.sync();
    await new Promise((r) => setTimeout(r, 10));
    expect(patches).toEqual([]);
    expect(await ctl.clearStatusOnShutdown(async () => false)).toBe(1);
    expect(patches).toEqual([{ name: 'web', body: { status: { loadBalancer: { ingress: null } } } }]);
  });

  it('with other controller pods running the address stays', async () => {
    const { ctl, patches } = setup();
    ctl.sync();
    await new Promise((r) => setTimeout(r, 10));
    expect(await ctl.clearStatusOnShutdown(async () => true)).toBe(0);
    expect(patches).toEqual([]);
  });
});
