// `kubectl get` columns for Pods, Deployments, ReplicaSets, ConfigMaps and Secrets, as kubectl's
// server-side table printers define them (kubernetes pkg/printers/internalversion/printers.go).
import type { LabelSelector } from '../selectors';
import type { KubeObject } from '../types';
import type { ConfigMap, Container, Deployment, Pod, ReplicaSet, Secret } from '../workloads';
import { age } from './cells';
import { podIP, readinessGates, summarizePod } from './pod-status';
import type { Column } from './columns';

/**
 * labels.Selector.String() of LabelSelectorAsSelector: requirements sorted by key, matchLabels as `k=v`,
 * expressions as `k in (a,b)`. Empty selects everything and prints as "".
 */
export function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '';
  const reqs: { key: string; text: string }[] = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => ({ key: k, text: `${k}=${v}` }));
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    const text = { In: `${e.key} in (${values})`, NotIn: `${e.key} notin (${values})`, Exists: e.key, DoesNotExist: `!${e.key}` }[
      e.operator
    ];
    reqs.push({ key: e.key, text });
  }
  return reqs
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}

/** CONTAINERS and IMAGES cells: comma-joined, as layoutContainerCells does. */
export function containerCells(containers: Container[] | undefined): { names: string; images: string } {
  const cs = containers ?? [];
  return { names: cs.map((c) => c.name).join(','), images: cs.map((c) => c.image).join(',') };
}

const name: Column = { header: 'NAME', value: (o) => o.metadata.name ?? '' };

const ageColumn: Column = { header: 'AGE', value: age };

const templateContainers = (o: KubeObject): Container[] | undefined => (o as Deployment).spec?.template?.spec?.containers;

export const podColumns: Column[] = [
  name,
  { header: 'READY', value: (o, now) => summarizePod(o as Pod, now).ready },
  { header: 'STATUS', value: (o, now) => summarizePod(o as Pod, now).status },
  { header: 'RESTARTS', value: (o, now) => summarizePod(o as Pod, now).restartsText },
  ageColumn,
  { header: 'IP', value: (o) => podIP(o as Pod), wide: true },
  { header: 'NODE', value: (o) => (o as Pod).spec?.nodeName || '<none>', wide: true },
  {
    header: 'NOMINATED NODE',
    value: (o) => ((o as Pod).status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName || '<none>',
    wide: true,
  },
  { header: 'READINESS GATES', value: (o) => readinessGates(o as Pod), wide: true },
];

export const deploymentColumns: Column[] = [
  name,
  {
    header: 'READY',
    value: (o) => {
      const d = o as Deployment;
      return `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`;
    },
  },
  { header: 'UP-TO-DATE', name: 'Up-to-date', type: 'integer', value: (o) => String((o as Deployment).status?.updatedReplicas ?? 0) },
  { header: 'AVAILABLE', type: 'integer', value: (o) => String((o as Deployment).status?.availableReplicas ?? 0) },
  ageColumn,
  { header: 'CONTAINERS', value: (o) => containerCells(templateContainers(o)).names, wide: true },
  { header: 'IMAGES', value: (o) => containerCells(templateContainers(o)).images, wide: true },
  { header: 'SELECTOR', value: (o) => selectorString((o as Deployment).spec?.selector), wide: true },
];

export const replicaSetColumns: Column[] = [
  name,
  { header: 'DESIRED', type: 'integer', value: (o) => String((o as ReplicaSet).spec?.replicas ?? 1) },
  { header: 'CURRENT', type: 'integer', value: (o) => String((o as ReplicaSet).status?.replicas ?? 0) },
  { header: 'READY', type: 'integer', value: (o) => String((o as ReplicaSet).status?.readyReplicas ?? 0) },
  ageColumn,
  { header: 'CONTAINERS', value: (o) => containerCells(templateContainers(o)).names, wide: true },
  { header: 'IMAGES', value: (o) => containerCells(templateContainers(o)).images, wide: true },
  { header: 'SELECTOR', value: (o) => selectorString((o as ReplicaSet).spec?.selector), wide: true },
];

export const configMapColumns: Column[] = [
  name,
  {
    header: 'DATA',
    type: 'integer',
    value: (o) => {
      const c = o as ConfigMap;
      return String(Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length);
    },
  },
  ageColumn,
];

export const secretColumns: Column[] = [
  name,
  { header: 'TYPE', value: (o) => (o as Secret).type ?? 'Opaque' },
  {
    header: 'DATA',
    type: 'integer',
    value: (o) => {
      const s = o as Secret;
      return String(new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]).size);
    },
  },
  ageColumn,
];
