// -o json|yaml|name|wide. json/yaml print objects exactly as the API returned them; several objects are
// wrapped in a `List`, as kubectl does.
import { toYaml, type KubeObject } from '@kubelab/api';
import { formatJsonPath } from './jsonpath';
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

/** json, yaml and jsonpath print what the API returned: one object, or several as a kubectl `List`. */
/** kubectl hides metadata.managedFields from -o json|yaml (its --show-managed-fields=false default). */
function hideManagedFields(o: KubeObject): KubeObject {
  if (!o.metadata?.managedFields) return o;
  const { managedFields: _, ...metadata } = o.metadata;
  return { ...o, metadata };
}

export function formatStructured(objs: KubeObject[], format: 'json' | 'yaml' | 'jsonpath', single: boolean, output?: string): string {
  const shown = format === 'jsonpath' ? objs : objs.map(hideManagedFields);
  const data = single && shown.length === 1 ? shown[0] : asList(shown);
  if (format === 'json') return JSON.stringify(data, null, 4);
  if (format === 'yaml') return toYaml(data).trimEnd();
  return formatJsonPath(jsonPathTemplate(output)!, data);
}

export function formatObjects(
  objs: KubeObject[],
  kind: string,
  format: OutputFormat,
  opts: { single?: boolean; withNamespace?: boolean; noHeaders?: boolean; resourceName?: string; output?: string } = {},
): string {
  switch (format) {
    case 'json':
    case 'yaml':
    case 'jsonpath':
      return formatStructured(objs, format, opts.single ?? false, opts.output);
    case 'name':
      return objs.map((o) => `${opts.resourceName ?? o.kind.toLowerCase()}/${o.metadata.name}`).join('\n');
    case 'wide':
    case 'table':
      return printTable(objs, kind, { wide: format === 'wide', withNamespace: opts.withNamespace, noHeaders: opts.noHeaders });
  }
}
