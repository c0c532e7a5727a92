// The objects `create role|clusterrole|rolebinding|clusterrolebinding|serviceaccount` build, as kubectl's
// create_role.go, create_clusterrole.go and create_rolebinding.go do: one rule per API group of the
// --resource list (resource[.group][/subresource]), verbs checked against RBAC's, subjects from --user,
// --group and --serviceaccount=NAMESPACE:NAME.
import { resolveResource, type KubeObject } from '@kubelab/api';
import { CliError } from '../errors';

const RBAC = 'rbac.authorization.k8s.io';
/** kubectl's validResourceVerbs and validNonResourceVerbs. */
const RESOURCE_VERBS = [
  '*',
  'get',
  'delete',
  'list',
  'create',
  'update',
  'patch',
  'watch',
  'proxy',
  'deletecollection',
  'use',
  'bind',
  'escalate',
  'impersonate',
];
const NON_RESOURCE_VERBS = ['*', 'get', 'post', 'put', 'delete', 'patch', 'head', 'options'];
/** Resources kubectl accepts though discovery does not list them (specialVerbs / specialNonResourceVerbs). */
const SPECIAL: Record<string, string> = {
  users: '',
  groups: '',
  serviceaccounts: '',
  uids: 'authentication.k8s.io',
  userextras: 'authentication.k8s.io',
};

export interface RoleFlags {
  verb?: string[];
  resource?: string[];
  resourceName?: string[];
  nonResourceUrl?: string[];
}

const split = (xs: string[] | undefined): string[] =>
  (xs ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);

interface ResourceSpec {
  group: string;
  resource: string;
}

/** `pods`, `po`, `pods/log`, `deployments.apps`, `deployments.apps/scale`, `*` -> group and canonical resource. */
export function parseResource(spec: string): ResourceSpec {
  if (spec === '*') return { group: '*', resource: '*' };
  const [base, sub] = spec.split('/', 2);
  if (sub !== undefined && sub === '') throw new CliError(`resource "${spec}": a subresource must follow "/"`);
  const dot = base.indexOf('.');
  const name = dot >= 0 ? base.slice(0, dot) : base;
  const group = dot >= 0 ? base.slice(dot + 1) : undefined;
  if (name === '*') return { group: group ?? '*', resource: sub ? `*/${sub}` : '*' };
  if (name in SPECIAL && (group === undefined || group === SPECIAL[name]))
    return { group: SPECIAL[name], resource: sub ? `${name}/${sub}` : name };
  const r = resolveResource(base);
  if (!r) throw new CliError(`the server doesn't have a resource type "${base}"`);
  return { group: r.group, resource: sub ? `${r.plural}/${sub}` : r.plural };
}

function rules(flags: RoleFlags, clusterScoped: boolean): object[] {
  const verbs = split(flags.verb);
  const resources = split(flags.resource);
  const urls = split(flags.nonResourceUrl);
  const names = split(flags.resourceName);
  if (verbs.length === 0) throw new CliError('at least one verb must be specified');
  if (resources.length === 0 && urls.length === 0)
    throw new CliError(
      clusterScoped ? 'at least one resource or non-resource URL must be specified' : 'at least one resource must be specified',
    );
  if (urls.length && !clusterScoped) throw new CliError('unknown flag: --non-resource-url');
  for (const v of verbs) {
    const ok = (resources.length ? RESOURCE_VERBS : NON_RESOURCE_VERBS).includes(v) || (urls.length > 0 && NON_RESOURCE_VERBS.includes(v));
    if (!ok) throw new CliError(`invalid verb: '${v}'${urls.length && !resources.length ? ' for nonResourceURL' : ''}`);
  }
  for (const u of urls)
    if (!u.startsWith('/') && u !== '*') throw new CliError(`'${u}' is not a valid non-resource URL: it must begin with '/'`);
  const byGroup = new Map<string, string[]>();
  for (const spec of resources) {
    const { group, resource } = parseResource(spec);
    const list = byGroup.get(group) ?? [];
    if (!list.includes(resource)) list.push(resource);
    byGroup.set(group, list);
  }
  const out: object[] = [...byGroup].map(([group, res]) => ({
    verbs: verbs,
    apiGroups: [group],
    resources: res,
    ...(names.length ? { resourceNames: names } : {}),
  }));
  if (urls.length) out.push({ verbs, nonResourceURLs: urls });
  return out;
}

export function buildRole(name: string, flags: RoleFlags, namespace?: string): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    rules: rules(flags, false),
  } as KubeObject;
}

export function buildClusterRole(name: string, flags: RoleFlags): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, rules: rules(flags, true) } as KubeObject;
}

export interface BindingFlags {
  clusterrole?: string;
  role?: string;
  user?: string[];
  group?: string[];
  serviceaccount?: string[];
}

function subjects(flags: BindingFlags): object[] {
  const out: object[] = [];
  for (const u of flags.user ?? []) out.push({ kind: 'User', apiGroup: RBAC, name: u });
  for (const g of flags.group ?? []) out.push({ kind: 'Group', apiGroup: RBAC, name: g });
  for (const sa of flags.serviceaccount ?? []) {
    const parts = sa.split(':');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new CliError(`serviceaccount must be <namespace>:<name>`);
    out.push({ kind: 'ServiceAccount', namespace: parts[0], name: parts[1] });
  }
  return out;
}

export function buildRoleBinding(name: string, flags: BindingFlags, namespace?: string): KubeObject {
  if (!!flags.clusterrole === !!flags.role) throw new CliError('exactly one of clusterrole or role must be specified');
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: RBAC, kind: flags.clusterrole ? 'ClusterRole' : 'Role', name: flags.clusterrole ?? flags.role },
    subjects: subjects(flags),
  } as KubeObject;
}

export function buildClusterRoleBinding(name: string, flags: BindingFlags): KubeObject {
  if (!flags.clusterrole) throw new CliError('required flag(s) "clusterrole" not set');
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: flags.clusterrole },
    subjects: subjects(flags),
  } as KubeObject;
}

export function buildServiceAccount(name: string, namespace?: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, ...(namespace ? { namespace } : {}) } };
}

/** kubectl create token's --duration: a Go duration (10m, 1h30m, 600s); 0 lets the server choose. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m.index !== consumed) break;
    consumed += m[0].length;
    total += Number(m[1]) * { h: 3600, m: 60, s: 1, ms: 0.001 }[m[2] as 'h' | 'm' | 's' | 'ms'];
  }
  if (consumed !== text.length || consumed === 0)
    throw new CliError(`invalid argument "${text}" for "--duration" flag: time: invalid duration "${text}"`);
  if (total < 0 || !Number.isInteger(total)) throw new CliError('--duration must be positive and a whole number of seconds');
  return total;
}
