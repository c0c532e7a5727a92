// The namespace controller (kube-controller-manager's pkg/controller/namespace): a namespace marked for
// deletion is Terminating; this deletes everything in it, kind by kind, as ordinary DELETEs (so pods stop
// gracefully and owners' dependents go through the garbage collector), and once nothing is left clears the
// `kubernetes` finalizer from spec.finalizers, which removes the namespace. The work runs in slices that give
// the event loop back, so emptying a namespace of thousands of objects never holds up other requests.
import type { Logger } from 'pino';
import { StatusError, type KubeObject } from '@kubelab/api';
import { namespaceStrategy } from '../registry/core-kinds';
import { namespaceFinalizers, type ObjectService } from '../registry/object-service';
import { resourceKey } from '../registry/strategy';

export interface NamespaceControllerOptions {
  log: Logger;
  /** Work per turn of the event loop (ms). */
  sliceMs?: number;
  /** How soon a namespace still holding objects (e.g. pods stopping gracefully) is looked at again (ms). */
  recheckMs?: number;
}

const kubernetesFinalizer = 'kubernetes';

export function startNamespaceController(service: ObjectService, opts: NamespaceControllerOptions): () => void {
  const sliceMs = opts.sliceMs ?? 5;
  const recheckMs = opts.recheckMs ?? 1000;
  const nsKey = resourceKey(namespaceStrategy.info);
  const pending = new Set<string>();
  let running = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  /** Deletes what it can within one slice; true when the namespace holds nothing any more. */
  const emptyOnce = (ns: string, deadline: number): boolean => {
    let empty = true;
    for (const s of service.registry.all()) {
      if (!s.info.namespaced) continue;
      for (const o of service.list(s, ns) as KubeObject[]) {
        empty = false;
        if (o.metadata.deletionTimestamp) continue; // already going: graceful pods, finalizers
        if (performance.now() > deadline) return false;
        try {
          service.delete(s, ns, o.metadata.name!);
        } catch (err) {
          if (!(err instanceof StatusError && err.reason === 'NotFound'))
            opts.log.warn(
              { namespace: ns, object: `${s.info.plural}/${o.metadata.name}`, err: (err as Error).message },
              'namespace clean-up: delete failed',
            );
        }
      }
    }
    return empty;
  };

  const finalize = (ns: string): void => {
    const current = service.store.get(nsKey, undefined, ns);
    if (!current?.metadata.deletionTimestamp) return;
    const finalizers = namespaceFinalizers(current).filter((f) => f !== kubernetesFinalizer);
    // This write removes the namespace once no finalizer is left (ObjectService.persist).
    service.update(namespaceStrategy, undefined, ns, { ...current, spec: { ...(current.spec as object), finalizers } });
    opts.log.info({ namespace: ns }, 'namespace emptied and removed');
  };

  const work = (): void => {
    timer = undefined;
    if (stopped || running) return;
    running = true;
    const deadline = performance.now() + sliceMs;
    let again = false;
    try {
      for (const ns of [...pending]) {
        if (performance.now() > deadline) {
          again = true;
          break;
        }
        const current = service.store.get(nsKey, undefined, ns);
        if (!current?.metadata.deletionTimestamp || !namespaceFinalizers(current).includes(kubernetesFinalizer)) {
          pending.delete(ns);
          continue;
        }
        if (emptyOnce(ns, deadline)) {
          finalize(ns);
          pending.delete(ns);
        } else again = true;
      }
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'namespace controller pass failed; retrying');
      again = true;
    } finally {
      running = false;
    }
    // Out of time: go on right after other work had its turn; waiting on objects being deleted: look again soon.
    if (again && !stopped) schedule(performance.now() > deadline ? 0 : recheckMs);
  };

  const schedule = (ms: number): void => {
    if (stopped) return;
    if (timer && ms > 0) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(work, ms);
  };

  // Namespaces already Terminating when the API server starts (a restart mid-deletion) are picked up too.
  for (const ns of service.list(namespaceStrategy, undefined)) if (ns.metadata.deletionTimestamp) pending.add(ns.metadata.name!);
  if (pending.size) schedule(0);

  const unsubscribe = service.store.subscribe((e) => {
    if (e.resource === nsKey && e.type !== 'DELETED' && e.object.metadata.deletionTimestamp) {
      pending.add(e.object.metadata.name!);
      schedule(0);
    } else if (e.type === 'DELETED' && e.object.metadata.namespace && pending.has(e.object.metadata.namespace)) {
      // Something in a terminating namespace went away: the namespace may be empty now.
      schedule(0);
    }
  });
  return () => {
    stopped = true;
    unsubscribe();
    if (timer) clearTimeout(timer);
  };
}
