// Server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` answers a meta.k8s.io Table
// instead of the object or list, as kube-apiserver's asTable does (k8s.io/apiserver pkg/endpoints/handlers
// response.go); kubectl get asks for it and prints the rows as they come. The columns are the ones the
// kubelab CLI prints (@kubelab/api printers), so both print the same thing from one code path. All columns
// come back, priority 1 for the -o wide ones (the server generates tables with Wide on; kubectl filters).
import { type Column, cellText, columnName, columnsFor, type KubeObject, StatusError } from '@kubelab/api';
import { queryValues } from './query-params';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRequest {
  /** The meta.k8s.io version asked for: v1, or v1beta1 (older clients). */
  version: 'v1' | 'v1beta1';
  includeObject: IncludeObject;
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((part) => {
      const [type, ...params] = part.split(';').map((s) => s.trim());
      const p: Record<string, string> = {};
      for (const kv of params) {
        const eq = kv.indexOf('=');
        if (eq > 0) p[kv.slice(0, eq).trim().toLowerCase()] = kv.slice(eq + 1).trim();
      }
      return { type: (type ?? '').toLowerCase(), params: p };
    })
    .filter((m) => m.type);
}

const includeValues: IncludeObject[] = ['Metadata', 'None', 'Object'];

/**
 * Whether the request asks for a Table: the first media range of the Accept header that kubelab can serve
 * decides (kubectl sends `...;as=Table;v=v1;g=meta.k8s.io, ...;as=Table;v=v1beta1;g=meta.k8s.io,
 * application/json`). ?includeObject= is checked as ValidateTableOptions does (400 otherwise).
 */
export function tableRequest(accept: string | undefined, includeObject: unknown): TableRequest | undefined {
  for (const m of parseAccept(accept ?? '')) {
    if (m.type !== 'application/json' && m.type !== 'application/*' && m.type !== '*/*') continue;
    const as = m.params.as;
    if (as === undefined) return undefined;
    if (as !== 'Table' || m.params.g !== 'meta.k8s.io' || (m.params.v !== 'v1' && m.params.v !== 'v1beta1')) continue;
    const include = queryValues(includeObject)[0] ?? '';
    if (include !== '' && !includeValues.includes(include as IncludeObject)) {
      throw new StatusError(
        'BadRequest',
        `includeObject: Unsupported value: ${JSON.stringify(include)}: supported values: "Metadata", "None", "Object", ""`,
      );
    }
    return { version: m.params.v, includeObject: (include || 'Metadata') as IncludeObject };
  }
  return undefined;
}

/** TableColumnDefinition of a column: Name carries format `name`, counts are integers. */
function columnDefinition(c: Column) {
  return {
    name: columnName(c),
    type: c.type ?? 'string',
    format: c.header === 'NAME' && !c.wide ? 'name' : '',
    description: c.header === 'NAME' ? 'Name must be unique within a namespace.' : '',
    priority: c.wide ? 1 : 0,
  };
}

function embedded(obj: KubeObject, include: IncludeObject): object | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export interface TableMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/**
 * A Table of `objects` of one kind: one row each, cells as kubectl shows them. `noHeaders` leaves the
 * column definitions out (null, as Go encodes them), as a watch does after its first event.
 */
export function toTable(
  kind: string,
  objects: KubeObject[],
  req: TableRequest,
  meta: TableMeta = {},
  now = Date.now(),
  noHeaders = false,
): object {
  const cols = columnsFor(kind);
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${req.version}`,
    metadata: meta,
    columnDefinitions: noHeaders ? null : cols.map(columnDefinition),
    rows: objects.map((o) => {
      const object = embedded(o, req.includeObject);
      return {
        cells: cols.map((c) => {
          const text = cellText(c, o, now);
          return c.type === 'integer' && /^-?\d+$/.test(text) ? Number(text) : text;
        }),
        ...(object ? { object } : {}),
      };
    }),
  };
}
