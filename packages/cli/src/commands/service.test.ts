import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@kubelab/api';
import { readyPodNames, urlPorts } from './service';

const svc = (spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec });

describe('service --url', () => {
  it('serves the TCP ports of a Service with a selector', () => {
    const s = svc({
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80 },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    });
    expect(urlPorts(s).map((p) => p.name)).toEqual(['http']);
    expect(() => urlPorts(svc({ type: 'ExternalName', externalName: 'example.com' }))).toThrow(/ExternalName/);
    expect(() => urlPorts(svc({ ports: [{ port: 80 }] }))).toThrow(/no selector/);
    expect(() => urlPorts(svc({ selector: { a: 'b' }, ports: [{ port: 53, protocol: 'UDP' }] }))).toThrow(/no TCP port/);
  });

  it('picks among the ready pods of the EndpointSlices only', () => {
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc' },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.244.1.2'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'web-1' } },
        { addresses: ['10.244.1.3'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'web-2' } },
        { addresses: ['10.244.2.2'], targetRef: { kind: 'Pod', name: 'web-3' } },
      ],
    };
    expect(readyPodNames([slice])).toEqual(['web-1', 'web-3']);
  });
});
