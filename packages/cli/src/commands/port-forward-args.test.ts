import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '@kubelab/api';
import { parsePortPairs, servicePortToPod } from './port-forward-args';

describe('port-forward arguments', () => {
  it("reads kubectl's [LOCAL:]REMOTE forms", () => {
    expect(parsePortPairs(['8080', '9000:80', ':443'])).toEqual([
      { local: 8080, remote: 8080 },
      { local: 9000, remote: 80 },
      { local: 0, remote: 443 },
    ]);
    expect(() => parsePortPairs(['x'])).toThrow("Error parsing local port 'x': not a valid port");
    expect(() => parsePortPairs(['1:2:3'])).toThrow("invalid port format '1:2:3'");
    expect(() => parsePortPairs([])).toThrow('at least 1 PORT is required for port-forward');
  });

  it("translates a Service port to the pod's target port, named ports included", () => {
    const svc = {
      metadata: { name: 'web' },
      spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 9000 }, { port: 82 }] },
    } as unknown as Service;
    const pod = {
      metadata: { name: 'web-1' },
      spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
    } as Pod;
    expect(servicePortToPod(svc, pod, 80)).toBe(8080);
    expect(servicePortToPod(svc, pod, 81)).toBe(9000);
    expect(servicePortToPod(svc, pod, 82)).toBe(82);
    expect(() => servicePortToPod(svc, pod, 8080)).toThrow('Service web does not have a service port 8080');
  });
});
