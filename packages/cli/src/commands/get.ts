// `kubelab get TYPE[,TYPE] [NAME...] | TYPE/NAME... | all  [-o wide|yaml|json|name] [-n NS | -A] [-l SEL]
// [--field-selector SEL] [--show-labels] [-L KEY] [-w [--watch-only]]`, printing as kubectl does: one table per
// kind separated by blank lines, `kind/name` names when several kinds were asked for, errors on stderr.
import type { Command } from 'commander';
import { StatusError, type KubeObject } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { AlreadyReported, collect, withClient, type CliEnv } from '../command-kit';
import { describeError } from '../errors';
import { formatStructured, parseOutputFormat, type OutputFormat } from '../printers/output';
import { renderTable, tableColumns, tableRows } from '../printers/table';
import { kindName, parseResourceArgs, type ResourceRequest } from '../resource-args';
import { emptyMessage, scopeOf, type Found, type GetOptions } from './get-common';
import { watchAndPrint } from './get-watch';

export type { GetOptions } from './get-common';

export interface GetResult {
  /** For stdout. */
  text: string;
  /** For stderr, e.g. `Error from server (NotFound): pods "x" not found`. */
  errors: string[];
  /** "No resources found in default namespace." (stderr), when nothing at all matched a listing. */
  empty?: string;
}

/** kubectl's MultipleTypesRequested: `all`, `pods,svc` or TYPE/NAME of several kinds. */
function multipleTypes(args: string[], requests: ResourceRequest[]): boolean {
  return requests.length > 1 || args[0] === 'all' || args[0]?.includes(',');
}

async function fetch(client: KubeClient, request: ResourceRequest, opts: GetOptions, errors: string[]): Promise<KubeObject[]> {
  const ns = scopeOf(request, opts);
  if (request.names.length === 0) {
    return (await client.list(request.resource, ns, { labelSelector: opts.selector, fieldSelector: opts.fieldSelector })).items;
  }
  const out: KubeObject[] = [];
  for (const name of request.names) {
    try {
      out.push(await client.get(request.resource, name, ns));
    } catch (err) {
      if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
      if (!opts.ignoreNotFound) errors.push(describeError(err));
    }
  }
  return out;
}

/** Renders what was found; pure, so the layout rules are tested without a server. */
export function render(
  found: Found[],
  format: OutputFormat,
  opts: GetOptions & { withKind: boolean; singleObject: boolean; now?: number },
): string {
  const all = found.flatMap((f) => f.objects);
  switch (format) {
    case 'json':
    case 'yaml':
    case 'jsonpath':
      return formatStructured(all, format, opts.singleObject, opts.output);
    case 'name':
      return found.flatMap((f) => f.objects.map((o) => `${kindName(f.request.resource)}/${o.metadata.name}`)).join('\n');
    default: {
      const blocks: string[] = [];
      for (const f of found) {
        if (f.objects.length === 0) continue;
        const cols = tableColumns(f.request.resource.kind, {
          wide: format === 'wide',
          withNamespace: f.request.resource.namespaced && opts.allNamespaces,
          showLabels: opts.showLabels,
          labelColumns: opts.labelColumns,
          namePrefix: opts.withKind ? kindName(f.request.resource) : undefined,
        });
        const rows = tableRows(f.objects, cols, opts.now ?? Date.now());
        blocks.push(renderTable(opts.noHeaders ? rows : [cols.map((c) => c.header), ...rows]));
      }
      // kubectl separates kinds with a blank line, except without headers.
      return blocks.join(opts.noHeaders ? '\n' : '\n\n');
    }
  }
}

export async function get(client: KubeClient, args: string[], opts: GetOptions): Promise<GetResult> {
  const format = parseOutputFormat(opts.output);
  const requests = parseResourceArgs(args);
  const errors: string[] = [];
  const found: Found[] = [];
  for (const request of requests) found.push({ request, objects: await fetch(client, request, opts, errors) });
  const named = requests.some((r) => r.names.length > 0);
  const total = found.reduce((n, f) => n + f.objects.length, 0);
  const text = render(found, format, {
    ...opts,
    withKind: multipleTypes(args, requests),
    singleObject: requests.length === 1 && requests[0].names.length === 1,
  });
  const tableLike = format === 'table' || format === 'wide';
  if (total === 0 && !named && tableLike) return { text: '', errors, empty: emptyMessage(found, opts) };
  return { text, errors };
}

export function registerGet(program: Command, env: CliEnv): void {
  program
    .command('get')
    .description('display one or many resources')
    .argument('<resource...>', 'TYPE[,TYPE...] [NAME...], TYPE/NAME..., or all')
    .option('-o, --output <format>', 'output format: wide, yaml, json, name, jsonpath=TEMPLATE')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('--field-selector <selector>', 'field selector, e.g. metadata.name=web,status.phase=Running')
    .option('--show-labels', 'show all labels as the last column')
    .option('-L, --label-columns <key>', 'a column with the value of this label; repeatable', collect)
    .option('--ignore-not-found', 'treat "resource not found" as a successful retrieval')
    .option('-w, --watch', 'after listing, watch for changes')
    .option('--watch-only', 'watch for changes without listing first')
    .option('--no-headers', 'omit table headers')
    .action(async (args: string[], o: GetOptions & { headers: boolean }) => {
      const opts: GetOptions = { ...o, noHeaders: !o.headers };
      await withClient(env, async (client) => {
        if (opts.watch || opts.watchOnly) return watchAndPrint(client, args, opts, env.io);
        const result = await get(client, args, opts);
        if (result.text) env.io.out(result.text);
        if (result.empty) env.io.err(result.empty);
        for (const e of result.errors) env.io.err(e);
        if (result.errors.length) throw new AlreadyReported();
      });
    });
}
