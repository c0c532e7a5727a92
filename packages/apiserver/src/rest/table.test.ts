// Server-side Tables: the Accept negotiation kubectl uses, includeObject, the columns and cell types of
// kube-apiserver's printers, and Tables over a list, a get and a watch (real HTTP on loopback).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubelab/api';
import { startApiServer, type RunningApiServer } from '../api-server';
import { tableRequest, toTable } from './table';

interface TableBody {
  kind: string;
  rows: { cells: unknown[]; object: { kind: string } }[];
  metadata: { continue?: string };
}

const kubectlAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('tableRequest', () => {
  it('reads the first media range kubelab can serve', () => {
    expect(tableRequest(kubectlAccept, undefined)).toEqual({ version: 'v1', includeObject: 'Metadata' });
    expect(tableRequest('application/json;as=Table;v=v1beta1;g=meta.k8s.io', 'Object')).toEqual({
      version: 'v1beta1',
      includeObject: 'Object',
    });
    expect(tableRequest('application/json', undefined)).toBeUndefined();
    expect(tableRequest(undefined, undefined)).toBeUndefined();
    expect(tableRequest('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json', undefined)).toBeUndefined();
    expect(() => tableRequest(kubectlAccept, 'Everything')).toThrow('includeObject: Unsupported value: "Everything"');
  });
});

const pod = (name: string, extra: Record<string, unknown> = {}): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'c', image: 'i' }], nodeName: 'n1' },
    status: {
      phase: 'Running',
      podIP: '10.244.1.5',
      containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'i', imageID: '', state: { running: {} } }],
    },
    ...extra,
  }) as KubeObject;

describe('toTable', () => {
  const now = Date.parse('2026-01-01T00:05:00Z');

  it('pods: the columns of printPod, wide ones at priority 1', () => {
    const t = toTable('Pod', [pod('web')], { version: 'v1', includeObject: 'None' }, { resourceVersion: '7' }, now) as {
      columnDefinitions: { name: string; priority: number; format: string }[];
      rows: { cells: unknown[]; object?: unknown }[];
      metadata: unknown;
    };
    expect(t.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ]);
    expect(t.columnDefinitions[0].format).toBe('name');
    expect(t.rows).toEqual([{ cells: ['web', '1/1', 'Running', '0', '5m', '10.244.1.5', 'n1', '<none>', '<none>'] }]);
    expect(t.metadata).toEqual({ resourceVersion: '7' });
  });

  it('deployments: integer columns carry numbers; includeObject Metadata embeds PartialObjectMetadata', () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      },
      status: { readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 },
    } as unknown as KubeObject;
    const t = toTable('Deployment', [d], { version: 'v1', includeObject: 'Metadata' }, {}, now) as {
      columnDefinitions: { name: string; type: string }[];
      rows: { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[];
    };
    expect(t.columnDefinitions.map((c) => `${c.name}:${c.type}`)).toEqual([
      'Name:string',
      'Ready:string',
      'Up-to-date:integer',
      'Available:integer',
      'Age:string',
      'Containers:string',
      'Images:string',
      'Selector:string',
    ]);
    expect(t.rows[0].cells).toEqual(['web', '1/2', 2, 1, '5m', 'web', 'nginx', 'app=web']);
    expect(t.rows[0].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: d.metadata });
  });

  it('services and nodes keep Kubernetes column names', () => {
    const names = (kind: string) =>
      (toTable(kind, [], { version: 'v1', includeObject: 'None' }) as { columnDefinitions: { name: string }[] }).columnDefinitions.map(
        (c) => c.name,
      );
    expect(names('Service')).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    expect(names('Node')).toEqual([
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
      'Internal-IP',
      'External-IP',
      'OS-Image',
      'Kernel-Version',
      'Container-Runtime',
    ]);
    expect(names('EndpointSlice')).toEqual(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    expect(names('Lease')).toEqual(['Name', 'Holder', 'Age']);
    expect(names('Event')).toEqual([
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Subobject',
      'Source',
      'Message',
      'First Seen',
      'Count',
      'Name',
    ]);
  });
});

describe('Tables over HTTP', () => {
  let server: RunningApiServer;
  const url = (p: string) => `http://127.0.0.1:${server.port}${p}`;
  beforeAll(async () => {
    server = await startApiServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }) });
    for (const name of ['a', 'b'])
      await fetch(url('/api/v1/namespaces/default/pods'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'i' }] } }),
      });
  });
  afterAll(() => server.close());

  it('list, paged list and get answer Tables; plain JSON otherwise', async () => {
    const get = (p: string, accept = kubectlAccept) => fetch(url(p), { headers: { accept } }).then((r) => r.json() as Promise<TableBody>);
    const list = await get('/api/v1/namespaces/default/pods');
    expect(list.kind).toBe('Table');
    expect(list.rows.map((r) => r.cells[0])).toEqual(['a', 'b']);
    const page = await get('/api/v1/namespaces/default/pods?limit=1&includeObject=Object');
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0].object.kind).toBe('Pod');
    expect(page.metadata.continue).toBeTruthy();
    const one = await get('/api/v1/namespaces/default/pods/b');
    expect(one.rows[0].cells.slice(0, 3)).toEqual(['b', '0/1', 'Pending']);
    expect((await get('/api/v1/namespaces/default/pods/b', 'application/json')).kind).toBe('Pod');
  });

  it('a watch sends a one-row Table per event', async () => {
    const ac = new AbortController();
    const res = await fetch(url('/api/v1/namespaces/default/pods?watch=1'), { headers: { accept: kubectlAccept }, signal: ac.signal });
    const reader = res.body!.getReader();
    let text = '';
    while (text.split('\n').length < 3) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    const events = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(events[0].type).toBe('ADDED');
    expect(events[0].object.kind).toBe('Table');
    expect(events[0].object.rows).toHaveLength(1);
    expect(events.map((e) => e.object.rows[0].cells[0])).toEqual(['a', 'b']);
    // Headers once, as kube-apiserver sends them (NoHeaders after the first event).
    expect(events[0].object.columnDefinitions).toHaveLength(5 + 4);
    expect(events[1].object.columnDefinitions).toBeNull();
  });
});
