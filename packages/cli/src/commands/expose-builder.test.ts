import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { buildExposedService } from './expose-builder';

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'echo',
            image: 'kubelab/echo:latest',
            ports: [{ containerPort: 8080 }, { containerPort: 9000, protocol: 'UDP' }],
          },
        ],
      },
    },
  },
};

describe('buildExposedService (kubectl expose)', () => {
  it('takes the selector and labels of a Deployment and the ports given', () => {
    expect(buildExposedService(deployment, { port: '80', targetPort: '8080', type: 'NodePort' })).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'web' }, type: 'NodePort' },
    });
  });

  it('finds the container ports (and protocols) by introspection and names several port-1, port-2', () => {
    expect(buildExposedService(deployment, { name: 'web2' }).spec.ports).toEqual([
      { name: 'port-1', port: 8080, protocol: 'TCP', targetPort: 8080 },
      { name: 'port-2', port: 9000, protocol: 'UDP', targetPort: 9000 },
    ]);
  });

  it("uses a pod's labels as selector, and a named target port as a name", () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { run: 'p' } },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    };
    expect(buildExposedService(pod, { port: '80', targetPort: 'http', protocol: 'UDP', selector: 'a=b' }).spec).toEqual({
      ports: [{ port: 80, protocol: 'UDP', targetPort: 'http' }],
      selector: { a: 'b' },
    });
  });

  it('refuses what kubectl refuses, in its words', () => {
    const bare: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    expect(() => buildExposedService(bare, { port: '80' })).toThrow('the pod has no labels and cannot be exposed');
    expect(() => buildExposedService({ ...bare, metadata: { name: 'p', labels: { a: 'b' } } }, {})).toThrow(
      "couldn't find port via --port flag or introspection",
    );
    expect(() => buildExposedService({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, { port: '80' })).toThrow(
      'cannot expose a ConfigMap',
    );
    expect(() =>
      buildExposedService({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } }, {}),
    ).toThrow('the service has no pod selector set');
  });
});
