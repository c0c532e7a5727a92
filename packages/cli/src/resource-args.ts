// What kubectl's resource builder accepts as arguments: `pods`, `pods web api`, `pods,deploy`, `pod/web
// deploy/api`, `all`; and how kubectl names objects in its messages (`pod/web`, `deployments.apps "web"`).
import { resolveResource, type ResourceInfo } from '@kubelab/api';
import { CliError } from './errors';

export interface ResourceRequest {
  resource: ResourceInfo;
  /** Empty: every object (subject to selectors). */
  names: string[];
}

/** kubectl's "all" category, in the order `kubectl get all` prints it; kinds kubelab does not serve are skipped. */
const allCategory = [
  'pods',
  'replicationcontrollers',
  'services',
  'daemonsets.apps',
  'deployments.apps',
  'replicasets.apps',
  'statefulsets.apps',
  'horizontalpodautoscalers.autoscaling',
  'cronjobs.batch',
  'jobs.batch',
];

export function resolveOrThrow(type: string): ResourceInfo {
  const r = resolveResource(type);
  if (!r) throw new CliError(`the server doesn't have a resource type "${type}"`);
  return r;
}

function expandTypes(text: string): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  for (const t of text.split(',').filter(Boolean)) {
    const found = t === 'all' ? allCategory.map((c) => resolveResource(c)).filter((r): r is ResourceInfo => !!r) : [resolveOrThrow(t)];
    for (const r of found) if (!out.includes(r)) out.push(r);
  }
  return out;
}

/**
 * Parses `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...`. Mixing both forms is kubectl's error, word for word.
 * Requests keep the order the user gave; names of one type are grouped into one request.
 */
export function parseResourceArgs(args: string[]): ResourceRequest[] {
  if (args.length === 0) {
    throw new CliError(
      'You must specify the type of resource to get. Use "kubelab api-resources" for a complete list of supported resources.',
    );
  }
  if (args.some((a) => a.includes('/'))) {
    if (!args.every((a) => a.includes('/'))) {
      throw new CliError(
        "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubelab get resource/<resource_name>' instead of 'kubelab get resource resource/<resource_name>'",
      );
    }
    const out: ResourceRequest[] = [];
    for (const a of args) {
      const [type, name] = [a.slice(0, a.indexOf('/')), a.slice(a.indexOf('/') + 1)];
      if (!name) throw new CliError(`arguments in resource/name form must have a single resource and name`);
      const r = resolveOrThrow(type);
      const existing = out.find((x) => x.resource === r);
      if (existing) existing.names.push(name);
      else out.push({ resource: r, names: [name] });
    }
    return out;
  }
  const [types, ...names] = args;
  return expandTypes(types).map((resource) => ({ resource, names: [...names] }));
}

/** `pod`, `deployment.apps`: the kind form kubectl prints before `/name` in `created`/`configured` lines. */
export function kindName(r: ResourceInfo): string {
  return r.group ? `${r.kind.toLowerCase()}.${r.group}` : r.kind.toLowerCase();
}

/** `pods`, `deployments.apps`: the resource form kubectl uses in `pods "web" deleted`. */
export function resourceName(r: ResourceInfo): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** `pod/web`, `deployment.apps/web` */
export function objectRef(r: ResourceInfo, name: string): string {
  return `${kindName(r)}/${name}`;
}

/** The namespace a namespaced command works in: -n, else "default" (kubelab has no kubeconfig contexts). */
export function namespaceOf(opts: { namespace?: string }): string {
  return opts.namespace || 'default';
}

/** Splits `a=b`, reporting kubectl-like errors for a missing `=`. */
export function splitKeyValue(text: string, what: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw new CliError(`invalid ${what}: "${text}" (expected key=value)`);
  return [text.slice(0, i), text.slice(i + 1)];
}
