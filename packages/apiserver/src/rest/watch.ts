// Watch streams: one JSON object per line, {"type","object"}, chunked, as the Kubernetes API server sends.
// Without a resourceVersion the stream starts with synthetic ADDED events for what exists (as Kubernetes
// does); with one it replays history after it, or answers 410 Gone when that history is gone.
import type { Request, Response } from 'express';
import { StatusError, type KubeObject, type WatchEvent } from '@kubelab/api';
import type { Store, StoredEvent } from '../storage/store';
import type { ObjectFilter } from './filters';
import { encoded } from './list-page';

export interface WatchOptions {
  resource: string;
  namespace?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  filter: ObjectFilter;
  initial: () => KubeObject[];
  /** What each event carries instead of the object (a Table row for kubectl get -w); errors stay Status. */
  transform?: (object: KubeObject) => object;
}

/**
 * What a filtered watcher should see of a change, as the Kubernetes watch cache decides it: an object that
 * starts matching the selector is ADDED, one that stops matching is DELETED, one that never matched is
 * not sent at all.
 */
export function filteredType(e: StoredEvent, filter: ObjectFilter): StoredEvent['type'] | undefined {
  const now = filter(e.object);
  if (e.type !== 'MODIFIED') return now ? e.type : undefined;
  const before = e.previous ? filter(e.previous) : now;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

/** setTimeout's longest delay (2^31 - 1 ms, about 24.8 days): a longer one fires at once, with a warning. */
const maxTimerSeconds = Math.floor((2 ** 31 - 1) / 1000);

/**
 * ?timeoutSeconds= as a watch's lifetime: absent, zero, negative or not a number means no timeout; a value
 * too long for a timer (or for a Go time.Duration) is clamped to the longest one, so "a very long time"
 * never becomes "close at once" (issue 6).
 */
export function watchTimeoutSeconds(text: string | undefined): number | undefined {
  const n = Number(text);
  if (!text || Number.isNaN(n) || n <= 0) return undefined;
  return Math.min(n, maxTimerSeconds);
}

// Each stored object is serialized once for all its watchers (list-page.ts keeps the text): the node
// agents, informers and kubectl -w all watch pods, and one delete used to be encoded per watcher.

export function serveWatch(store: Store, req: Request, res: Response, opts: WatchOptions): void {
  res.status(200);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.flushHeaders();

  const send = (e: WatchEvent): void => {
    const object = opts.transform && e.type !== 'ERROR' ? JSON.stringify(opts.transform(e.object)) : encoded(e.object);
    res.write(`{"type":${JSON.stringify(e.type)},"object":${object}}\n`);
  };
  const inScope = (e: StoredEvent): boolean =>
    e.resource === opts.resource && (opts.namespace === undefined || e.object.metadata.namespace === opts.namespace);

  const rv = opts.resourceVersion && opts.resourceVersion !== '0' ? Number(opts.resourceVersion) : undefined;
  // Subscribe before replaying so nothing written in between is lost; replay filters by rv.
  const buffered: StoredEvent[] = [];
  let replaying = true;
  // Changes at or below `seen` are in what the watch started from (its list, or the version it resumes
  // from). Not moved by each event: the changes of one group share a resourceVersion (storage/store.ts).
  let seen = 0;
  const deliver = (e: StoredEvent): void => {
    if (!inScope(e) || e.resourceVersion <= seen) return;
    const type = filteredType(e, opts.filter);
    if (type) send({ type, object: e.object });
  };
  // Only changes etcd has committed reach a watcher: a change lost in a crash was never seen by anyone.
  const unsubscribe = store.subscribeCommitted((e) => (replaying ? buffered.push(e) : deliver(e)));

  if (rv === undefined || Number.isNaN(rv)) {
    for (const o of opts.initial()) if (opts.filter(o)) send({ type: 'ADDED', object: o });
    seen = store.resourceVersion;
    // The list showed the open group's changes so far: later ones must get a newer resourceVersion.
    store.seal();
  } else {
    const changes = store.changesSince(opts.resource, rv);
    if (!changes) {
      const gone = new StatusError('Expired', `too old resource version: ${rv} (${store.oldestResumable})`);
      send({ type: 'ERROR', object: gone.toStatus() as unknown as KubeObject });
      unsubscribe();
      res.end();
      return;
    }
    seen = rv;
    const committed = store.committedResourceVersion;
    for (const e of changes) if (e.resourceVersion <= committed) deliver(e);
    // Every later change reaches the subscription, and is newer than what was committed.
    seen = Math.max(rv, committed);
  }
  for (const e of buffered) deliver(e);
  replaying = false;

  const timer = opts.timeoutSeconds ? setTimeout(() => res.end(), opts.timeoutSeconds * 1000) : undefined;
  const close = (): void => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  };
  req.on('close', close);
  res.on('close', close);
}
