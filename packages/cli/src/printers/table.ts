// kubectl-style tables: upper-case headers, columns padded to the widest cell plus three spaces
// (kubectl's tabwriter settings), `<none>` for empty values.
import { humanDuration, type KubeObject, type Namespace, type Node } from '@kubelab/api';

export interface Column {
  header: string;
  value: (obj: KubeObject, now: number) => string;
  /** Shown only with -o wide. */
  wide?: boolean;
}

export function age(obj: KubeObject, now: number): string {
  const created = Date.parse(obj.metadata.creationTimestamp ?? '');
  return Number.isFinite(created) ? humanDuration(now - created) : '<unknown>';
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

const columnsByKind: Record<string, Column[]> = {
  Node: [
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
  ],
  Namespace: [nameColumn, { header: 'STATUS', value: (o) => (o as Namespace).status?.phase ?? '' }, ageColumn],
  Event: [
    { header: 'LAST SEEN', value: (o, now) => (o.lastTimestamp ? humanDuration(now - Date.parse(String(o.lastTimestamp))) : age(o, now)) },
    { header: 'TYPE', value: (o) => String(o.type ?? '') },
    { header: 'REASON', value: (o) => String(o.reason ?? '') },
    { header: 'OBJECT', value: (o) => { const i = o.involvedObject as { kind?: string; name?: string }; return `${(i?.kind ?? '').toLowerCase()}/${i?.name ?? ''}`; } },
    { header: 'MESSAGE', value: (o) => String(o.message ?? '') },
  ],
};

/** Columns for a kind; other modules add theirs with registerColumns. */
export function columnsFor(kind: string): Column[] {
  return columnsByKind[kind] ?? [nameColumn, ageColumn];
}

export function registerColumns(kind: string, columns: Column[]): void {
  columnsByKind[kind] = columns;
}

export function renderTable(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] + 3))).join('').trimEnd())
    .join('\n');
}

export interface TableOptions {
  wide?: boolean;
  /** -A: prefix a NAMESPACE column. */
  withNamespace?: boolean;
  noHeaders?: boolean;
  now?: number;
}

export function printTable(objs: KubeObject[], kind: string, opts: TableOptions = {}): string {
  const now = opts.now ?? Date.now();
  let cols = columnsFor(kind).filter((c) => opts.wide || !c.wide);
  if (opts.withNamespace) cols = [{ header: 'NAMESPACE', value: (o) => o.metadata.namespace ?? '' }, ...cols];
  const rows = objs.map((o) => cols.map((c) => c.value(o, now) || (c.header === 'NAME' ? '' : '<none>')));
  return renderTable(opts.noHeaders ? rows : [cols.map((c) => c.header), ...rows]);
}
