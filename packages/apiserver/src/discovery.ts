// Discovery documents (/api, /apis, /api/v1, /apis/{group}/{version}) rendered from the registry, so
// kubectl-style clients and the official libraries find the kinds kubelab serves.
import { extraGroups, extraResources } from './kubectl-surface/discovery-extras';
import type { Registry } from './registry/strategy';

export const serverVersion = {
  major: '1',
  // A current minor, so kubectl 1.32-1.34 print no version skew warning.
  minor: '33',
  gitVersion: 'v1.33.0-kubelab',
  gitCommit: 'kubelab',
  gitTreeState: 'clean',
  buildDate: '2026-11-23T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'kubelab',
  platform: `${process.platform}/${process.arch}`,
};

export function apiVersions(): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] };
}

function groups(registry: Registry): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of registry.all()) {
    if (!s.info.group) continue;
    if (!out.has(s.info.group)) out.set(s.info.group, new Set());
    out.get(s.info.group)!.add(s.info.version);
  }
  for (const [group, versions] of Object.entries(extraGroups))
    out.set(group, new Set([...(out.get(group) ?? []), ...Object.keys(versions)]));
  return out;
}

export function apiGroupList(registry: Registry): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups(registry)].map(([name, versions]) => {
      const vs = [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions: vs, preferredVersion: vs[0] };
    }),
  };
}

export function apiGroup(registry: Registry, group: string): object | undefined {
  const versions = groups(registry).get(group);
  if (!versions) return undefined;
  const vs = [...versions].map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: vs, preferredVersion: vs[0] };
}

export function apiResourceList(registry: Registry, group: string, version: string): object | undefined {
  const strategies = registry.all().filter((s) => s.info.group === group && s.info.version === version);
  const extras = extraResources(group, version);
  if (!strategies.length && !extras) return undefined;
  const resources = strategies.flatMap((s) => [
    {
      name: s.info.plural,
      singularName: s.info.singular,
      namespaced: s.info.namespaced,
      kind: s.info.kind,
      verbs: s.info.verbs,
      ...(s.info.shortNames.length ? { shortNames: s.info.shortNames } : {}),
      ...(s.info.categories?.length ? { categories: s.info.categories } : {}),
    },
    ...(s.info.subresources ?? []).map((sub) => ({
      name: `${s.info.plural}/${sub}`,
      singularName: '',
      namespaced: s.info.namespaced,
      kind: s.info.kind,
      verbs: ['get', 'patch', 'update'],
    })),
  ]);
  resources.push(...(extras ?? []));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
