// `get -w` / `--watch-only`: the listing, then one row per change without repeating the header, until Ctrl-C.
// Watches resume from the last resourceVersion when the server closes the stream (its timeout), and re-list
// when that version is too old (410 Gone), as reflectors do.
import { StatusError, toYaml, type KubeObject } from '@kubelab/api';
import { watch, type KubeClient } from '@kubelab/client';
import type { Io } from '../command-kit';
import { CliError } from '../errors';
import { parseOutputFormat } from '../printers/output';
import { renderTable, tableColumns, tableRows, WatchRowPrinter } from '../printers/table';
import { kindName, parseResourceArgs } from '../resource-args';
import { emptyMessage, scopeOf, type GetOptions } from './get-common';

export async function watchAndPrint(client: KubeClient, args: string[], opts: GetOptions, io: Io, signal?: AbortSignal): Promise<void> {
  const format = parseOutputFormat(opts.output);
  const requests = parseResourceArgs(args);
  if (requests.length !== 1 || requests[0].names.length > 1) {
    throw new CliError(
      `watch is only supported on individual resources and resource collections, but ${requests.reduce((n, r) => n + Math.max(1, r.names.length), 0)} resources were found`,
    );
  }
  const request = requests[0];
  const r = request.resource;
  const ns = scopeOf(request, opts);
  const nameSelector = request.names.length === 1 ? `metadata.name=${request.names[0]}` : undefined;
  const fieldSelector = [nameSelector, opts.fieldSelector].filter(Boolean).join(',') || undefined;
  const filters = { labelSelector: opts.selector, fieldSelector };

  const list = await client.list(r, ns, filters);
  if (nameSelector && list.items.length === 0 && !opts.watchOnly) {
    throw new StatusError('NotFound', `${r.group ? `${r.plural}.${r.group}` : r.plural} "${request.names[0]}" not found`);
  }
  const cols = tableColumns(r.kind, {
    wide: format === 'wide',
    withNamespace: r.namespaced && opts.allNamespaces,
    showLabels: opts.showLabels,
    labelColumns: opts.labelColumns,
  });
  const tableLike = format === 'table' || format === 'wide';
  let headerPending = tableLike && !opts.noHeaders;
  let rowPrinter = new WatchRowPrinter(cols);
  if (!opts.watchOnly) {
    if (list.items.length > 0) {
      if (tableLike) {
        const rows = tableRows(list.items, cols, Date.now());
        const printed = opts.noHeaders ? rows : [cols.map((c) => c.header), ...rows];
        io.out(renderTable(printed));
        rowPrinter = new WatchRowPrinter(cols, printed);
        headerPending = false;
      } else {
        for (const o of list.items) io.out(single(o, format, kindName(r)));
      }
    } else if (tableLike) {
      io.err(emptyMessage([{ request, objects: [] }], opts));
    }
  }

  const printEvent = (obj: KubeObject): void => {
    if (!tableLike) return io.out(single(obj, format, kindName(r)));
    if (headerPending) {
      io.out(rowPrinter.header());
      headerPending = false;
    }
    io.out(rowPrinter.row(obj));
  };

  let resourceVersion = list.metadata.resourceVersion;
  while (!signal?.aborted) {
    try {
      resourceVersion = await watch(client, r, ns, { ...filters, resourceVersion, signal }, (e) => {
        if (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED') printEvent(e.object);
      });
    } catch (err) {
      if (!(err instanceof StatusError && (err.reason === 'Gone' || err.reason === 'Expired'))) throw err;
      resourceVersion = (await client.list(r, ns, filters)).metadata.resourceVersion;
    }
  }
}

function single(obj: KubeObject, format: string, kind: string): string {
  if (format === 'json') return JSON.stringify(obj, null, 4);
  if (format === 'yaml') return `---\n${toYaml(obj).trimEnd()}`;
  return `${kind}/${obj.metadata.name}`;
}
