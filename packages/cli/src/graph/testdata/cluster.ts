// A small cluster as the API would list it, for the graph model's tests: two workers, a client, two web
// pods behind a Service, an Ingress to it, a deny policy on the web pods, and flows between them.
import type { EndpointSlice, Ingress, NetworkPolicy, Node, Pod, Service } from '@kubelab/api';
import type { Flow } from '../../flows/flows';
import type { GraphInput } from '../build';

const node = (name: string, ip: string, cidr: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: { podCIDR: cidr },
  status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: 'True' }] },
});

const pod = (name: string, nodeName: string, ip: string, labels: Record<string, string>, annotations?: Record<string, string>): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels, annotations },
    spec: { nodeName, containers: [{ name: 'main', image: 'kubelab/echo:latest' }] },
    status: {
      phase: 'Running',
      podIP: ip,
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'main', ready: true, restartCount: 1, state: { running: {} } }],
    },
  }) as Pod;

export function clusterInput(flows: Flow[] = []): GraphInput {
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.0.20',
      selector: { app: 'web' },
      ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }],
    },
  } as Service;
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['10.244.2.3'], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'default', name: 'web-2' } },
      { addresses: ['10.244.1.3'], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1' } },
    ],
  };
  const ingress: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'default' },
    spec: {
      rules: [
        {
          host: 'shop.local',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] },
        },
      ],
    },
  };
  const policy: NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'deny-web', namespace: 'default' },
    spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] },
  };
  return {
    cluster: 'demo',
    nodeSubnet: '172.30.0.0/24',
    nodes: [node('demo-worker2', '172.30.0.4', '10.244.2.0/24'), node('demo-worker', '172.30.0.3', '10.244.1.0/24')],
    pods: [
      pod('web-1', 'demo-worker', '10.244.1.3', { app: 'web' }),
      pod('web-2', 'demo-worker2', '10.244.2.3', { app: 'web' }),
      pod(
        'client',
        'demo-worker',
        '10.244.1.2',
        { app: 'client' },
        {
          'kubelab.io/netem': JSON.stringify([{ spec: { delayMs: 100, loss: 5 } }]),
        },
      ),
    ],
    services: [service],
    endpointSlices: [slice],
    ingresses: [ingress],
    networkPolicies: [policy],
    flows,
  };
}

export const forwarded = (sport: number, dst: string, dstPod: string): Flow => ({
  node: 'demo-worker',
  verdict: 'FORWARDED',
  protocol: 'TCP',
  src: { ip: '10.244.1.2', port: sport, pod: 'default/client' },
  dst: { ip: dst, port: 8080, pod: dstPod },
  service: 'default/web',
  state: 'TIME_WAIT',
});

export const dropped = (sport: number, time: number): Flow => ({
  time,
  node: 'demo-worker2',
  verdict: 'DROPPED',
  protocol: 'TCP',
  src: { ip: '10.244.1.2', port: sport, pod: 'default/client' },
  dst: { ip: '10.244.2.3', port: 8080, pod: 'default/web-2' },
  policies: ['default/deny-web'],
  isolation: 'ingress of default/web-2',
});
