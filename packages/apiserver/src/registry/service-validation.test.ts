import { describe, expect, it } from 'vitest';
import type { Service } from '@kubelab/api';
import { defaultService, dropTypeDependentFields, patchAllocatedValues } from './service-defaults';
import { validateService, validateServiceUpdate } from './service-validation';

const svc = (spec: Record<string, unknown>): Service => {
  const s = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { ports: [{ port: 80 }], ...spec },
  } as Service;
  defaultService(s);
  return s;
};
const messages = (s: Service): string[] => validateService(s).map((e) => `${e.field}: ${e.message}`);

describe('validateService (Kubernetes wording)', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a plain ClusterIP Service', {}, []],
    ['no ports', { ports: [] }, ['spec.ports: Required value']],
    ['a headless Service without ports', { ports: [], clusterIP: 'None', clusterIPs: ['None'] }, []],
    [
      'multi-port without names',
      { ports: [{ port: 80 }, { port: 81 }] },
      ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'],
    ],
    [
      'duplicate port names',
      {
        ports: [
          { name: 'a', port: 80 },
          { name: 'a', port: 81 },
        ],
      },
      ['spec.ports[1].name: Duplicate value: "a"'],
    ],
    [
      'a port name that is no DNS label',
      { ports: [{ name: 'Web', port: 80 }] },
      [
        `spec.ports[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
    [
      'port 0 (targetPort defaults to it)',
      { ports: [{ port: 0 }] },
      [
        'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
        'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
      ],
    ],
    [
      'an unknown protocol',
      { ports: [{ port: 80, protocol: 'ICMP' }] },
      ['spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'the same port and protocol twice',
      {
        ports: [
          { name: 'a', port: 80 },
          { name: 'b', port: 80 },
        ],
      },
      ['spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}'],
    ],
    [
      'TCP and UDP on one port',
      {
        ports: [
          { name: 'a', port: 53, protocol: 'UDP' },
          { name: 'b', port: 53 },
        ],
      },
      [],
    ],
    [
      'a named targetPort that is no port name',
      { ports: [{ port: 80, targetPort: 'http_port' }] },
      ['spec.ports[0].targetPort: Invalid value: "http_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
    ],
    [
      'nodePort on ClusterIP',
      { ports: [{ port: 80, nodePort: 30080 }] },
      ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ],
    [
      'an unknown type',
      { type: 'Ingress' },
      [
        'spec.type: Unsupported value: "Ingress": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
        'spec.internalTrafficPolicy: Required value',
      ],
    ],
    [
      'headless NodePort',
      { type: 'NodePort', clusterIP: 'None', clusterIPs: ['None'] },
      ['spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for NodePort services'],
    ],
    ['ExternalName without a name', { type: 'ExternalName' }, ['spec.externalName: Required value']],
    ['ExternalName with a trailing dot', { type: 'ExternalName', externalName: 'example.com.' }, []],
    [
      'ExternalName with a clusterIP',
      { type: 'ExternalName', externalName: 'example.com', clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'] },
      ['spec.clusterIPs: Forbidden: may not be set for ExternalName services'],
    ],
    [
      'a malformed clusterIP',
      { clusterIP: '10.96.0.300', clusterIPs: ['10.96.0.300'] },
      ['spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ],
    [
      'clusterIPs without clusterIP',
      { clusterIPs: ['None'] },
      ['spec.clusterIPs: Invalid value: ["None"]: must be empty when `clusterIP` is not specified'],
    ],
    [
      'source ranges on a ClusterIP Service',
      { loadBalancerSourceRanges: ['10.0.0.0/8', 'nope'] },
      [
        "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
        'spec.LoadBalancerSourceRanges[1]: Invalid value: "nope": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      ],
    ],
    [
      'an IPv6 clusterIP on an IPv4 cluster',
      { clusterIP: '2001:db8::1', clusterIPs: ['2001:db8::1'] },
      ['spec.clusterIPs[0]: Invalid value: ["2001:db8::1"]: IPv6 is not configured on this cluster'],
    ],
    [
      'a too long ClientIP timeout',
      { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } },
      ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400'],
    ],
    [
      'externalTrafficPolicy on a ClusterIP Service',
      { externalTrafficPolicy: 'Local' },
      ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
    ],
    [
      'a selector with a bad label value',
      { selector: { app: 'a b' } },
      [
        `spec.selector[app]: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    ],
  ])('%s', (_name, spec, want) => {
    expect(messages(svc(spec))).toEqual(want);
  });

  it('defaults as SetDefaults_Service: type, protocol, targetPort, affinity timeout, traffic policies', () => {
    const s = svc({
      type: 'NodePort',
      sessionAffinity: 'ClientIP',
      ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }],
    });
    expect(s.spec).toMatchObject({
      type: 'NodePort',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      ports: [
        { port: 80, protocol: 'TCP', targetPort: 80 },
        { port: 53, protocol: 'UDP', targetPort: 'dns' },
      ],
    });
  });
});

describe('Service updates', () => {
  const stored = (spec: Record<string, unknown>): Service => svc({ clusterIP: '10.96.5.5', clusterIPs: ['10.96.5.5'], ...spec });

  it('refuses to change the ClusterIP once set', () => {
    const old = stored({});
    const next = stored({ clusterIP: '10.96.5.6', clusterIPs: ['10.96.5.6'] });
    expect(validateServiceUpdate(next, old).map((e) => `${e.field}: ${e.message}`)).toEqual([
      'spec.clusterIPs[0]: Invalid value: ["10.96.5.6"]: may not change once set',
    ]);
  });

  it('keeps allocated values a resubmitted manifest leaves out', () => {
    const old = stored({ type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] });
    const next = svc({ type: 'NodePort', ports: [{ name: 'http', port: 80 }] });
    patchAllocatedValues(next, old);
    expect(next.spec.clusterIP).toBe('10.96.5.5');
    expect(next.spec.ports?.[0].nodePort).toBe(30080);
  });

  it('drops clusterIP and nodePorts the user left as they were when the type no longer needs them', () => {
    const old = stored({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    const toClusterIP = structuredClone(old);
    toClusterIP.spec.type = 'ClusterIP';
    dropTypeDependentFields(toClusterIP, old);
    expect(toClusterIP.spec.ports?.[0].nodePort).toBeUndefined();
    expect(toClusterIP.spec.clusterIP).toBe('10.96.5.5');
    const toExternal = structuredClone(old);
    toExternal.spec.type = 'ExternalName';
    dropTypeDependentFields(toExternal, old);
    expect(toExternal.spec.clusterIP).toBeUndefined();
    expect(toExternal.spec.clusterIPs).toBeUndefined();
    expect(toExternal.spec.externalTrafficPolicy).toBeUndefined();
  });
});
