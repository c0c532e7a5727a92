import { describe, expect, it } from 'vitest';
import { cellText, columnsFor } from './columns';

describe('RBAC and ServiceAccount columns (kubectl printRoleBinding, printRole, printServiceAccount)', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const row = (o: object, kind: string) => columnsFor(kind).map((c) => [c.header, cellText(c, o as never, now)]);
  it('prints ROLE as Kind/name, subjects in -o wide', () => {
    const rb = {
      metadata: { name: 'reader-view', creationTimestamp: '2026-01-01T00:00:00Z' },
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'ServiceAccount', name: 'reader', namespace: 'default' },
        { kind: 'User', name: 'jane' },
      ],
    };
    expect(row(rb, 'RoleBinding')).toEqual([
      ['NAME', 'reader-view'],
      ['ROLE', 'ClusterRole/view'],
      ['AGE', '10m'],
      ['USERS', 'jane'],
      ['GROUPS', ''],
      ['SERVICEACCOUNTS', 'default/reader'],
    ]);
    expect(row({ metadata: { name: 'view', creationTimestamp: '2026-01-01T00:00:00Z' } }, 'ClusterRole')).toEqual([
      ['NAME', 'view'],
      ['CREATED AT', '2026-01-01T00:00:00Z'],
    ]);
    expect(row({ metadata: { name: 'default', creationTimestamp: '2026-01-01T00:00:00Z' } }, 'ServiceAccount')).toEqual([
      ['NAME', 'default'],
      ['SECRETS', '0'],
      ['AGE', '10m'],
    ]);
  });
});
