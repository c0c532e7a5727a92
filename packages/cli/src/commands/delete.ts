// `kubelab delete TYPE NAME... | TYPE/NAME... | TYPE -l SEL | TYPE --all | -f FILE`, printing kubectl's
// `pod "web" deleted` and then, like kubectl's default --wait=true, waiting until every object is really gone
// (a pod lingers while its containers stop).
import type { Command } from 'commander';
import { StatusError, type ResourceInfo } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { AlreadyReported, collect, parseDuration, withClient, type CliEnv, type Io } from '../command-kit';
import { CliError, describeError } from '../errors';
import { readManifests } from '../manifest-files';
import { pollUntil, PollTimeout, type Clock } from '../poll';
import { kindName, namespaceOf, parseResourceArgs, resourceName } from '../resource-args';
import { place, withSource } from './apply';

export interface DeleteTarget {
  resource: ResourceInfo;
  name: string;
  namespace?: string;
  /** The -f file, for kubectl's `error when deleting "f.yaml": ...`. */
  source?: string;
}

export interface DeleteOptions {
  filename?: string[];
  recursive?: boolean;
  namespace?: string;
  selector?: string;
  all?: boolean;
  ignoreNotFound?: boolean;
  wait: boolean;
  timeout?: string;
  cascade?: string | boolean;
}

export type Cascade = 'Background' | 'Foreground' | 'Orphan';

/**
 * kubectl's --cascade (GetCascadingStrategy): background (the default), foreground or orphan, sent as
 * DeleteOptions.propagationPolicy; the old booleans still work with kubectl's deprecation warning.
 */
export function parseCascade(value: string | boolean | undefined, warn: (line: string) => void): Cascade {
  // A bare --cascade means background (kubectl's NoOptDefVal).
  const v = value === undefined || value === true ? 'background' : String(value);
  if (v === 'true' || v === 'false') {
    const replacement = v === 'true' ? 'background' : 'orphan';
    warn(`Warning: --cascade=${v} is deprecated (boolean value) and can be replaced with --cascade=${replacement}.`);
    return v === 'true' ? 'Background' : 'Orphan';
  }
  const policies: Record<string, Cascade> = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan' };
  const policy = policies[v];
  if (!policy) throw new CliError(`invalid cascade value (${v}). Must be "background", "foreground", or "orphan"`);
  return policy;
}

/** `--wait`, `--wait=true`, `--wait=false`, as kubectl's boolean flags accept them. */
export function parseBoolFlag(value: string | boolean | undefined): boolean {
  if (value === undefined || value === true || value === '' || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new CliError(`invalid boolean value "${value}"`);
}

/** Which objects the arguments name; lists for -l / --all. Errors are kubectl's. */
export async function resolveTargets(
  client: KubeClient,
  args: string[],
  o: DeleteOptions,
  io: Io,
): Promise<{ targets: DeleteTarget[]; ok: boolean }> {
  if (o.filename?.length) {
    if (args.length) throw new CliError('cannot specify both -f and resource arguments');
    const { items, errors } = await readManifests(o.filename, { recursive: o.recursive });
    for (const e of errors) io.err(e);
    const targets: DeleteTarget[] = [];
    let ok = errors.length === 0;
    for (const item of items) {
      try {
        const p = place(item, o.namespace, namespaceOf(o));
        targets.push({ resource: p.resource, name: p.object.metadata.name!, namespace: p.object.metadata.namespace, source: item.source });
      } catch (err) {
        ok = false;
        io.err(describeError(err));
      }
    }
    return { targets, ok };
  }
  if (args.length === 0) throw new CliError('You must provide one or more resources by argument or filename.');
  const requests = parseResourceArgs(args);
  const named = requests.some((r) => r.names.length > 0);
  if (named && (o.all || o.selector)) throw new CliError(`name cannot be provided when a selector is specified`);
  if (!named && !o.all && !o.selector) throw new CliError('resource(s) were provided, but no name was specified');
  const targets: DeleteTarget[] = [];
  for (const { resource, names } of requests) {
    const namespace = resource.namespaced ? namespaceOf(o) : undefined;
    if (names.length) targets.push(...names.map((name) => ({ resource, name, namespace })));
    else {
      const list = await client.list(resource, namespace, { labelSelector: o.selector });
      targets.push(...list.items.map((obj) => ({ resource, name: obj.metadata.name!, namespace: obj.metadata.namespace })));
    }
  }
  return { targets, ok: true };
}

/** Deletes each target, printing as it goes; returns the uids that were deleted, for waiting. */
export async function deleteAll(
  client: KubeClient,
  targets: DeleteTarget[],
  o: DeleteOptions,
  io: Io,
): Promise<{ deleted: (DeleteTarget & { uid?: string })[]; ok: boolean }> {
  const deleted: (DeleteTarget & { uid?: string })[] = [];
  let ok = true;
  const propagationPolicy = parseCascade(o.cascade, io.err);
  for (const t of targets) {
    try {
      const gone = await client.delete(t.resource, t.name, t.namespace, { propagationPolicy });
      io.out(`${kindName(t.resource)} "${t.name}" deleted`);
      // Pods and namespaces come back as the object, other kinds as a Status naming the uid (as in Kubernetes).
      const answer = gone as { metadata?: { uid?: string }; details?: { uid?: string } };
      deleted.push({ ...t, uid: answer?.metadata?.uid ?? answer?.details?.uid });
    } catch (err) {
      if (err instanceof StatusError && err.reason === 'NotFound' && o.ignoreNotFound) continue;
      ok = false;
      io.err(describeError(t.source ? withSource(err, 'deleting', t.source) : err));
    }
  }
  return { deleted, ok };
}

/** Polls until every object is gone, or replaced by a new object of the same name (a different uid). */
export async function waitGone(
  client: KubeClient,
  targets: (DeleteTarget & { uid?: string })[],
  timeoutMs: number | undefined,
  clock?: Clock,
): Promise<void> {
  for (const t of targets) {
    await pollUntil(
      async () => {
        try {
          const obj = await client.get(t.resource, t.name, t.namespace);
          return t.uid !== undefined && obj.metadata.uid !== t.uid;
        } catch (err) {
          if (err instanceof StatusError && err.reason === 'NotFound') return true;
          throw err;
        }
      },
      { intervalMs: 500, timeoutMs, waitingFor: `the condition on ${resourceName(t.resource)}/${t.name}`, clock },
    );
  }
}

export function registerDelete(program: Command, env: CliEnv): void {
  program
    .command('delete')
    .description('delete resources by file names, stdin, resources and names, or by resources and label selector')
    .argument('[resource...]', 'TYPE NAME..., TYPE/NAME..., or TYPE with -l / --all')
    .option('-f, --filename <file>', 'file, directory or - with the objects to delete; repeatable', collect)
    .option('-R, --recursive', 'process the directory used in -f recursively')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('-l, --selector <selector>', 'delete the objects matching this label selector')
    .option('--all', 'delete all objects of the resource types in the namespace')
    .option('--ignore-not-found', 'treat "resource not found" as a successful delete')
    .option(
      '--cascade [strategy]',
      'what happens to the dependents (e.g. the pods of a ReplicaSet): "background" (deleted after the object), "foreground" (deleted before it) or "orphan" (kept)',
      'background',
    )
    .option('--wait [bool]', 'wait for the objects to be gone before returning (default true)', parseBoolFlag, true)
    .option('--timeout <duration>', 'give up waiting after this long, e.g. 60s (default: wait as long as it takes)')
    .action(async (args: string[], o: DeleteOptions) => {
      await withClient(env, async (client) => {
        const resolved = await resolveTargets(client, args, o, env.io);
        if (resolved.targets.length === 0 && !o.filename?.length) {
          env.io.err(`No resources found`);
          return;
        }
        const { deleted, ok: deletedAll } = await deleteAll(client, resolved.targets, o, env.io);
        const ok = resolved.ok && deletedAll;
        if (o.wait && deleted.length) {
          try {
            await waitGone(client, deleted, o.timeout ? parseDuration(o.timeout) : undefined);
          } catch (err) {
            if (err instanceof PollTimeout) throw new CliError(err.message);
            throw err;
          }
        }
        if (!ok) throw new AlreadyReported();
      });
    });
}
