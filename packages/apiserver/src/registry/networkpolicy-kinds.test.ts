// NetworkPolicy defaults and validation through the object service (no HTTP), with kube-apiserver's wording
// (pkg/apis/networking/validation validation_test.go cases).
import protobuf from 'protobufjs/minimal';
import { beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject, NetworkPolicy } from '@kubelab/api';
import { openApiV3 } from '../openapi';
import { decodeKubeProtobuf } from '../rest/protobuf/kube-protobuf';
import { Store } from '../storage/store';
import { namespaceStrategy } from './core-kinds';
import { networkPolicyStrategy } from './networkpolicy-kinds';
import { networkPolicyWarnings, parseCidrSloppy } from './networkpolicy-validation';
import { ObjectService } from './object-service';
import { Registry } from './strategy';

let service: ObjectService;

beforeEach(() => {
  service = new ObjectService(new Store(), new Registry().add(namespaceStrategy).add(networkPolicyStrategy));
  service.create(namespaceStrategy, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
});

function np(spec: unknown, name = 'p'): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name }, spec };
}

function createError(obj: KubeObject): string {
  try {
    service.create(networkPolicyStrategy, 'default', obj);
  } catch (err) {
    expect((err as { code?: number }).code).toBe(422);
    return (err as Error).message;
  }
  throw new Error('expected the create to fail');
}

describe('NetworkPolicy defaults', () => {
  it('is an Ingress policy without policyTypes, and an Egress one too when it has egress rules; ports default to TCP', () => {
    const a = service.create(networkPolicyStrategy, 'default', np({ podSelector: {} })).object as NetworkPolicy;
    expect(a.spec.policyTypes).toEqual(['Ingress']);
    const b = service.create(networkPolicyStrategy, 'default', np({ podSelector: {}, egress: [{ ports: [{ port: 53 }] }] }, 'b'))
      .object as NetworkPolicy;
    expect(b.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(b.spec.egress?.[0].ports?.[0]).toEqual({ port: 53, protocol: 'TCP' });
    const c = service.create(networkPolicyStrategy, 'default', np({ policyTypes: ['Egress'] }, 'c')).object as NetworkPolicy;
    expect(c.spec).toEqual({ policyTypes: ['Egress'], podSelector: {} });
  });
});

describe('NetworkPolicy validation', () => {
  const cases: [string, unknown, string][] = [
    [
      'a bad CIDR',
      { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] },
      'NetworkPolicy "p" is invalid: spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ],
    [
      'an except outside the CIDR',
      { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24', '10.0.0.0/16'] } }] }] },
      'NetworkPolicy "p" is invalid: [spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`, spec.egress[0].to[0].ipBlock.except[1]: Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`]',
    ],
    [
      'an unknown protocol',
      { podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP', port: 80 }] }] },
      'NetworkPolicy "p" is invalid: spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
    ],
    [
      'endPort without port',
      { podSelector: {}, ingress: [{ ports: [{ endPort: 90 }] }] },
      'NetworkPolicy "p" is invalid: spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified',
    ],
    [
      'endPort below port',
      { podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }] },
      'NetworkPolicy "p" is invalid: spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`',
    ],
    [
      'endPort with a named port',
      { podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 80 }] }] },
      'NetworkPolicy "p" is invalid: spec.ingress[0].ports[0].endPort: Invalid value: 80: may not be specified when `port` is non-numeric',
    ],
    [
      'a port out of range and a bad port name',
      { podSelector: {}, egress: [{ ports: [{ port: 0 }, { port: 'Web_1' }] }] },
      'NetworkPolicy "p" is invalid: [spec.egress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive, spec.egress[0].ports[1].port: Invalid value: "Web_1": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)]',
    ],
    [
      'an empty peer',
      { podSelector: {}, ingress: [{ from: [{}] }] },
      'NetworkPolicy "p" is invalid: spec.ingress[0].from[0]: Required value: must specify a peer',
    ],
    [
      'ipBlock beside a selector',
      { podSelector: {}, ingress: [{ from: [{ podSelector: {}, ipBlock: { cidr: '10.0.0.0/8' } }] }] },
      'NetworkPolicy "p" is invalid: spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer',
    ],
    [
      'a selector with a bad operator and no values',
      {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }] },
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In' }] } }] }],
      },
      'NetworkPolicy "p" is invalid: [spec.podSelector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator, spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values: Required value: must be specified when `operator` is \'In\' or \'NotIn\']',
    ],
    [
      'an unknown policy type',
      { podSelector: {}, policyTypes: ['Ingress', 'Sideways'] },
      'NetworkPolicy "p" is invalid: spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
    ],
    [
      'three policy types',
      { podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] },
      'NetworkPolicy "p" is invalid: spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes',
    ],
  ];
  it.each(cases)('refuses %s with 422 naming the field', (_what, spec, message) => {
    expect(createError(np(spec))).toBe(message);
  });

  it('accepts IPv6 blocks, SCTP and port ranges', () => {
    service.create(
      networkPolicyStrategy,
      'default',
      np({
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [
          {
            from: [{ ipBlock: { cidr: '2001:db8::/64', except: ['2001:db8::/96'] } }],
            ports: [{ protocol: 'SCTP', port: 9000, endPort: 9010 }],
          },
        ],
      }),
    );
  });

  it('warns about CIDRs with host bits set, as GetWarningsForCIDR', () => {
    expect(networkPolicyWarnings({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.1/24' } }] }] })).toEqual([
      'spec.ingress[0].from[0].ipBlock.cidr: CIDR value "10.0.0.1/24" is ambiguous in this context (should be "10.0.0.0/24" or "10.0.0.1/32"?)',
    ]);
    expect(parseCidrSloppy('::ffff:10.0.0.0/120')?.bits).toBe(128);
    expect(parseCidrSloppy('010.0.0.0/8')?.prefix).toBe(8);
  });
});

describe('NetworkPolicy for kubectl', () => {
  type W = protobuf.Writer;
  const msg = (id: number, w: W, body: (w: W) => void): W => {
    w.uint32((id << 3) | 2).fork();
    body(w);
    return w.ldelim();
  };
  const str = (w: W, id: number, v: string): W => w.uint32((id << 3) | 2).string(v);

  it('decodes a protobuf body (networking/v1 generated.proto field numbers)', () => {
    const np = protobuf.Writer.create();
    msg(1, np, (m) => str(m, 1, 'web'));
    msg(2, np, (spec) => {
      msg(1, spec, (sel) => msg(1, sel, (e) => str(str(e, 1, 'app'), 2, 'web')));
      msg(2, spec, (rule) => {
        msg(1, rule, (port) => {
          str(port, 1, 'TCP');
          msg(2, port, (p) =>
            p
              .uint32(1 << 3)
              .int64(0)
              .uint32(2 << 3)
              .int32(8000),
          );
          port.uint32(3 << 3).int32(8080);
        });
        msg(2, rule, (peer) => msg(3, peer, (b) => str(str(b, 1, '10.0.0.0/8'), 2, '10.1.0.0/16')));
      });
      str(spec, 4, 'Ingress');
    });
    const w = protobuf.Writer.create();
    msg(1, w, (t) => str(str(t, 1, 'networking.k8s.io/v1'), 2, 'NetworkPolicy'));
    w.uint32((2 << 3) | 2).bytes(np.finish());
    expect(decodeKubeProtobuf(Buffer.concat([Buffer.from('k8s\0', 'latin1'), w.finish()]))).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web' },
      spec: {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [
          { ports: [{ protocol: 'TCP', port: 8000, endPort: 8080 }], from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] },
        ],
        policyTypes: ['Ingress'],
      },
    });
  });

  it('is in /openapi/v3 with its GVK, so kubectl explain and apply find it', () => {
    const doc = openApiV3(new Registry().add(networkPolicyStrategy), 'apis/networking.k8s.io/v1') as {
      components: { schemas: Record<string, { properties: Record<string, unknown>; 'x-kubernetes-group-version-kind'?: unknown }> };
    };
    const schema = doc.components.schemas['io.k8s.api.networking.v1.NetworkPolicy'];
    expect(schema['x-kubernetes-group-version-kind']).toEqual([{ group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' }]);
    expect(Object.keys(doc.components.schemas['io.k8s.api.networking.v1.NetworkPolicyPort'].properties)).toEqual([
      'protocol',
      'port',
      'endPort',
    ]);
  });
});
