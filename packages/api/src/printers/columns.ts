// The `kubectl get` columns of every kind kubelab serves, as kube-apiserver's table convertor defines them
// (kubernetes pkg/printers/internalversion/printers.go): one code path for the API server's Table
// responses (meta.k8s.io/v1 Table) and the kubelab CLI's tables. Pure: cells are computed from the object
// and the time `now` the caller passes.
import { humanDuration } from '../time';
import type { Event, KubeObject, Namespace, Node } from '../types';
import { age } from './cells';
import { ingressClassColumns, ingressColumns } from './ingress-columns';
import { networkPolicyColumns } from './networkpolicy-columns';
import { roleBindingColumns, roleColumns, serviceAccountColumns } from './rbac-columns';
import { endpointSliceColumns, endpointsColumns, serviceColumns } from './service-columns';
import { configMapColumns, deploymentColumns, podColumns, replicaSetColumns, secretColumns } from './workload-columns';

export interface Column {
  /** What kubectl prints: the Kubernetes column name upper-cased. */
  header: string;
  value: (obj: KubeObject, now: number) => string;
  /** Shown only with -o wide (priority 1 in the Table's columnDefinitions). */
  wide?: boolean;
  /** An empty cell stays empty instead of reading `<none>` (kubectl's -L label columns). */
  allowEmpty?: boolean;
  /** The Kubernetes column name when `header` does not title-case back to it (`Up-to-date`). */
  name?: string;
  /** `integer` columns carry numbers in a Table's cells (the TableColumnDefinition type). */
  type?: 'integer';
}

const nameColumn: Column = { header: 'NAME', value: (o) => o.metadata.name ?? '' };
const ageColumn: Column = { header: 'AGE', value: age };

export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

export function nodeRoles(node: Node): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean)
    .sort();
  return roles.length ? roles.join(',') : '<none>';
}

function address(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

/** printEvent's timestamps: lastTimestamp, else firstTimestamp, else eventTime, else the object's age. */
function eventTimes(e: Event, now: number): { first: string; last: string } {
  const since = (t: unknown): string | undefined => {
    const ms = typeof t === 'string' ? Date.parse(t) : Number.NaN;
    return Number.isFinite(ms) ? humanDuration(now - ms) : undefined;
  };
  const first = since(e.firstTimestamp) ?? since(e.eventTime) ?? age(e, now);
  return { first, last: since(e.lastTimestamp) ?? first };
}

/** formatEventSource: `component, host`, or the reporting controller of events.k8s.io events. */
function eventSource(e: Event): string {
  const component = e.source?.component || (e.reportingController as string | undefined) || e.reportingComponent || '';
  const host = e.source?.host || (e.reportingInstance as string | undefined) || '';
  return host ? `${component}, ${host}` : component;
}

const event = (o: KubeObject): Event => o as Event;

const eventColumns: Column[] = [
  { header: 'LAST SEEN', value: (o, now) => eventTimes(event(o), now).last },
  { header: 'TYPE', value: (o) => event(o).type ?? '' },
  { header: 'REASON', value: (o) => event(o).reason ?? '' },
  {
    header: 'OBJECT',
    value: (o) => {
      const i = event(o).involvedObject;
      const kind = (i?.kind ?? '').toLowerCase();
      return i?.name ? `${kind}/${i.name}` : kind;
    },
  },
  { header: 'SUBOBJECT', value: (o) => event(o).involvedObject?.fieldPath ?? '', wide: true, allowEmpty: true },
  { header: 'SOURCE', value: (o) => eventSource(event(o)), wide: true },
  { header: 'MESSAGE', value: (o) => (event(o).message ?? '').trim() },
  { header: 'FIRST SEEN', value: (o, now) => eventTimes(event(o), now).first, wide: true },
  { header: 'COUNT', value: (o) => String(event(o).count || 1), wide: true, type: 'integer' },
  { header: 'NAME', value: (o) => o.metadata.name ?? '', wide: true },
];

const nodeColumns: Column[] = [
  nameColumn,
  { header: 'STATUS', value: (o) => nodeStatus(o as Node) },
  { header: 'ROLES', value: (o) => nodeRoles(o as Node) },
  ageColumn,
  { header: 'VERSION', value: (o) => (o as Node).status?.nodeInfo?.kubeletVersion ?? '' },
  { header: 'INTERNAL-IP', value: (o) => address(o as Node, 'InternalIP'), wide: true },
  { header: 'EXTERNAL-IP', value: (o) => address(o as Node, 'ExternalIP'), wide: true },
  { header: 'OS-IMAGE', value: (o) => (o as Node).status?.nodeInfo?.osImage ?? '<unknown>', wide: true },
  { header: 'KERNEL-VERSION', value: (o) => (o as Node).status?.nodeInfo?.kernelVersion ?? '<unknown>', wide: true },
  { header: 'CONTAINER-RUNTIME', value: (o) => (o as Node).status?.nodeInfo?.containerRuntimeVersion ?? '<unknown>', wide: true },
];

const columnsByKind: Record<string, Column[]> = {
  Node: nodeColumns,
  Namespace: [nameColumn, { header: 'STATUS', value: (o) => (o as Namespace).status?.phase ?? '' }, ageColumn],
  Event: eventColumns,
  Pod: podColumns,
  Deployment: deploymentColumns,
  ReplicaSet: replicaSetColumns,
  ConfigMap: configMapColumns,
  Secret: secretColumns,
  Service: serviceColumns,
  Endpoints: endpointsColumns,
  EndpointSlice: endpointSliceColumns,
  Ingress: ingressColumns,
  IngressClass: ingressClassColumns,
  // printLease: the holder of a node's Lease is the node.
  Lease: [
    nameColumn,
    { header: 'HOLDER', value: (o) => String((o.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '') },
    ageColumn,
  ],
  NetworkPolicy: networkPolicyColumns,
  ServiceAccount: serviceAccountColumns,
  Role: roleColumns,
  ClusterRole: roleColumns,
  RoleBinding: roleBindingColumns,
  ClusterRoleBinding: roleBindingColumns,
};

/** The columns of a kind: the default table (NAME, AGE) for kinds without their own printer. */
export function columnsFor(kind: string): Column[] {
  return columnsByKind[kind] ?? [nameColumn, ageColumn];
}

/** A cell as kubectl shows it: `<none>` for an empty value except in NAME and allowEmpty columns. */
export function cellText(col: Column, obj: KubeObject, now: number): string {
  return col.value(obj, now) || (col.header === 'NAME' || col.allowEmpty ? '' : '<none>');
}

/**
 * The Kubernetes name of a column, `NOMINATED NODE` -> `Nominated Node`, `CLUSTER-IP` -> `Cluster-IP`:
 * kubectl upper-cases these names for its headers, so this is the way back.
 */
export function columnName(col: Column): string {
  if (col.name) return col.name;
  return col.header.replace(/[A-Z0-9()]+/gi, (w) => (w === 'IP' || w === 'OS' ? w : w[0] + w.slice(1).toLowerCase()));
}
