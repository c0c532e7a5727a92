// `kubelab get RESOURCE [NAME...] [-o wide|yaml|json|name] [-n NS | -A] [-l SELECTOR]`
import { resolveResource, StatusError, type KubeObject } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { CliError } from '../errors';
import { formatObjects, parseOutputFormat } from '../printers/output';

export interface GetOptions {
  output?: string;
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  noHeaders?: boolean;
}

export async function get(client: KubeClient, resourceArg: string, names: string[], opts: GetOptions): Promise<string> {
  const format = parseOutputFormat(opts.output);
  const r = resolveResource(resourceArg);
  if (!r) throw new CliError(`the server doesn't have a resource type "${resourceArg}"`);
  const namespace = r.namespaced ? (opts.allNamespaces ? undefined : opts.namespace ?? 'default') : undefined;
  let objs: KubeObject[];
  if (names.length > 0) {
    objs = [];
    const errors: string[] = [];
    for (const n of names) {
      try {
        objs.push(await client.get(r, n, namespace));
      } catch (err) {
        if (err instanceof StatusError && err.reason === 'NotFound') errors.push(`Error from server (NotFound): ${err.message}`);
        else throw err;
      }
    }
    if (errors.length) {
      const printed = objs.length ? formatObjects(objs, r.kind, format, { noHeaders: opts.noHeaders }) + '\n' : '';
      throw new CliError(printed + errors.join('\n'), 1, true);
    }
  } else {
    objs = (await client.list(r, namespace, { labelSelector: opts.selector })).items;
    if (objs.length === 0 && (format === 'table' || format === 'wide')) {
      return r.namespaced && namespace ? `No resources found in ${namespace} namespace.` : 'No resources found';
    }
  }
  return formatObjects(objs, r.kind, format, {
    single: names.length === 1,
    withNamespace: r.namespaced && opts.allNamespaces,
    noHeaders: opts.noHeaders,
    resourceName: r.group ? `${r.singular}.${r.group}` : r.singular,
  });
}
