// kubectl-style tables: upper-case headers, columns padded to the widest cell plus three spaces, at least six
// wide (kubectl's tabwriter settings), `<none>` for empty values.
import { age, cellText, columnsFor, type Column, type KubeObject, nodeRoles, nodeStatus } from '@kubelab/api';

// The columns themselves live in @kubelab/api, shared with the API server's Table responses.
export { age, columnsFor, nodeRoles, nodeStatus, type Column };

/** kubectl's tabwriter: three spaces of padding and a minimum cell width of six (printers.GetNewTabWriter). */
const cellWidth = (textWidth: number): number => Math.max(textWidth + 3, 6);

export function renderTable(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(cellWidth(widths[i]))))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

export interface TableOptions {
  wide?: boolean;
  /** -A: prefix a NAMESPACE column. */
  withNamespace?: boolean;
  noHeaders?: boolean;
  /** --show-labels: a LABELS column at the end. */
  showLabels?: boolean;
  /** -L key: one column per label key. */
  labelColumns?: string[];
  /** Several kinds in one listing: names read `pod/web`, `deployment.apps/web`. */
  namePrefix?: string;
  now?: number;
}

/** `app=web,tier=db`, sorted by key like labels.Set.String(). */
export function labelsString(labels: Record<string, string> | undefined): string {
  return Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${labels![k]}`)
    .join(',');
}

/** The columns a listing shows with these options, NAMESPACE and label columns included. */
export function tableColumns(kind: string, opts: TableOptions = {}): Column[] {
  let cols = columnsFor(kind).filter((c) => opts.wide || !c.wide);
  if (opts.namePrefix) {
    const prefix = opts.namePrefix;
    cols = cols.map((c) => (c.header === 'NAME' ? { ...c, value: (o, now) => `${prefix}/${c.value(o, now)}` } : c));
  }
  if (opts.withNamespace) cols = [{ header: 'NAMESPACE', value: (o) => o.metadata.namespace ?? '' }, ...cols];
  for (const key of opts.labelColumns ?? []) {
    cols.push({ header: key.split('/').pop()!.toUpperCase(), value: (o) => o.metadata.labels?.[key] ?? '', allowEmpty: true });
  }
  if (opts.showLabels) cols.push({ header: 'LABELS', value: (o) => labelsString(o.metadata.labels) });
  return cols;
}

export function tableRows(objs: KubeObject[], cols: Column[], now: number): string[][] {
  return objs.map((o) => cols.map((c) => cellText(c, o, now)));
}

export function printTable(objs: KubeObject[], kind: string, opts: TableOptions = {}): string {
  const now = opts.now ?? Date.now();
  const cols = tableColumns(kind, opts);
  const rows = tableRows(objs, cols, now);
  return renderTable(opts.noHeaders ? rows : [cols.map((c) => c.header), ...rows]);
}

/**
 * Rows printed one at a time by `get -w`. kubectl's tabwriter remembers column widths across flushes
 * (liggitt/tabwriter RememberWidths): a row lines up with what came before and widens a column for good when a
 * cell is longer.
 */
export class WatchRowPrinter {
  private widths: number[];

  constructor(
    private readonly cols: Column[],
    /** Rows already printed (header included), whose widths later rows line up with. */
    printed: string[][] = [],
  ) {
    this.widths = cols.map((_, i) => Math.max(0, ...printed.map((r) => (r[i] ?? '').length)));
  }

  header(): string {
    return this.format(this.cols.map((c) => c.header));
  }

  row(obj: KubeObject, now = Date.now()): string {
    return this.format(tableRows([obj], this.cols, now)[0]);
  }

  private format(cells: string[]): string {
    this.widths = this.widths.map((w, i) => Math.max(w, cells[i].length));
    return cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(cellWidth(this.widths[i]))))
      .join('')
      .trimEnd();
  }
}
