// -o json|yaml|name|wide. json/yaml print objects exactly as the API returned them; several objects are
// wrapped in a `List`, as kubectl does.
import { stringify } from 'yaml';
import type { KubeObject } from '@kubelab/api';
import { printTable } from './table';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name' | 'jsonpath';

export function parseOutputFormat(text: string | undefined): OutputFormat {
  if (text === undefined || text === '') return 'table';
  if (['wide', 'json', 'yaml', 'name'].includes(text)) return text as OutputFormat;
  if (jsonPathTemplate(text) !== undefined) return 'jsonpath';
  throw new Error(`unable to match a printer suitable for the output format "${text}", allowed formats are: json,jsonpath,name,wide,yaml`);
}

/** The template of `-o jsonpath=TEMPLATE` (kubectl also accepts `jsonpath='TEMPLATE'`). */
export function jsonPathTemplate(text: string | undefined): string | undefined {
  const m = text?.match(/^jsonpath=(.*)$/s);
  if (!m) return undefined;
  return m[1].replace(/^'(.*)'$/s, '$1');
}

export function asList(items: KubeObject[]): object {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

export function formatObjects(
  objs: KubeObject[],
  kind: string,
  format: OutputFormat,
  opts: { single?: boolean; withNamespace?: boolean; noHeaders?: boolean; resourceName?: string } = {},
): string {
  switch (format) {
    case 'json':
      return JSON.stringify(opts.single && objs.length === 1 ? objs[0] : asList(objs), null, 4);
    case 'yaml':
      return stringify(opts.single && objs.length === 1 ? objs[0] : asList(objs)).trimEnd();
    case 'name':
      return objs.map((o) => `${opts.resourceName ?? o.kind.toLowerCase()}/${o.metadata.name}`).join('\n');
    case 'jsonpath':
      throw new Error('jsonpath output is rendered by the get command');
    case 'wide':
    case 'table':
      return printTable(objs, kind, { wide: format === 'wide', withNamespace: opts.withNamespace, noHeaders: opts.noHeaders });
  }
}
