// A SyncLoop over a set of dirty keys (`ns/name`): events mark keys, one coalesced sync handles exactly the
// marked ones through syncEach, and a key whose sync failed is marked again and retried a second later.
import type { Logger } from 'pino';
import type { KubeObject } from '@kubelab/api';
import { SyncLoop, syncEach } from './sync-loop';

export interface KeyedLoop {
  mark(keys: Iterable<string>): void;
  stop(): void;
}

export function startKeyedLoop(
  name: string,
  what: string,
  log: Logger,
  timing: { delayMs?: number; resyncMs?: number },
  syncKey: (namespace: string, name: string) => void,
): KeyedLoop {
  const dirty = new Set<string>();
  const sync = (): number | undefined => {
    const keys = [...dirty];
    dirty.clear();
    const objects = keys.map((k) => {
      const i = k.indexOf('/');
      return { metadata: { namespace: k.slice(0, i), name: k.slice(i + 1) } } as KubeObject;
    });
    return syncEach(objects, what, log, (o) => {
      try {
        syncKey(o.metadata.namespace!, o.metadata.name!);
      } catch (err) {
        dirty.add(`${o.metadata.namespace}/${o.metadata.name}`);
        throw err;
      }
      return undefined;
    });
  };
  const loop = new SyncLoop({ name, sync, log, delayMs: timing.delayMs, resyncMs: timing.resyncMs });
  return {
    mark(keys) {
      let any = false;
      for (const k of keys) {
        dirty.add(k);
        any = true;
      }
      if (any) loop.poke();
    },
    stop: () => loop.stop(),
  };
}
