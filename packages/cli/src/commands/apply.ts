// `kubelab apply -f FILE|DIR|- [-R] [-n NS]`: create or update each object (see apply-patch.ts). Like kubectl,
// a failing object is reported and the others are still applied; the exit code is then 1.
import type { Command } from 'commander';
import { apiVersionOf, objectPath, resourceForKind, StatusError, type KubeObject, type ResourceInfo } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { AlreadyReported, collect, printWarnings, withClient, type CliEnv, type Io } from '../command-kit';
import { CliError, describeError, describeFinalError } from '../errors';
import { readManifests, type ManifestItem } from '../manifest-files';
import { objectRef, resourceName } from '../resource-args';
import { decideApply } from './apply-patch';

export interface Placement {
  resource: ResourceInfo;
  object: KubeObject;
}

/**
 * Finds the resource of a manifest and settles its namespace: the manifest's own, else -n, else "default";
 * a manifest namespace contradicting an explicit -n is kubectl's error. Throws CliError in kubectl's words.
 */
export function place(item: ManifestItem, explicitNamespace: string | undefined, defaultNamespace: string): Placement {
  const obj = item.object;
  const meta = obj.metadata ?? {};
  const resource = resourceForKind(obj.apiVersion, obj.kind);
  if (!resource) {
    throw new CliError(
      `resource mapping not found for name: "${meta.name ?? ''}" namespace: "${meta.namespace ?? ''}" from "${item.source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"\nensure CRDs are installed first`,
    );
  }
  const metadata = { ...meta };
  if (resource.namespaced) {
    if (explicitNamespace && metadata.namespace && metadata.namespace !== explicitNamespace) {
      throw new CliError(
        `the namespace from the provided object "${metadata.namespace}" does not match the namespace "${explicitNamespace}". You must pass '--namespace=${metadata.namespace}' to perform this operation.`,
      );
    }
    metadata.namespace = metadata.namespace || explicitNamespace || defaultNamespace;
  } else {
    delete metadata.namespace;
  }
  return { resource, object: { ...obj, metadata } };
}

/** kubectl's AddSourceToErr: the server's error, reason kept, message prefixed with what failed where. */
export function withSource(err: unknown, verb: string, source: string): unknown {
  if (err instanceof StatusError) return new StatusError(err.reason, `error when ${verb} "${source}": ${err.message}`, err.details);
  return err;
}

function describeTarget(p: Placement): string {
  const r = p.resource;
  const gv = apiVersionOf(r).includes('/') ? apiVersionOf(r) : `/${r.version}`;
  return `Resource: "${gv}, Resource=${r.plural}", GroupVersionKind: "${gv}, Kind=${r.kind}"\nName: "${p.object.metadata.name}", Namespace: "${p.object.metadata.namespace ?? ''}"`;
}

async function applyOne(client: KubeClient, item: ManifestItem, p: Placement, io: Io): Promise<void> {
  const { resource: r, object } = p;
  const name = object.metadata.name;
  if (!name)
    throw new CliError(
      `error when retrieving current configuration of:\n${describeTarget(p)}\nfrom server for: "${item.source}": resource name may not be empty`,
    );
  let live: KubeObject | undefined;
  try {
    live = await client.get(r, name, object.metadata.namespace);
  } catch (err) {
    if (!(err instanceof StatusError && err.reason === 'NotFound')) {
      throw withSource(err, `retrieving current configuration of:\n${describeTarget(p)}\nfrom server for:`, item.source);
    }
  }
  const decision = decideApply(object, live);
  if (decision.action === 'create') {
    try {
      const res = await client.create(r, decision.object, object.metadata.namespace);
      printWarnings(io, res.warnings);
    } catch (err) {
      throw withSource(err, 'creating', item.source);
    }
    io.out(`${objectRef(r, name)} created`);
    return;
  }
  if (decision.action === 'unchanged') {
    io.out(`${objectRef(r, name)} unchanged`);
    return;
  }
  if (decision.missingAnnotation) {
    io.err(
      `Warning: resource ${resourceName(r)}/${name} is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by kubelab apply. kubelab apply should only be used on resources created declaratively by either kubelab create --save-config or kubelab apply. The missing annotation will be patched automatically.`,
    );
  }
  try {
    const res = await client.raw('PATCH', objectPath(r, name, object.metadata.namespace), decision.patch, 'application/merge-patch+json');
    printWarnings(io, res.warnings);
  } catch (err) {
    const patchText = JSON.stringify(decision.patch);
    throw withSource(
      withSource(err, 'patching', item.source),
      `applying patch:\n${patchText}\nto:\n${describeTarget(p)}\nfor:`,
      item.source,
    );
  }
  io.out(`${objectRef(r, name)} configured`);
}

export interface ApplyOptions {
  filename: string[];
  recursive?: boolean;
  namespace?: string;
}

/** Applies everything it can; returns false when anything failed (each failure already printed). */
export async function applyItems(
  client: KubeClient,
  items: ManifestItem[],
  explicitNamespace: string | undefined,
  io: Io,
): Promise<boolean> {
  // kubectl apply goes on past a failed object and reports the failures at the end: one alone as checkErr
  // does (`The Pod "bad" is invalid: ...`), several as an aggregate (`Error from server (Invalid): ...` each).
  const failures: unknown[] = [];
  for (const item of items) {
    try {
      const p = place(item, explicitNamespace, 'default');
      await applyOne(client, item, p, io);
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length === 1) io.err(describeFinalError(failures[0]));
  else for (const err of failures) io.err(describeError(err));
  return failures.length === 0;
}

export function registerApply(program: Command, env: CliEnv): void {
  program
    .command('apply')
    .description('apply a configuration to a resource by file name or stdin')
    .requiredOption('-f, --filename <file>', 'file, directory or - (stdin) with the configuration to apply; repeatable', collect)
    .option('-R, --recursive', 'process the directory used in -f recursively')
    .option('-n, --namespace <ns>', 'namespace for objects that do not name one')
    .action(async (o: ApplyOptions) => {
      const { items, errors } = await readManifests(o.filename, { recursive: o.recursive });
      for (const e of errors) env.io.err(e);
      if (items.length === 0) {
        if (errors.length) throw new AlreadyReported();
        throw new CliError('no objects passed to apply');
      }
      const ok = await withClient(env, (client) => applyItems(client, items, o.namespace, env.io));
      if (!ok || errors.length) throw new AlreadyReported();
    });
}
