// `kubectl get` columns of ServiceAccounts and the RBAC kinds (printServiceAccount, printRole, printRoleBinding
// in kubernetes pkg/printers/internalversion/printers.go).
import type { KubeObject } from '../types';
import type { Column } from './columns';
import { age } from './cells';

const name: Column = { header: 'NAME', value: (o) => o.metadata.name ?? '' };
const ageColumn: Column = { header: 'AGE', value: age };

interface Binding extends KubeObject {
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

const subjects = (kind: string) => (o: KubeObject) =>
  ((o as Binding).subjects ?? [])
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
    .join(', ');

export const serviceAccountColumns: Column[] = [
  name,
  { header: 'SECRETS', value: (o) => String(((o as { secrets?: unknown[] }).secrets ?? []).length), type: 'integer' },
  ageColumn,
];

/** Roles show their creation time, not an age (RFC 3339, UTC). */
export const roleColumns: Column[] = [
  name,
  {
    header: 'CREATED AT',
    value: (o) => (o.metadata.creationTimestamp ? new Date(o.metadata.creationTimestamp).toISOString().replace(/\.\d+Z$/, 'Z') : ''),
  },
];

export const roleBindingColumns: Column[] = [
  name,
  { header: 'ROLE', value: (o) => `${(o as Binding).roleRef?.kind ?? ''}/${(o as Binding).roleRef?.name ?? ''}` },
  ageColumn,
  { header: 'USERS', value: subjects('User'), wide: true, allowEmpty: true },
  { header: 'GROUPS', value: subjects('Group'), wide: true, allowEmpty: true },
  { header: 'SERVICEACCOUNTS', value: subjects('ServiceAccount'), wide: true, allowEmpty: true, name: 'ServiceAccounts' },
];
