// Queries grouped into the lookups a resolver made: glibc and musl try a name with fewer dots than ndots
// (5 in pods) against each search domain in order, `<ns>.svc.<zone>`, `svc.<zone>`, `<zone>`, then as it is
// (resolv.conf(5); Kubernetes' pod resolv.conf, DESIGN.md §3). A query whose name is the first search
// expansion starts a lookup of the name without it; later queries of the same client for the next
// expansions, or the bare name, join it. A lookup is over once a query got addresses or it has been quiet.
// Pure: time comes with each query.
import type { LoggedQuery } from './query-log';

export interface ServedQuery extends LoggedQuery {
  /** The DNS pod that answered (whose log it is in). */
  server: string;
  /** ms since the epoch. */
  at: number;
}

export interface Lookup {
  client: string;
  /** The name the program asked for, before search-path expansion (with a trailing dot when it was fully tried as is). */
  original: string;
  /** The client's namespace, when known: it decides the search list. */
  namespace?: string;
  queries: ServedQuery[];
  /** Addresses of the first query that got any. */
  answer?: ServedQuery;
}

export function searchList(namespace: string, zone = 'cluster.local'): string[] {
  return [`${namespace}.svc.${zone}`, `svc.${zone}`, zone];
}

/** The names a resolver tries for `original` in order (ndots 5). */
export function expansions(original: string, namespace: string, zone = 'cluster.local'): string[] {
  const base = original.replace(/\.$/, '');
  return [...searchList(namespace, zone).map((s) => `${base}.${s}.`), `${base}.`];
}

export interface GrouperOptions {
  zone?: string;
  /** Client IP -> namespace of the pod with that IP (the search list depends on it). */
  namespaceOf(ip: string): string | undefined;
  /** A lookup with no new query for this long is complete. */
  quietMs?: number;
}

export class LookupGrouper {
  private readonly open: Lookup[] = [];
  private readonly zone: string;
  private readonly quietMs: number;

  constructor(private readonly o: GrouperOptions) {
    this.zone = o.zone ?? 'cluster.local';
    this.quietMs = o.quietMs ?? 1500;
  }

  /** Adds a query; returns the lookups it completed (its own, when it got an answer). */
  add(q: ServedQuery): Lookup[] {
    const done = this.expire(q.at);
    const ns = this.o.namespaceOf(q.clientIp);
    const joined = this.open.find((l) => l.client === q.clientIp && (!l.answer || isSameTry(l, q)) && this.belongs(l, q.name));
    const lookup = joined ?? this.start(q, ns);
    lookup.queries.push(q);
    if (!lookup.answer && q.rcode === 'NOERROR' && q.answers.length > 0) lookup.answer = q;
    return done;
  }

  /** Lookups quiet since before `now`. */
  expire(now: number): Lookup[] {
    const done: Lookup[] = [];
    for (let i = this.open.length - 1; i >= 0; i--) {
      const l = this.open[i];
      if (now - l.queries[l.queries.length - 1].at >= this.quietMs) done.unshift(...this.open.splice(i, 1));
    }
    return done;
  }

  /** Everything still open (at the end of the input). */
  flush(): Lookup[] {
    return this.open.splice(0);
  }

  private belongs(l: Lookup, name: string): boolean {
    if (!l.namespace) return l.original === name;
    return expansions(l.original, l.namespace, this.zone).includes(name);
  }

  private start(q: ServedQuery, ns: string | undefined): Lookup {
    let original = q.name;
    if (ns) {
      const first = `.${searchList(ns, this.zone)[0]}.`;
      if (q.name.endsWith(first)) original = q.name.slice(0, -first.length);
    }
    const l: Lookup = { client: q.clientIp, original, namespace: ns, queries: [] };
    this.open.push(l);
    return l;
  }
}

/** After an answer only the same name's other record types (A beside AAAA) still join the lookup. */
function isSameTry(l: Lookup, q: ServedQuery): boolean {
  return l.answer?.name === q.name;
}
