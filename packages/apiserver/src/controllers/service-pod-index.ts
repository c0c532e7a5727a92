// The pods and Services of each namespace indexed by label pair, so the endpoint controllers find a
// Service's pods, and a pod's Services, without scanning the namespace: a Service's pods are the smallest
// set among its selector's `key=value` pairs, filtered; a pod's Services are those indexed under one of
// its labels. Store events update the index and report which Services they concern; pod changes that
// cannot move an endpoint (most status writes) concern none.
import type { Pod, Service } from '@kubelab/api';
import type { StoredEvent } from '../storage/store';

const podsResource = '/pods';
const servicesResource = '/services';

/** Label map -> "k=v" pairs. */
const pairs = (labels: Record<string, string> | undefined): string[] => Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined): boolean => {
  for (const k in selector) if (labels?.[k] !== selector[k]) return false;
  return true;
};

/** What of a pod its endpoints depend on: a change elsewhere is no endpoint change. */
function endpointView(p: Pod | undefined): string {
  if (!p) return '';
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const ports = [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])].map((c) => c.ports);
  return JSON.stringify([
    p.metadata.labels,
    p.metadata.uid,
    !!p.metadata.deletionTimestamp,
    p.status?.phase,
    p.status?.podIP,
    ready,
    p.spec?.nodeName,
    p.spec?.hostname,
    p.spec?.subdomain,
    ports,
  ]);
}

class NamespaceIndex {
  readonly pods = new Map<string, Pod>();
  readonly podsByPair = new Map<string, Set<string>>();
  readonly services = new Map<string, Service>();
  readonly servicesByPair = new Map<string, Set<string>>();
  /** Services whose selector is `{}`: every pod of the namespace. */
  readonly selectAll = new Set<string>();
}

function addTo(index: Map<string, Set<string>>, key: string, name: string): void {
  let s = index.get(key);
  if (!s) index.set(key, (s = new Set()));
  s.add(name);
}

function removeFrom(index: Map<string, Set<string>>, key: string, name: string): void {
  const s = index.get(key);
  if (!s) return;
  s.delete(name);
  if (!s.size) index.delete(key);
}

export class ServicePodIndex {
  private readonly namespaces = new Map<string, NamespaceIndex>();

  constructor(pods: Pod[], services: Service[]) {
    for (const p of pods) this.putPod(p);
    for (const s of services) this.putService(s);
  }

  service(namespace: string, name: string): Service | undefined {
    return this.namespaces.get(namespace)?.services.get(name);
  }

  /** Every Service as `ns/name`. */
  serviceKeys(): string[] {
    const out: string[] = [];
    for (const [ns, idx] of this.namespaces) for (const name of idx.services.keys()) out.push(`${ns}/${name}`);
    return out;
  }

  /** The pods a Service's selector picks (none without a selector). */
  podsFor(svc: Service): Pod[] {
    const idx = this.namespaces.get(svc.metadata.namespace!);
    const selector = svc.spec?.selector;
    if (!idx || !selector) return [];
    const want = pairs(selector);
    if (!want.length) return [...idx.pods.values()];
    let smallest: Set<string> | undefined;
    for (const pair of want) {
      const s = idx.podsByPair.get(pair);
      if (!s) return [];
      if (!smallest || s.size < smallest.size) smallest = s;
    }
    const out: Pod[] = [];
    for (const name of smallest!) {
      const p = idx.pods.get(name);
      if (p && matches(selector, p.metadata.labels)) out.push(p);
    }
    return out;
  }

  /**
   * Applies a store event; returns the Services (`ns/name`) whose endpoints it may change. Services are
   * reported for their own events too (created, changed, deleted).
   */
  apply(e: StoredEvent): string[] {
    if (e.resource === podsResource) {
      const now = e.type === 'DELETED' ? undefined : (e.object as Pod);
      const before = e.type === 'DELETED' ? (e.object as Pod) : (e.previous as Pod | undefined);
      if (now) this.putPod(now);
      else this.removePod(e.object as Pod);
      if (endpointView(now) === endpointView(before)) return [];
      const ns = e.object.metadata.namespace!;
      const out = new Set<string>();
      for (const p of [before, now]) if (p) for (const name of this.servicesOf(p)) out.add(`${ns}/${name}`);
      return [...out];
    }
    if (e.resource === servicesResource) {
      if (e.type === 'DELETED') this.removeService(e.object as Service);
      else this.putService(e.object as Service);
      return [`${e.object.metadata.namespace}/${e.object.metadata.name}`];
    }
    return [];
  }

  private ns(name: string): NamespaceIndex {
    let idx = this.namespaces.get(name);
    if (!idx) this.namespaces.set(name, (idx = new NamespaceIndex()));
    return idx;
  }

  private servicesOf(p: Pod): string[] {
    const idx = this.namespaces.get(p.metadata.namespace!);
    if (!idx) return [];
    const out = new Set(idx.selectAll);
    for (const pair of pairs(p.metadata.labels))
      for (const name of idx.servicesByPair.get(pair) ?? []) {
        const sel = idx.services.get(name)?.spec?.selector;
        if (sel && matches(sel, p.metadata.labels)) out.add(name);
      }
    return [...out];
  }

  private putPod(p: Pod): void {
    const idx = this.ns(p.metadata.namespace!);
    const name = p.metadata.name!;
    const old = idx.pods.get(name);
    if (old) for (const pair of pairs(old.metadata.labels)) removeFrom(idx.podsByPair, pair, name);
    idx.pods.set(name, p);
    for (const pair of pairs(p.metadata.labels)) addTo(idx.podsByPair, pair, name);
  }

  private removePod(p: Pod): void {
    const idx = this.namespaces.get(p.metadata.namespace!);
    const name = p.metadata.name!;
    const old = idx?.pods.get(name);
    if (!idx || !old) return;
    for (const pair of pairs(old.metadata.labels)) removeFrom(idx.podsByPair, pair, name);
    idx.pods.delete(name);
  }

  private putService(s: Service): void {
    this.removeService(s);
    const idx = this.ns(s.metadata.namespace!);
    const name = s.metadata.name!;
    idx.services.set(name, s);
    const sel = s.spec?.selector;
    if (!sel) return;
    const ps = pairs(sel);
    if (!ps.length) idx.selectAll.add(name);
    for (const pair of ps) addTo(idx.servicesByPair, pair, name);
  }

  private removeService(s: Service): void {
    const idx = this.namespaces.get(s.metadata.namespace!);
    const name = s.metadata.name!;
    const old = idx?.services.get(name);
    if (!idx || !old) return;
    idx.selectAll.delete(name);
    for (const pair of pairs(old.spec?.selector)) removeFrom(idx.servicesByPair, pair, name);
    idx.services.delete(name);
  }
}
